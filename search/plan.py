"""What a query means, engine-neutral: a small tree of clauses each backend translates one to one.

The plan is built once here from the query text, so the embedded engine and Elasticsearch match the same things:

- **Substrings.** Each run of Chinese characters must appear as the phrase of its character bigrams, in the name
  (ranked first) or anywhere in the text (name, summary, data items, keywords, department). Any two or more
  characters taken from a name, a summary or a data item find their entry, however jieba cut them.
- **Words and synonyms.** A run also matches when its words appear apart, each as itself or as one of its synonyms
  (旅游景点 finds 旅游 … 景区; 人社局 finds 人力资源和社会保障局). Exact word matches in the word fields score by the
  schema's weights, so whole words and phrases rank before scattered characters.
- **A single character** matches any bigram that holds it (a filter more than a ranking).
- **Codes.** A resource code, a classification code prefix (102005) or a department's unified social credit code
  finds its entries first.

`any_term` (partial matches, related entries) lets any clause match instead of all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .fields import fulltext_weights
from .segment import Segmenter

BIGRAM_FIELD = "bigram"  # bigrams of name, summary, data items, keywords and department names
NAME_GRAMS_FIELD = "name_grams"  # bigrams of the name alone
CODES_FIELD = "codes"  # resource code, department credit code: whole values, matched exactly or by prefix

NAME_PHRASE_BOOST = 6.0
TEXT_PHRASE_BOOST = 1.5
WORDS_BOOST = 0.6
SYNONYM_FACTOR = 0.8
CODE_EXACT_BOOST = 60.0
CODE_PREFIX_BOOST = 30.0
# A synonym longer than this (an official department name) is looked for in names and as a word, not as a phrase
# of character pairs through all the text: such phrases cost the most, and the short name the query used is itself
# in the department's text.
LONG_SYNONYM = 6

# Separators between the parts of a query; a code keeps its slash and hyphen.
SEPARATORS = re.compile(r"[\s,，。；;、:：|（）()\"“”'‘’《》<>【】\[\]{}!！?？]+")
RESOURCE_CODE = re.compile(r"^\d{3,32}(?:/\d{0,12})?$")
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NP-RT-UW-Y]{2}\d{6}[0-9A-HJ-NP-RT-UW-Y]{10}$")
RUNS = re.compile(r"[a-z0-9]+|[^\W\d_a-z]+", re.UNICODE)


# ---- the clause tree ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """The field holds this token (a word, a bigram, a code)."""
    field: str
    value: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """The field holds these tokens one after another (one token: a term)."""
    field: str
    tokens: tuple[str, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Pattern:
    """The field holds a token matching this regular expression (whole token; `.` any character)."""
    field: str
    regex: str
    boost: float = 1.0


@dataclass(frozen=True)
class AnyOf:
    """At least one clause matches; scores add up (more matching clauses rank higher)."""
    clauses: tuple
    boost: float = 1.0


@dataclass(frozen=True)
class AllOf:
    """Every clause matches."""
    clauses: tuple
    boost: float = 1.0


@dataclass(frozen=True)
class Best:
    """At least one clause matches; the best one scores (plus a little of the others)."""
    clauses: tuple
    tie: float = 0.1


@dataclass
class Plan:
    """`clause`: what a document must match (None: everything); `terms`: what to highlight in results."""
    clause: object | None
    terms: list[str] = field(default_factory=list)


# ---- building -------------------------------------------------------------------------------------------

def regex_escape(text: str) -> str:
    """Escape for both Tantivy's and Lucene's regular expressions (a safe superset)."""
    return "".join("\\" + ch if not ch.isalnum() else ch for ch in text)


def parts(text: str) -> list[tuple[str, str]]:
    """The query's parts: ("code", CODE) for codes, ("run", RUN) for runs of Chinese or of Latin letters/digits."""
    out: list[tuple[str, str]] = []
    for chunk in SEPARATORS.split(text or ""):
        if not chunk:
            continue
        upper = chunk.upper()
        if RESOURCE_CODE.match(chunk) or (len(chunk) == 18 and CREDIT_CODE.match(upper)):
            out.append(("code", upper))
            continue
        out.extend(("run", run) for run in RUNS.findall(chunk.lower()))
    return out


