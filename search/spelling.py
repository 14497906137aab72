"""“您是不是要找”: known terms close to a query that found nothing (one or two characters off)."""
from __future__ import annotations

import difflib
import re

NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def similarity(a: str, b: str) -> float:
    """How alike two strings are, 0 … 1 (matching characters in order, as difflib counts them)."""
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def close_terms(query: str, vocabulary, *, limit: int = 8, threshold: float = 0.6) -> list[str]:
    """Terms of the vocabulary most like the query (not the query itself), best first."""
    typed = NON_WORD.sub("", query or "").lower()
    if len(typed) < 2:
        return []
    scored = []
    for term in set(vocabulary):
        key = NON_WORD.sub("", term).lower()
        if not key or key == typed or abs(len(key) - len(typed)) > max(2, len(typed) // 2):
            continue
        score = similarity(typed, key)
        if score >= threshold:
            scored.append((-score, abs(len(key) - len(typed)), term))
    return [term for _s, _d, term in sorted(scored)[:limit]]
