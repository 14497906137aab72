"""Turning rows into entries and linking data-item rows to their entry, in both layouts.

Two sheets: every row of the entries sheet is an entry; a row of the data-items sheet belongs to the entry
with its 行号 (or its 信息资源代码), and is a problem when none matches or the two disagree. One sheet (the
national templates): consecutive rows with the same 行号 or code, or blank or repeated entry cells, are one
entry; their entry cells must agree. In both, a 行号 or code seen twice in the file is a problem.
"""
from __future__ import annotations

from ..layout import CODE_KEY, ENTRY, ENTRY_SHEET, ITEM, KEY, ROW_KEY, ROW_KEY_HEADER
from ..problems import CellProblem, CellRef, shown_value
from .base import Col, Pending, Sheet
from .cells import CellReader
from .headers import HeaderReader
from .results import ParsedEntry


class EntryLinker(HeaderReader, CellReader):
    """Entries from the entry sheet, data items linked from the item sheet, or both from one sheet."""

    # -- the two-sheet layout --

    def _read_entry_sheet(self, sheet: Sheet) -> None:
        cols, info, _same = self._map_headers(sheet, self.layout.entry_headers, self.layout.entry_columns,
                                              {KEY, ENTRY})
        if not any(c.column.level == ENTRY for c in cols):
            return
        keys = [c for c in cols if c.column.level == KEY]
        data = [c for c in cols if c.column.level == ENTRY]
        for number, row in self._rows(sheet, cols):
            pending = Pending()
            row_key, code = self._keys(row, keys, number, sheet.title, pending)
            values: dict = {}
            self._convert(row, data, number, sheet.title, values, pending)
            values["data_items"] = []
            entry = ParsedEntry(sheet.title, number, row_key, code, values, columns=info)
            self._commit(entry, pending)
            self._register(entry, keys)
            self.entries.append(entry)
        self._verify_suspects(sheet)

    def _register(self, entry: ParsedEntry, keys: list[Col]) -> None:
        """Index the entry by 行号 and by code; a value seen before in the file is a problem."""
        for col in keys:
            key = col.column.key
            index = self.by_row_key if key == ROW_KEY else self.by_code
            value = entry.row_key if key == ROW_KEY else entry.resource_code
            if value is None:
                continue
            first = index.setdefault(value, entry)
            if first is entry:
                continue
            label = col.column.label
            problem = self._cell_problem(
                entry.sheet, entry.row, col, value,
                f"「{label}」“{value}”与第 {first.row} 行重复：同一文件中每条信息资源的{label}须唯一",
                f"duplicate {key} {value!r} (also in row {first.row})")
            entry.fail(problem, key)
            self.problems.append(problem)

    def _read_item_sheet(self, sheet: Sheet) -> None:
        cols, _same, info = self._map_headers(sheet, self.layout.item_headers, self.layout.item_columns,
                                              {KEY, ITEM})
        if not any(c.column.level == ITEM for c in cols):
            return
        keys = [c for c in cols if c.column.level == KEY]
        data = [c for c in cols if c.column.level == ITEM]
        for entry in self.entries:
            entry.item_columns = info
        for number, row in self._rows(sheet, cols):
            pending = Pending()
            row_key, code = self._keys(row, keys, number, sheet.title, pending)
            if pending.failures:                         # a formula in the link: the owner is unknown
                self.problems += [p for _k, p in pending.failures]
                continue
            item: dict = {}
            if not self._convert(row, data, number, sheet.title, item, pending):
                continue                                  # only the link is filled: nothing to import
            entry = self._item_owner(row_key, code, keys, number, sheet.title)
            if entry is not None:
                self._add_item(entry, item, number, pending)
        self._verify_suspects(sheet)

    def _item_owner(self, row_key, code, keys: list[Col], number: int, sheet: str) -> ParsedEntry | None:
        """The entry a data-item row belongs to, by 行号 (or code); a problem when none matches."""
        col = {c.column.key: c for c in keys}
        by_key = self.by_row_key.get(row_key) if row_key else None
        by_code = self.by_code.get(code) if code else None
        entry_sheet = self.entries[0].sheet if self.entries else ENTRY_SHEET
        if row_key and by_key is None:
            self.problems.append(self._cell_problem(
                sheet, number, col[ROW_KEY], row_key,
                f"「{ROW_KEY_HEADER}」“{row_key}”在「{entry_sheet}」工作表中不存在，无法确定该信息项属于哪条信息资源",
                f"{ROW_KEY_HEADER} {row_key!r} matches no row of the {entry_sheet} sheet"))
            return None
        if code and by_key is None and by_code is None:
            self.problems.append(self._cell_problem(
                sheet, number, col[CODE_KEY], code,
                f"「{col[CODE_KEY].column.label}」“{code}”在「{entry_sheet}」工作表中不存在，无法确定该信息项属于哪条信息资源",
                f"resource code {code!r} matches no row of the {entry_sheet} sheet"))
            return None
        if by_key is not None and code and by_key.resource_code != code:
            self.problems.append(self._cell_problem(
                sheet, number, col[CODE_KEY], code,
                f"「{col[CODE_KEY].column.label}」“{code}”与行号“{row_key}”的信息资源（「{entry_sheet}」第 {by_key.row} 行）"
                f"不一致，请只填写其中一项或改为一致",
                f"resource code {code!r} disagrees with {ROW_KEY_HEADER} {row_key!r}"))
            return None
        owner = by_key or by_code
        if owner is None:
            ref = CellRef(sheet, number, keys[0].letter, keys[0].header) if keys else CellRef(sheet, number)
            self.problems.append(CellProblem.at(
                ref, None,
                f"请填写「{ROW_KEY_HEADER}」或「{self.schema.field(CODE_KEY).label}」，指明该信息项所属的信息资源",
                "a data-item row needs the row key or resource code of its entry"))
        return owner

    def _add_item(self, entry: ParsedEntry, item: dict, number: int, pending: Pending) -> None:
        index = len(entry.data_items)
        entry.data_items.append(item)
        entry.item_rows.append(number)
        self._commit(entry, pending, f"data_items[{index}].")

    # -- the one-sheet (national) layout --

    def _read_one_sheet(self, sheet: Sheet) -> None:
        cols, info, item_info = self._map_headers(sheet, self.layout.one_sheet_headers,
                                                  self.layout.one_sheet_columns, {KEY, ENTRY, ITEM})
        if not cols:
            return
        keys = [c for c in cols if c.column.level == KEY]
        entry_cols = [c for c in cols if c.column.level == ENTRY]
        item_cols = [c for c in cols if c.column.level == ITEM]
        previous: ParsedEntry | None = None
        for number, row in self._rows(sheet, cols):
            pending, item_pending = Pending(), Pending()
            row_key, code = self._keys(row, keys, number, sheet.title, pending)
            values: dict = {}
            has_entry_values = self._convert(row, entry_cols, number, sheet.title, values, pending)
            item: dict = {}
            has_item = self._convert(row, item_cols, number, sheet.title, item, item_pending)
            entry = self._one_sheet_owner(row_key, code, values, has_entry_values, previous)
            if entry is None:
                values["data_items"] = []
                entry = ParsedEntry(sheet.title, number, row_key, code, values, columns=info,
                                    item_columns=item_info)
                self._commit(entry, pending)
                self._register(entry, keys)
                self.entries.append(entry)
            else:
                self._merge_entry_values(entry, values, number, entry_cols, pending)
            if has_item:
                self._add_item(entry, item, number, item_pending)
            previous = entry
        self._verify_suspects(sheet)

    def _one_sheet_owner(self, row_key, code, values: dict, has_entry_values: bool, previous) -> ParsedEntry | None:
        """The entry a one-sheet row continues, None when the row starts a new entry.

        Same 行号, else same code; a row without either continues the previous row's entry when its entry
        cells are blank (as under merged cells), or repeat the values of a previous entry that has no keys
        either (the national templates have no 行号).
        """
        if row_key:
            owner = self.by_row_key.get(row_key)
            if owner is None and code:
                owner = self.by_code.get(code)
                if owner is not None and owner.row_key is not None:
                    return None                      # same code under another 行号: `_register` reports it
                if owner is not None:
                    owner.row_key = row_key
                    self.by_row_key[row_key] = owner
            return owner
        if code:
            return self.by_code.get(code)
        if previous is None or not has_entry_values:
            return previous
        if previous.row_key or previous.resource_code:
            return None
        repeats = all(v is None or previous.values.get(k) == v for k, v in values.items())
        return previous if repeats else None

    def _merge_entry_values(self, entry: ParsedEntry, values: dict, number: int, cols: list[Col],
                            pending: Pending) -> None:
        """A further row of a one-sheet entry: blank cells inherit, differing values are a problem naming both rows."""
        failed_here = {key for key, _p in pending.failures}
        suspects = {id(col): (n, col, target) for n, col, target in pending.suspects}
        pending.suspects = []
        for col in cols:
            key = col.column.key
            new = values.get(key)
            if new is None or key in failed_here or key in entry.failed:
                continue
            old = entry.values.get(key)
            if old is None:
                entry.values[key] = new
                entry.value_rows = entry.value_rows or {}
                entry.value_rows[key] = number
                if id(col) in suspects:
                    pending.suspects.append((number, col, entry.values))
            elif old != new:
                self._conflict(entry, key, col, old, new, number, pending)
        self._commit(entry, pending)

    def _conflict(self, entry: ParsedEntry, key: str, col: Col, old, new, number: int, pending: Pending) -> None:
        first = (entry.value_rows or {}).get(key, entry.row)
        shown_old, shown_new = entry.columns.shown(key, old), entry.columns.shown(key, new)
        name = (f"{ROW_KEY_HEADER}“{entry.row_key}”" if entry.row_key
                else f"{self.schema.field(CODE_KEY).label}“{entry.resource_code}”")
        pending.fail(key, self._cell_problem(
            entry.sheet, number, col, shown_new,
            f"第 {number} 行与第 {first} 行属于同一信息资源（{name}），但「{col.column.label}」不同"
            f"（第 {first} 行为“{shown_value(shown_old)}”，第 {number} 行为“{shown_value(shown_new)}”）："
            f"同一信息资源的各行须填写相同的资源信息",
            f"rows {first} and {number} belong to one entry but differ in {key}"))
