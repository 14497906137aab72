"""Chinese word segmentation for indexing and querying, with a deployment dictionary and synonyms.

Text is segmented in Python before it reaches any engine (so a plain Elasticsearch works too): documents with
jieba's search mode (fine and compound words, for recall), queries with its precise mode; each query word also
matches as the phrase of its character bigrams and as any of its synonyms (人社局 ↔ 人力资源和社会保障局).
"""
from __future__ import annotations

import logging
import pathlib
import re
import threading

HERE = pathlib.Path(__file__).parent
DICTIONARY = HERE / "dictionary.txt"
SYNONYMS = HERE / "synonyms.txt"
WORD = re.compile(r"\w", re.UNICODE)
RUNS = re.compile(r"[a-z0-9]+|[^\W\d_a-z]+", re.UNICODE)

# Longer names (official department names) are left to segment naturally: as single dictionary words they would
# hide their parts from the index. Short names and abbreviations (人社局, 市场监管局) are kept whole.
MAX_DICTIONARY_WORD = 6

log = logging.getLogger(__name__)


class Segmenter:
    """Wraps jieba (or rjieba, the Rust port: same dictionary and results, faster) with our dictionary."""

    def __init__(self, engine: str = "rjieba", words: list[str] | None = None,
                 synonyms: list[list[str]] | None = None):
        self.engine = engine
        self._lock = threading.Lock()
        if engine == "rjieba":
            import rjieba
            self._cut = rjieba.cut
            self._cut_for_search = rjieba.cut_for_search
            self._add_word = lambda word: rjieba.add_word(word, None, None)
        elif engine == "jieba":
            import jieba
            jieba.setLogLevel(logging.WARNING)
            self._cut = jieba.lcut
            self._cut_for_search = jieba.lcut_for_search
            self._add_word = jieba.add_word
        else:
            raise ValueError(f"unknown segmenter {engine!r}")
        self.synonyms: dict[str, set[str]] = {}
        for word in _read_dictionary():
            self.add_word(word)
        for group in _read_synonyms() + (synonyms or []):
            self.add_synonyms(group)
        for word in words or []:
            if len(word) <= MAX_DICTIONARY_WORD:
                self.add_word(word)

    def add_word(self, word: str) -> None:
        word = word.strip()
        if len(word) >= 2:
            with self._lock:
                self._add_word(word)

    def add_synonyms(self, group: list[str]) -> None:
        group = [g.strip() for g in group if g and len(g.strip()) >= 2]
        for word in group:
            if len(word) <= MAX_DICTIONARY_WORD:
                self.add_word(word)
            self.synonyms.setdefault(word, set()).update(g for g in group if g != word)

    def index_tokens(self, text: str | None) -> list[str]:
        """Tokens of a document's text: every word and its finer parts, lower-cased, no punctuation."""
        if not text:
            return []
        return [t.lower() for t in self._cut_for_search(text) if WORD.search(t)]

    def index_text(self, text: str | None) -> str:
        return " ".join(self.index_tokens(text))

    def query_words(self, text: str) -> list[str]:
        """The words of a query (precise mode), lower-cased, without punctuation."""
        return [t.lower() for t in self._cut(text or "") if WORD.search(t)]

    def bigrams(self, text: str | None) -> list[str]:
        """Overlapping character bigrams of the Chinese runs (Latin words and numbers kept whole).

        The safety net under segmentation: a word that jieba cut differently in a document (e.g. inside a long
        department name) is still found as the phrase of its bigrams.
        """
        out: list[str] = []
        for run in RUNS.findall((text or "").lower()):
            if run.isascii():
                out.append(run)
            elif len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i:i + 2] for i in range(len(run) - 1))
        return out

    def bigram_text(self, text: str | None) -> str:
        return " ".join(self.bigrams(text))

    def alternatives(self, word: str) -> list[tuple[str, list[str]]]:
        """Ways a query word may appear in the index: as a word, as the phrase of its bigrams, and so each synonym.

        Returns (kind, tokens) pairs with kind "word" (the word fields) or "bigram" (the bigram field).
        """
        options: list[tuple[str, list[str]]] = []
        for variant in [word] + sorted(self.synonyms.get(word, ())):
            variant = variant.lower()
            options.append(("word", [variant]))
            grams = self.bigrams(variant)
            if grams:
                options.append(("bigram", grams))
        return options

    def highlight_terms(self, text: str) -> list[str]:
        terms = []
        for word in self.query_words(text):
            terms.append(word)
            terms.extend(self.synonyms.get(word, ()))
        return sorted(set(terms), key=len, reverse=True)


def _read_dictionary() -> list[str]:
    words = []
    for line in DICTIONARY.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.append(line.split()[0])
    return words


def _read_synonyms() -> list[list[str]]:
    groups = []
    for line in SYNONYMS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            groups.append([w for w in re.split(r"[,，\s]+", line) if w])
    return groups
