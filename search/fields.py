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
    """The schema's facets, its derived elements (e.g. 更新状态) included."""
    schema = get_schema()
    return tuple(f.key for f in schema.fields + schema.derived if "facet" in f.search)


@functools.cache
def stored_keys() -> tuple[str, ...]:
    """Fields a result list shows straight from the index (the schema's `stored` role)."""
    return tuple(f.key for f in get_schema().fields if "stored" in f.search)


# Field types whose facets are trees: a document carries the node and its ancestors, so a filter on a node
# includes its subtree (classification and topic codes: category nodes; provider: the department tree).
TREE_TYPES = ("category", "code_list", "department")


@functools.cache
def hierarchical_keys() -> tuple[str, ...]:
    return tuple(k for k in facet_keys() if get_schema().field(k).type in TREE_TYPES)
