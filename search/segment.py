"""Chinese word segmentation for indexing and querying, with a deployment dictionary and synonyms.

Text is segmented in Python before it reaches any engine (so a plain Elasticsearch works too): documents with
jieba's search mode (fine and compound words, for recall), queries with its precise mode; each query word also
matches as the phrase of its character bigrams and as any of its synonyms (人社局 ↔ 人力资源和社会保障局): see
`search.plan`, which turns a query into clauses.
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

# Words that say what kind of record a resource holds, not what it is about: left out when looking for related
# entries (every second name ends in 信息).
GENERIC_WORDS = frozenset("""
信息 数据 资料 名录 名单 清单 目录 列表 台账 记录 情况 基本 基础 相关 管理 统计 汇总 明细 查询 公示 公开 公告 结果
业务 服务 系统 平台 办理 登记信息 一览 全市 本市 市级 区级 各类 有关
""".split())

# Longer names (official department names) are left to segment naturally: as single dictionary words they would
# hide their parts from the index. Short names and abbreviations (人社局, 市场监管局) are kept whole.
MAX_DICTIONARY_WORD = 6

log = logging.getLogger(__name__)


class Segmenter:
    """Wraps jieba (or rjieba, the Rust port: same dictionary and results, faster) with our dictionary."""

    def __init__(self, engine: str = "rjieba", words: list[str] | None = None,
                 synonyms: list[list[str]] | None = None, *, defaults: bool = True):
        """`words` and `synonyms` are added to the shipped defaults (the files beside this module), or stand
        alone with `defaults=False` (the app passes the lists an admin saved, see `app.indexing.vocabulary`)."""
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
        dictionary = _read_dictionary() if defaults else []
        if defaults:
            synonyms = _read_synonyms() + list(synonyms or [])
        self.replace_vocabulary(dictionary, synonyms or [], names=words or [])

    def replace_vocabulary(self, words: list[str], synonyms: list[list[str]], names: list[str] = ()) -> None:
        """Use these synonym groups from now on, and keep these words whole; `names` (department names, short
        names, aliases) are kept whole when short. (Words once given to jieba stay in its dictionary until the
        process restarts; a query also matches by character pairs, so that is harmless.)"""
        table: dict[str, set[str]] = {}
        for group in synonyms:
            group = [g.strip() for g in group if g and len(g.strip()) >= 2]
            for word in group:
                if len(word) <= MAX_DICTIONARY_WORD:
                    self.add_word(word)
                table.setdefault(word, set()).update(g for g in group if g != word)
        self.synonyms = table  # replaced whole: a search running meanwhile sees the old table or the new one
        for word in words:
            self.add_word(word)
        for word in names:
            if len(word) <= MAX_DICTIONARY_WORD:
                self.add_word(word)

    def add_word(self, word: str) -> None:
        word = word.strip()
        if len(word) >= 2:
            with self._lock:
                self._add_word(word)

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

    def content_words(self, text: str) -> list[str]:
        """The query words of a text that say what it is about (two characters or more, not generic)."""
        return [w for w in dict.fromkeys(self.query_words(text)) if len(w) >= 2 and w not in GENERIC_WORDS]

    def bigrams(self, text: str | None) -> list[str]:
        """Overlapping character bigrams of each run of Chinese characters, and of each run of Latin letters and
        digits (a lone character stays itself).

        The safety net under segmentation, and what substring search matches: a word that jieba cut differently in
        a document (e.g. inside a long department name) is still found as the phrase of its bigrams, and so is any
        piece of a name (门头 in 门头沟, 345 in 12345).
        """
        out: list[str] = []
        for run in RUNS.findall((text or "").lower()):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i:i + 2] for i in range(len(run) - 1))
        return out

    def bigram_text(self, text: str | None) -> str:
        return " ".join(self.bigrams(text))


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
