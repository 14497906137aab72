"""What the reader hands back: `ParsedWorkbook`, its `ParsedEntry`s and their sheets' `SheetColumns`.

A parsed entry keeps its row numbers and shares its sheet's column map, which is enough to turn a problem
path (``sharing_type``, ``data_items[2].length``) back into a cell (`ParsedEntry.source`) and to show the
value as the cell did (`ParsedEntry.value_at`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..problems import CellProblem, CellRef
from ..values import Formatter

TWO_SHEETS, ONE_SHEET_LAYOUT = "two_sheets", "one_sheet"     # ParsedWorkbook.layout
ITEM_PATH = re.compile(r"^data_items\[(\d+)\](?:\.(\w+))?$")


@dataclass
class SheetColumns:
    """One data sheet as read: its name, header row, and per schema key the column letter, header and formatter."""

    sheet: str
    header_row: int
    letters: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    formatters: dict[str, Formatter] = field(default_factory=dict)
    link_key: str | None = None        # the key column a row-level problem points at (行号, else 信息资源代码)

    def ref(self, row: int | None, key: str | None) -> CellRef:
        """The cell of `key` in `row`; the row's link cell when `key` is None; the row alone when absent."""
        key = key if key is not None else self.link_key
        if key is None or key not in self.letters:
            return CellRef(self.sheet, row, "", "")
        return CellRef(self.sheet, row, self.letters[key], self.headers[key])

    def shown(self, key: str, value: Any) -> Any:
        """A raw value as the cell would show it (vocabulary label, 是/否, department name)."""
        formatter = self.formatters.get(key)
        try:
            return formatter(value) if formatter is not None else value
        except (TypeError, ValueError, AttributeError):
            return value


@dataclass
class ParsedEntry:
    """One entry read from the workbook.

    `values` has the shape `validate_entry` accepts: schema keys (only those whose column the sheet has),
    vocabulary codes, bools, ISO dates, lists, and ``data_items`` (a list of dicts). `resource_code` is the
    existing code to update (None for a new entry); `row_key` the editor's 行号. `problems` are this entry's
    reading problems; `failed` the value paths they concern (left None in `values`).
    """

    sheet: str
    row: int
    row_key: str | None
    resource_code: str | None
    values: dict
    item_rows: list[int] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)
    columns: SheetColumns | None = field(default=None, repr=False)
    item_columns: SheetColumns | None = field(default=None, repr=False)
    value_rows: dict[str, int] | None = field(default=None, repr=False)

    @property
    def data_items(self) -> list[dict]:
        return self.values.setdefault("data_items", [])

    def source(self, path: str) -> CellRef:
        """The cell a value (or a validation problem path) came from."""
        match = ITEM_PATH.match(path)
        if match and self.item_columns is not None:
            index = int(match.group(1))
            row = self.item_rows[index] if index < len(self.item_rows) else None
            return self.item_columns.ref(row, match.group(2))
        key = path if path and path != "data_items" and not match else None
        row = (self.value_rows or {}).get(key, self.row) if key else self.row
        return self.columns.ref(row, key) if self.columns else CellRef(self.sheet, row)

    def value_at(self, path: str) -> Any:
        """The raw value at a problem path, as its cell shows it."""
        match = ITEM_PATH.match(path)
        if match:
            index, key = int(match.group(1)), match.group(2)
            items = self.values.get("data_items") or []
            if key is None or index >= len(items) or self.item_columns is None:
                return None
            return self.item_columns.shown(key, items[index].get(key))
        if not path or path == "data_items" or self.columns is None:
            return None
        return self.columns.shown(path, self.values.get(path))

    def fail(self, problem: CellProblem, path: str) -> None:
        self.problems.append(problem)
        self.failed.add(path)


@dataclass
class ParsedWorkbook:
    """What `read_workbook` found: the entries in file order and the reading problems (in file order)."""

    entries: list[ParsedEntry]
    problems: list[CellProblem]
    layout: str = TWO_SHEETS
    sheets: tuple[str, ...] = ()
    has_macros: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems
