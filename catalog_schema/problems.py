"""What field validation (`validation.py`) and the cross-field rules (`rules.py`) share.

The `Problem` record both produce, the `Lookups` the caller supplies for checks against the registry, and
`item_label`, the Chinese name of a data item (or of one of its fields) that both put into messages. Kept
apart so that `validation` can import `rules` without `rules` importing `validation` back.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .spec import CatalogSchema


@dataclass(frozen=True)
class Problem:
    """One validation problem. `path` is e.g. ``sharing_type`` or ``data_items[2].name``."""

    path: str
    label: str
    message: str
    message_en: str

    def as_dict(self) -> dict:
        return {"field": self.path, "label": self.label, "message": self.message, "message_en": self.message_en}


class Lookups(Protocol):
    """What validation needs from the registry, supplied by the caller (the app's services)."""

    def category_exists(self, code: str) -> bool: ...

    def missing_resource_codes(self, codes: list[str]) -> list[str]: ...


def item_label(schema: CatalogSchema, index: int, key: str | None = None) -> str:
    base = f"{schema.items_label}第{index + 1}行"
    if key is None:
        return base
    return f"{base}「{schema.item_field(key).label}」"
