"""The query and result models every search backend speaks."""
from __future__ import annotations

from dataclasses import dataclass, field

SORTS = ("relevance", "updated", "name")


@dataclass
class SearchQuery:
    """A search: text, filters (OR within a facet, AND across facets), facets to count, sort and page.

    `public_only` restricts to the open catalog (anonymous visitors); it is applied to hits and facet counts alike.
    """

    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    facets: tuple[str, ...] = ()
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    public_only: bool = False
    exclude_ids: tuple[int, ...] = ()
    any_term: bool = False  # match any word instead of all (used for "related entries")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass
class Hit:
    id: int
    score: float
    fields: dict


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)  # words to highlight (query words and their synonyms)
