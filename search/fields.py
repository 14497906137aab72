"""Which catalog fields the index holds, read from the schema's search roles (no field list restated here)."""
from __future__ import annotations

import functools

from catalog_schema import get_schema

ITEMS_KEY = "data_items"


@functools.cache
def fulltext_weights() -> dict[str, float]:
    """Full-text field → weight (name > data-item names > summary > department …)."""
    schema = get_schema()
    weights = {f.key: float(f.weight) for f in schema.fields if "fulltext" in f.search}
    weights[ITEMS_KEY] = float(schema.items_search_weight)
    return weights


@functools.cache
def facet_keys() -> tuple[str, ...]:
    return tuple(f.key for f in get_schema().fields if "facet" in f.search)


# hierarchical facets: a document carries the node and its ancestors, so a filter on a node includes its subtree
HIERARCHICAL = ("category_code", "provider", "topic_codes")
