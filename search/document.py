"""The one function that turns a published entry into a search document (engine-neutral)."""
from __future__ import annotations

import datetime as dt

from catalog_schema import get_schema

from .fields import ITEMS_KEY, facet_keys, fulltext_weights, stored_keys
from .segment import Segmenter

MAX_STORED_ITEMS = 30


def build_document(*, entry_id: int, resource_code: str, values: dict, department: dict,
                   category_path: list[str], topic_paths: list[list[str]], updated_at: dt.datetime,
                   segmenter: Segmenter, derived: dict | None = None,
                   modified_at: dt.datetime | None = None) -> dict:
    """`values`: the published version's data; `department`: {id, name, short_name, aliases, ancestor_ids};
    `derived`: the values of the schema's derived elements the registry computed (更新状态).
    `department` may carry `credit_code`, which (with the resource code) a code search finds.

    `updated_at` is the update time people see (the original catalog's date for an imported entry); `modified_at`
    when this registry last published a version of it (CKAN's metadata_modified, which harvesters page by), by
    default the same.

    Hierarchical facets carry the node and its ancestors, so filtering on a node includes its subtree.
    """
    schema = get_schema()
    values = {**values, **(derived or {})}
    items = [i.get("name") or "" for i in values.get("data_items") or []]
    department_text = " ".join(filter(None, [department["name"], department.get("short_name"),
                                             (department.get("aliases") or "").replace(";", " ")]))
    raw_text = {}
    for key in fulltext_weights():
        if key == ITEMS_KEY:
            raw_text[key] = " ".join(items)
        elif schema.field(key).type == "department":
            raw_text[key] = department_text
        else:
            raw_text[key] = _text(values.get(key))
    facets: dict[str, list[str]] = {}
    for key in facet_keys():
        spec = schema.field(key)
        value = values.get(key)
        if spec.type == "category":
            facets[key] = list(category_path)
        elif spec.type == "department":
            facets[key] = [str(i) for i in department["ancestor_ids"]] + [str(department["id"])]
        elif spec.type == "code_list":
            facets[key] = sorted({code for path in topic_paths for code in path})
        elif spec.type == "bool":
            facets[key] = ["1" if value else "0"]
        elif isinstance(value, (list, tuple)):  # multi_enum codes, keywords
            facets[key] = list(dict.fromkeys(str(v) for v in value))
        else:
            facets[key] = [str(value)] if value not in (None, "") else []
    stored = {k: values.get(k) for k in stored_keys()}
    stored.update(id=entry_id, resource_code=resource_code, department=department["name"],
                  department_id=department["id"], items=items[:MAX_STORED_ITEMS], item_count=len(items),
                  category_code=category_path[-1] if category_path else "")
    return {
        "id": entry_id,
        "text": {key: segmenter.index_text(text) for key, text in raw_text.items()},
        # the substring fields: every text the word fields hold, as character bigrams (see `search.plan`)
        "bigrams": segmenter.bigram_text(" ".join(raw_text.values())),
        "name_grams": segmenter.bigram_text(values.get("name") or ""),
        "codes": [c.upper() for c in (resource_code, department.get("credit_code")) if c],
        "facets": facets,
        "public": bool(values.get("open_to_public")) and not values.get("secret"),
        "updated": _epoch(updated_at),
        "modified": _microseconds(modified_at or updated_at),
        "name_sort": values.get("name") or "",
        "stored": stored,
    }


def _text(value) -> str:
    """A field's value as text to index: lists (keywords) joined, None empty."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return str(value)


def _epoch(moment: dt.datetime | None) -> int:
    """Seconds since 1970 of a naive UTC time (0 when unknown)."""
    return int(moment.replace(tzinfo=dt.timezone.utc).timestamp()) if moment else 0


def _microseconds(moment: dt.datetime | None) -> int:
    """Microseconds since 1970 of a naive UTC time (0 when unknown): `modified` keeps CKAN's metadata_modified
    exactly, so that harvesters page by it without ties."""
    if moment is None:
        return 0
    return (moment.replace(tzinfo=dt.timezone.utc) - EPOCH) // dt.timedelta(microseconds=1)


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
