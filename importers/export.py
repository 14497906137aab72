"""Exports of catalog entries in exactly the import template's layout, so an export can be edited and re-imported.

`write_entries(path, entries, categories=..., departments=...)` streams (openpyxl write-only mode: each row
goes to disk as it is appended, memory stays flat) — 100,000 entries are no problem. Each entry is a dict of
schema values as stored (vocabulary codes, bools, lists, ISO dates) plus ``resource_code`` and
``data_items``; the provider may be the department's name, code or id (the `value` of a (code, name, id)
department triple). Entries are numbered 1, 2, 3 … in 「行号」, and each data-item row carries both the
行号 and the resource code of its entry.

`read_workbook(write_entries(x))` gives back raw values that `validate_entry` cleans into the same dicts
as the originals (tested).
"""
from __future__ import annotations

import os
from typing import Iterable

from catalog_schema import CatalogSchema

from .layout import Reference
from .template import WorkbookWriter


def write_entries(path: str | os.PathLike, entries: Iterable[dict], *, categories: Iterable[tuple],
                  departments: Iterable[tuple], schema: CatalogSchema | None = None,
                  one_sheet: bool = False) -> str | os.PathLike:
    """Write `entries` to `path` in the template layout (two sheets; the national one-sheet layout with
    `one_sheet=True`); returns `path`. `entries` may be a generator: it is consumed once, row by row."""
    writer = WorkbookWriter(Reference(categories, departments), schema=schema, one_sheet=one_sheet)
    return writer.save(path, entries)
