"""The search backend interface. Implementations: `search.tantivy_backend` (embedded, the default) and
`search.elasticsearch_backend` (a server, for scale). Both pass `tests/search/conformance.py`."""
from __future__ import annotations

import abc
import importlib
from typing import Callable, Iterable

from .query import SearchQuery, SearchResult
from .segment import Segmenter


class SearchBackend(abc.ABC):
    """Documents are plain dicts made by the application (see `search.document`); ids are entry ids."""

    def __init__(self, segmenter: Segmenter):
        self.segmenter = segmenter

    @abc.abstractmethod
    def index(self, documents: Iterable[dict]) -> int:
        """Add or replace documents (by id). Returns how many were written."""

    @abc.abstractmethod
    def delete(self, ids: Iterable[int]) -> None:
        """Remove documents; unknown ids are ignored."""

    def apply(self, upserts: list[dict], deletions: list[int], *, blocking: bool = True) -> None:
        """Index some documents and delete others (the outbox applier's one call)."""
        self.index(upserts)
        self.delete(deletions)

    @abc.abstractmethod
    def search(self, query: SearchQuery) -> SearchResult: ...

    @abc.abstractmethod
    def suggest(self, prefix: str, *, public_only: bool, limit: int = 8) -> list[str]:
        """Entry names starting with (or containing the words of) what was typed so far."""

    @abc.abstractmethod
    def rebuild(self, documents: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
        """Replace the whole index with these documents; searches see the old index until the new one is complete."""

    @abc.abstractmethod
    def count(self) -> int: ...

    @abc.abstractmethod
    def ids(self) -> set[int]:
        """Every document id in the index (health checks: the index must hold exactly the published entries)."""

    def health(self) -> dict:
        return {"backend": type(self).__name__, "documents": self.count()}

    def close(self) -> None:
        """Release resources (writers, connections)."""


def rank_suggestions(prefix: str, names: list[str], limit: int) -> list[str]:
    """Distinct names, those starting with what was typed first, then those holding it, then the rest (synonym
    matches), each group in the engine's order (shorter, closer names score higher)."""
    typed = "".join(prefix.split()).lower()
    names = list(dict.fromkeys(names))

    def rank(pair):
        position, name = pair
        lowered = name.lower()
        return (0 if lowered.startswith(typed) else 1 if typed in lowered else 2, position)

    return [name for _position, name in sorted(enumerate(names), key=rank)][:limit]


def load_backend(dotted: str) -> type[SearchBackend]:
    """`package.module:ClassName` (or `package.module.ClassName`) → the class."""
    module, _, name = dotted.replace(":", ".").rpartition(".")
    return getattr(importlib.import_module(module), name)