class Planner:
    def __init__(self, segmenter: Segmenter):
        self.segmenter = segmenter

    def plan(self, text: str, *, any_term: bool = False) -> Plan:
        clauses = [self._part(kind, value, any_term) for kind, value in parts(text)]
        clauses = [c for c in clauses if c is not None]
        if not clauses:
            return Plan(None, [])
        if len(clauses) == 1:
            clause = clauses[0]
        else:
            clause = AnyOf(tuple(clauses)) if any_term else AllOf(tuple(clauses))
        return Plan(clause, self.highlight_terms(text))

    def suggest_clause(self, text: str) -> object | None:
        """Names holding what was typed (each part, or a synonym of it) as a substring."""
        clauses = []
        for kind, value in parts(text):
            if kind == "code":
                clauses.append(Pattern(CODES_FIELD, regex_escape(value) + ".*"))
            elif len(value) == 1 and not value.isascii():
                clauses.append(self._single(value, {NAME_GRAMS_FIELD: 1.0}))
            else:
                clauses.append(Best(tuple(Phrase(NAME_GRAMS_FIELD, tuple(self.segmenter.bigrams(v)))
                                          for v in [value] + self._synonyms(value) if len(v) >= len(value))))
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else AllOf(tuple(clauses))

    def _part(self, kind: str, value: str, any_term: bool):
        if kind == "code":
            return AnyOf((Term(CODES_FIELD, value, CODE_EXACT_BOOST),
                          Pattern(CODES_FIELD, regex_escape(value) + ".*", CODE_PREFIX_BOOST))
                         + tuple(self._run(run, any_term) for run in RUNS.findall(value.lower())))
        return self._run(value, any_term)

    def _run(self, run: str, any_term: bool):
        if len(run) == 1:
            return self._single(run, {NAME_GRAMS_FIELD: NAME_PHRASE_BOOST, BIGRAM_FIELD: 1.0})
        if run.isascii():
            # Latin words and numbers: whole words in the word fields, or a piece of a longer one (345 in 12345)
            grams = tuple(self.segmenter.bigrams(run))
            return AnyOf(self._word_terms(run) + (Phrase(NAME_GRAMS_FIELD, grams, NAME_PHRASE_BOOST),
                                                  Phrase(BIGRAM_FIELD, grams, TEXT_PHRASE_BOOST)))
        alternatives: list = []
        for variant, factor in [(run, 1.0)] + [(s, SYNONYM_FACTOR) for s in self._synonyms(run)]:
            grams = tuple(self.segmenter.bigrams(variant))
            if len(variant) >= len(run):  # a shorter synonym (人社 for 人社局) hides in other words (个人社会…)
                alternatives.append(Phrase(NAME_GRAMS_FIELD, grams, NAME_PHRASE_BOOST * factor))
                if factor == 1.0 or len(variant) <= LONG_SYNONYM:
                    alternatives.append(Phrase(BIGRAM_FIELD, grams, TEXT_PHRASE_BOOST * factor))
            alternatives += [Term(f, variant, w * factor) for f, w in fulltext_weights().items()]
        words = self.segmenter.query_words(run)
        if words == [run]:  # the run is one word: it may still match as its parts (旅游景点 → 旅游 … 景区)
            alternatives += self._parts(run)
        elif any(len(w) >= 2 for w in words):
            # its words apart, each as itself or a synonym; a character jieba left alone must be there too (but
            # is not enough for a partial match on its own)
            if any_term:
                alternatives.append(AnyOf(tuple(self._word(w) for w in words if len(w) >= 2), WORDS_BOOST))
            else:
                alternatives.append(AllOf(tuple(self._word(w) if len(w) >= 2 else self._single(w, {BIGRAM_FIELD: 0.2})
                                                for w in words), WORDS_BOOST))
        return AnyOf(tuple(alternatives))

    def _word(self, word: str, depth: int = 0):
        alternatives: list = []
        for variant, factor in [(word, 1.0)] + [(s, SYNONYM_FACTOR) for s in self._synonyms(word)]:
            alternatives += [Term(f, variant, w * factor) for f, w in fulltext_weights().items()]
            if factor == 1.0 or len(variant) <= LONG_SYNONYM:
                alternatives.append(Phrase(BIGRAM_FIELD, tuple(self.segmenter.bigrams(variant)), factor))
        if depth == 0:
            alternatives += self._parts(word)
        return Best(tuple(alternatives))

    def _parts(self, word: str) -> list:
        """A compound word (旅游景点) also matches as its parts, when one of them has synonyms (景点 → 景区)."""
        finer = [p for p in dict.fromkeys(self.segmenter.index_tokens(word)) if 2 <= len(p) < len(word)]
        if len(finer) < 2 or not any(self._synonyms(p) for p in finer):
            return []
        return [AllOf(tuple(self._word(p, 1) for p in finer), SYNONYM_FACTOR)]

    def _single(self, char: str, boosts: dict[str, float]):
        """A lone character: a token that is the character, or a bigram starting or ending with it (a constant
        score per field, so entries with the character in their name come first)."""
        escaped = regex_escape(char)
        return AnyOf(tuple(Pattern(f, f"{escaped}|{escaped}.|.{escaped}", boost) for f, boost in boosts.items()))

    def _word_terms(self, word: str) -> tuple:
        return tuple(Term(f, word, w) for f, w in fulltext_weights().items())

    def _synonyms(self, word: str) -> list[str]:
        return sorted(s.lower() for s in self.segmenter.synonyms.get(word, ()) if s.lower() != word)

    def highlight_terms(self, text: str) -> list[str]:
        """Each part as typed, its words and their synonyms (longest first, so marks cover whole matches)."""
        terms: set[str] = set()
        for kind, value in parts(text):
            terms.add(value)
            if kind == "run" and not value.isascii():
                terms.update(self._synonyms(value))
                words = self.segmenter.query_words(value) + self.segmenter.index_tokens(value)
                for word in words:
                    if len(word) >= 2:
                        terms.add(word)
                        terms.update(self._synonyms(word))
        return sorted(terms, key=lambda t: (-len(t), t))


def walk(clause):
    """Every clause of a tree (for tests and for translating)."""
    yield clause
    for child in getattr(clause, "clauses", ()):
        yield from walk(child)
