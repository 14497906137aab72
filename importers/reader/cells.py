"""Streaming a sheet's data rows and turning their cells into values; formulas are refused.

Every column has one converter (`Col.parse`), so the per-cell work is a tuple lookup and, for non-blank
cells, one call. Problems wait in a `Pending` until the row's entry is known (the problem path depends on
it). A string starting with “=” may be a formula or text: only cells (not bare values) know, so such values
are checked once the sheet is read (`_verify_suspects`), streaming only the rows that hold them.
"""
from __future__ import annotations

import datetime as dt
from xml.etree.ElementTree import ParseError

from ..guards import check_sheet_size
from ..layout import CODE_KEY, ROW_KEY
from ..values import CellError, clean_key
from .base import Col, Pending, ReaderBase, Sheet, Suspect
from .results import ParsedEntry

FORMULA_MESSAGE = "单元格含公式，请改为数值后再导入"
FORMULA_MESSAGE_EN = "the cell holds a formula; replace it by its value before importing"
PLAIN_VALUES = (str, int, float, bool, dt.datetime, dt.date, dt.time, dt.timedelta)


class CellReader(ReaderBase):
    """Rows, cell values and formula detection (`_rows`, `_convert`, `_keys`, `_commit`, `_verify_suspects`)."""

    def _rows(self, sheet: Sheet, cols: list[Col]):
        """(row number, values) of the non-blank data rows, streamed; enforces the row limit."""
        width = max(c.index for c in cols) + 1
        number = sheet.header_row
        try:
            for number, row in enumerate(sheet.ws.iter_rows(min_row=sheet.header_row + 1, max_col=width,
                                                            values_only=True), start=sheet.header_row + 1):
                if row.count(None) == width:
                    continue
                if number > self.limits.max_rows:
                    check_sheet_size(sheet.title, number, 0, self.limits)
                yield number, row
        except ParseError as error:
            raise self._broken_sheet(sheet.title, error) from None

    def _convert(self, row: tuple, cols: list[Col], number: int, sheet: str, target: dict, pending: Pending) -> bool:
        """Convert a row's cells of `cols` into `target`; returns whether any of them was non-blank.

        Failures and “=”-values go to `pending`: the entry (and so the problem path) may not be known yet.
        """
        filled = False
        for col in cols:
            value = row[col.index]
            if value is None or value == "":
                target[col.column.key] = None
                continue
            filled = True
            if type(value) is str and value[0] == "=":
                pending.suspects.append((number, col, target))
            elif not isinstance(value, PLAIN_VALUES):          # array / data-table formulas
                target[col.column.key] = None
                pending.fail(col.column.key, self._cell_problem(
                    sheet, number, col, str(getattr(value, "text", value)), FORMULA_MESSAGE, FORMULA_MESSAGE_EN))
                continue
            try:
                target[col.column.key] = col.parse(value)
            except CellError as error:
                target[col.column.key] = None
                pending.fail(col.column.key, self._cell_problem(
                    sheet, number, col, value, error.message, error.message_en))
        return filled

    def _keys(self, row: tuple, keys: list[Col], number: int, sheet: str,
              pending: Pending) -> tuple[str | None, str | None]:
        """(行号, 信息资源代码) of a row; formulas in them (=ROW()-1 …) are refused right away."""
        out: dict[str, str | None] = {ROW_KEY: None, CODE_KEY: None}
        for col in keys:
            value = row[col.index]
            if (type(value) is str and value.startswith("=")) or (
                    value is not None and not isinstance(value, PLAIN_VALUES)):
                pending.fail(col.column.key, self._cell_problem(sheet, number, col, str(value), FORMULA_MESSAGE,
                                                                FORMULA_MESSAGE_EN))
                continue
            out[col.column.key] = clean_key(value)
        return out[ROW_KEY], out[CODE_KEY]

    def _commit(self, entry: ParsedEntry, pending: Pending, prefix: str = "") -> None:
        """Attach a row's problems to its entry (paths prefixed for data items) and queue its “=”-values."""
        for key, problem in pending.failures:
            entry.fail(problem, prefix + key)
            self.problems.append(problem)
        for number, col, target in pending.suspects:
            self.suspects.append(Suspect(number, col, target, entry, prefix))

    def _verify_suspects(self, sheet: Sheet) -> None:
        """Cells whose value starts with “=”: a formula (refused) or text that merely starts so (kept)?

        Only cells (not bare values) know their type, so the rows holding such values are streamed once more,
        as cells; files without such values never pay for it.
        """
        suspects, self.suspects = self.suspects, []
        if not suspects:
            return
        wanted = {(s.row, s.col.index + 1) for s in suspects}
        formulas = set()
        width = max(s.col.index for s in suspects) + 1
        rows = sheet.ws.iter_rows(min_row=min(s.row for s in suspects), max_row=max(s.row for s in suspects),
                                  max_col=width)
        for row in rows:
            for cell in row:
                if getattr(cell, "data_type", None) == "f" and (cell.row, cell.column) in wanted:
                    formulas.add((cell.row, cell.column))
        for s in suspects:
            if (s.row, s.col.index + 1) not in formulas:
                continue
            key = s.col.column.key
            value = s.target.get(key)
            s.target[key] = None
            problem = self._cell_problem(sheet.title, s.row, s.col, value if isinstance(value, str) else None,
                                         FORMULA_MESSAGE, FORMULA_MESSAGE_EN)
            s.entry.fail(problem, s.prefix + key)
            self.problems.append(problem)
