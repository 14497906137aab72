"""Highlighting query words in stored text: HTML-escaped, with <mark> around matches, and a snippet window."""
from __future__ import annotations

import functools
import re

from markupsafe import Markup, escape


def _pattern(terms: list[str]) -> re.Pattern | None:
    return _compiled(tuple(t for t in terms if t))


@functools.lru_cache(maxsize=256)
def _compiled(terms: tuple[str, ...]) -> re.Pattern | None:
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True)), re.IGNORECASE)


def highlight(text: str | None, terms: list[str]) -> Markup:
    """The whole text with every term marked (the text is escaped first, so nothing a user typed is run)."""
    text = text or ""
    pattern = _pattern(terms)
    if pattern is None:
        return escape(text)
    spans: list[list[int]] = []
    for match in pattern.finditer(text):
        if spans and match.start() == spans[-1][1]:
            spans[-1][1] = match.end()  # touching matches are one mark, not a row of marks with gaps between
        else:
            spans.append([match.start(), match.end()])
    out, last = [], 0
    for start, end in spans:
        out.append(escape(text[last:start]))
        out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def snippet(text: str | None, terms: list[str], width: int = 90) -> Markup:
    """A window of about `width` characters around the first match (or the start), highlighted."""
    text = text or ""
    pattern = _pattern(terms)
    match = pattern.search(text) if pattern else None
    if len(text) <= width:
        return highlight(text, terms)
    start = 0 if match is None else max(0, match.start() - width // 3)
    end = min(len(text), start + width)
    piece = text[start:end]
    return (Markup("…") if start else Markup("")) + highlight(piece, terms) + (Markup("…") if end < len(text) else Markup(""))
