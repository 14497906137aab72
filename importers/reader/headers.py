"""Finding a data sheet's header row and mapping its header cells to the layout's columns.

Problems found here: unknown headers (with the closest known one as a hint), duplicate headers, missing
required columns and, on a data-item sheet, a missing link column (行号 or 信息资源代码).
"""
from __future__ import annotations

import difflib
from xml.etree.ElementTree import ParseError

from openpyxl.utils import get_column_letter

from ..guards import check_sheet_size
from ..layout import (
    CODE_KEY, ENTRY, ENTRY_SHEET, ITEM, ITEM_SHEET, KEY, ONE_SHEET, ROW_KEY, ROW_KEY_HEADER, Column, normalize_header,
)
from ..problems import CellRef
from ..values import Parser, cell_formatter, cell_parser, clean_key
from .base import Col, ReaderBase, Sheet
from .results import SheetColumns

HEADER_SCAN_ROWS = 10


class HeaderReader(ReaderBase):
    """Header rows and column maps (`_scan`, `_map_headers`)."""

    def _scan(self, ws) -> Sheet:
        """Find the header row among the first rows: the one naming most known columns."""
        sheet = Sheet(ws, ws.title)
        ws.reset_dimensions()      # read every row, whatever <dimension> claims (the guards checked it already)
        best = 0
        try:
            rows = list(ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True))
        except ParseError as error:
            raise self._broken_sheet(ws.title, error) from None
        one = self.layout.one_sheet_headers
        for index, row in enumerate(rows, start=1):
            normalized = [normalize_header(v) for v in row]
            hits = sum(1 for h in normalized if h in one)
            if hits > best:
                best = hits
                sheet.header_row, sheet.headers = index, tuple(row)
        if not best and sheet.title in (ENTRY_SHEET, ONE_SHEET, ITEM_SHEET):
            # a sheet named as the template's whose headers are all wrong: its first non-blank row is the
            # header row, so that each wrong header is reported
            first = next(((i, r) for i, r in enumerate(rows, start=1) if any(v is not None for v in r)), None)
            if first is not None:
                sheet.header_row, sheet.headers = first[0], tuple(first[1])
        if sheet.header_row:
            normalized = {normalize_header(v) for v in sheet.headers} - {""}
            sheet.entry_hits = len(normalized & self.layout.entry_headers.keys())
            sheet.item_hits = len(normalized & self.layout.item_headers.keys())
            sheet.item_only_hits = len(normalized & self.layout.item_only_headers)
        return sheet

    def _map_headers(self, sheet: Sheet, header_map: dict[str, Column], expected: tuple[Column, ...],
                     levels: set[str]) -> tuple[list[Col], SheetColumns, SheetColumns]:
        """Header cells → columns; problems for unknown, duplicate and missing required headers.

        Returns the columns and two column maps of the sheet, for the entry's keys and for the data items'
        (the same object unless one sheet holds both, where “name” is both an entry and an item key).
        """
        check_sheet_size(sheet.title, sheet.header_row, len(sheet.headers), self.limits)
        cols: list[Col] = []
        infos = {ENTRY: SheetColumns(sheet.title, sheet.header_row)}
        infos[ITEM] = infos[ENTRY] if ITEM not in levels or ENTRY not in levels else SheetColumns(
            sheet.title, sheet.header_row)
        seen: dict[tuple[str, str], str] = {}
        for index, raw in enumerate(sheet.headers):
            norm = normalize_header(raw)
            if not norm:
                continue
            letter = get_column_letter(index + 1)
            ref = CellRef(sheet.title, sheet.header_row, letter, str(raw))
            column = header_map.get(norm)
            if column is None or column.level not in levels:
                self._unknown_header(ref, raw, expected)
                continue
            slot = (column.level, column.key)
            if slot in seen:
                self._problem(ref, raw, f"列标题「{raw}」重复（与 {seen[slot]} 列相同），请删除其中一列",
                              f"duplicate header {raw!r} (same as column {seen[slot]})")
                continue
            seen[slot] = letter
            header = str(raw).strip()
            for level in ((ENTRY, ITEM) if column.level == KEY else (column.level,)):
                info = infos[level]
                info.letters[column.key], info.headers[column.key] = letter, header
                info.formatters[column.key] = cell_formatter(column, self.schema, self.reference)
            cols.append(Col(index, column, self._parser(column), letter, header))
        for info in infos.values():
            info.link_key = ROW_KEY if ROW_KEY in info.letters else (CODE_KEY if CODE_KEY in info.letters else None)
        self._missing_headers(sheet, expected, {key for _level, key in seen}, {slot for slot in seen})
        return cols, infos[ENTRY], infos[ITEM]

    def _unknown_header(self, ref: CellRef, raw, expected: tuple[Column, ...]) -> None:
        headers = [c.header for c in expected]
        close = difflib.get_close_matches(normalize_header(raw), [normalize_header(h) for h in headers], n=1,
                                          cutoff=0.5)
        if close:
            wanted = next(h for h in headers if normalize_header(h) == close[0])
            hint = f"，是否应为「{wanted}」？"
        else:
            hint = f"。本表的列标题应为：{'、'.join(headers)}"
        self._problem(ref, raw, f"无法识别的列标题「{raw}」{hint}（请使用系统下载的导入模板）",
                      f"unknown header {raw!r}")

    def _missing_headers(self, sheet: Sheet, expected: tuple[Column, ...], keys: set[str],
                         slots: set[tuple[str, str]]) -> None:
        ref = CellRef(sheet.title, sheet.header_row)
        for column in expected:
            if column.required and (column.level, column.key) not in slots:
                self._problem(ref, None, f"缺少必填列「{column.header}」，请在第 {sheet.header_row} 行添加该列标题",
                              f"missing required column {column.header!r}")
        items_sheet = not any(c.level == ENTRY for c in expected)   # (one sheet: rows may group without keys)
        if items_sheet and ROW_KEY not in keys and CODE_KEY not in keys:
            code_header = self.schema.field(CODE_KEY).label
            self._problem(ref, None, f"缺少列「{ROW_KEY_HEADER}」（或「{code_header}」）：信息项须据此对应到所属的信息资源",
                          f"missing column {ROW_KEY_HEADER} (or {code_header}) linking data items to their entries")

    def _parser(self, column: Column) -> Parser:
        key = (column.level, column.key)
        if key not in self._parsers:
            self._parsers[key] = (clean_key if column.level == KEY
                                  else cell_parser(column, self.schema, self.reference, self.wb.epoch))
        return self._parsers[key]
