"""The query and result models every search backend speaks."""
from __future__ import annotations

from dataclasses import dataclass, field

SORTS = ("relevance", "updated", "name")  # the portal's choices
# every order a backend knows: the portal's, and those the CKAN API's `sort` maps onto (updated = the update time
# people see; modified = when the registry last published a version, CKAN's metadata_modified)
ALL_SORTS = SORTS + ("updated_asc", "name_desc", "modified", "modified_asc")


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
    # the CKAN API's filter query (fq), beyond `filters`: every group must match one of its (facet, value) pairs;
    # no document may match a pair of `none_of`; `modified` an inclusive range of microseconds since 1970 (None: open)
    any_of: tuple[tuple[tuple[str, str], ...], ...] = ()
    none_of: tuple[tuple[str, str], ...] = ()
    modified: tuple[int | None, int | None] | None = None
    local_only: bool = False  # this registry's own entries only (harvested records have negative ids)
    start: int | None = None  # an offset that need not be a multiple of per_page (the API's `start`)

    @property
    def offset(self) -> int:
        return self.start if self.start is not None else (self.page - 1) * self.per_page


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
