"""The entry point: open the file, find its data sheets, read them (`read_workbook`).

The guards run first (`guards.check_file`); the file is then opened with ``openpyxl.load_workbook(path,
read_only=True, data_only=False)`` and each data sheet streamed once. Which sheets hold the data is decided
here: the template's sheet names first, else the sheets whose headers match most columns.
"""
from __future__ import annotations

import contextlib
import os
import warnings
import zipfile
from typing import Iterable
from xml.etree.ElementTree import ParseError

import openpyxl

from catalog_schema import CatalogSchema

from ..guards import Limits, check_file
from ..layout import AUX_SHEETS, ENTRY_SHEET, ITEM_SHEET, ONE_SHEET, Reference, as_reference, get_layout
from ..problems import CellRef, WorkbookRejected
from .base import Sheet
from .linking import EntryLinker
from .results import ONE_SHEET_LAYOUT, TWO_SHEETS, ParsedWorkbook
from .xml_errors import BrokenSheet, broken_workbook


def read_workbook(path: str | os.PathLike, *, limits: Limits | None = None,
                  categories: Iterable[tuple] | None = None, departments: Iterable[tuple] | None = None,
                  reference: Reference | None = None, schema: CatalogSchema | None = None) -> ParsedWorkbook:
    """Parse an uploaded .xlsx into entries (see the package docstring, `importers.reader`).

    `categories`: (code, name) pairs — category codes are checked against them when given. `departments`:
    (code, name[, value]) — the provider column takes a name or code and becomes `value` (the department id
    `validate_entry` expects). Raises `WorkbookRejected` when the file as a whole cannot be read.
    """
    limits = limits or Limits()
    check = check_file(path, limits)
    layout = get_layout(schema)
    reference = as_reference(reference, categories=categories, departments=departments)
    with quiet_openpyxl(), open(path, "rb") as stream:      # our own handle: closed even when openpyxl fails
        try:
            workbook = openpyxl.load_workbook(stream, read_only=True, data_only=False, keep_links=False)
        except ParseError as error:
            return broken_workbook(path, check, error)
        except (KeyError, ValueError, TypeError, IndexError, AttributeError, zipfile.BadZipFile,
                OSError) as error:
            raise WorkbookRejected(
                "文件不是有效的 .xlsx 工作簿：无法打开（文件已损坏或不是 Excel 保存的格式），请在 Excel/WPS 中重新保存",
                f"the file is not a valid .xlsx workbook: it cannot be opened ({type(error).__name__})") from None
        try:
            return WorkbookReader(workbook, layout, reference, limits, check, path).read()
        finally:
            workbook.close()


@contextlib.contextmanager
def quiet_openpyxl():
    """Silence openpyxl's warnings about parts it drops (data-validation extensions, unknown styles ...)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\..*)?$")
        yield


class WorkbookReader(EntryLinker):
    """Reads one open (read-only) workbook; `read()` returns the `ParsedWorkbook`."""

    def read(self) -> ParsedWorkbook:
        try:
            return self._read()
        except BrokenSheet as broken:      # nothing from a sheet that cannot be parsed can be trusted
            return ParsedWorkbook([], [broken.problem], TWO_SHEETS, (broken.problem.sheet,), self.check.has_macros)

    def _read(self) -> ParsedWorkbook:
        candidates = [self._scan(ws) for ws in self.wb.worksheets if ws.title not in AUX_SHEETS]
        entry_sheet = self._pick_entry_sheet(candidates)
        if entry_sheet is None:
            self._problem(CellRef(ENTRY_SHEET, None), None,
                          f"未找到信息资源数据：工作簿中应有「{ENTRY_SHEET}」工作表，首行为列标题（请使用系统下载的导入模板）",
                          f"no entries sheet: the workbook needs a sheet named {ENTRY_SHEET} with a header row")
            return self._result(TWO_SHEETS, ())
        if entry_sheet.item_only_hits:
            self._read_one_sheet(entry_sheet)
            for other in candidates:
                if other.title == ITEM_SHEET and other.header_row:
                    self._problem(CellRef(other.title, None), None,
                                  f"「{entry_sheet.title}」工作表已含信息项的列（单表格式），「{ITEM_SHEET}」工作表不会导入："
                                  f"请删除其中之一",
                                  f"the {entry_sheet.title} sheet holds data-item columns; the {ITEM_SHEET} sheet is not read")
            return self._result(ONE_SHEET_LAYOUT, (entry_sheet.title,))
        self._read_entry_sheet(entry_sheet)
        item_sheet = self._pick_item_sheet(candidates, entry_sheet)
        if item_sheet is not None:
            self._read_item_sheet(item_sheet)
        return self._result(TWO_SHEETS, tuple(s.title for s in (entry_sheet, item_sheet) if s is not None))

    def _result(self, kind: str, sheets: tuple[str, ...]) -> ParsedWorkbook:
        order = {title: i for i, title in enumerate(sheets)}
        self.problems.sort(key=lambda p: (order.get(p.sheet, -1), p.row or 0))
        return ParsedWorkbook(self.entries, self.problems, kind, sheets, self.check.has_macros)

    def _pick_entry_sheet(self, candidates: list[Sheet]) -> Sheet | None:
        named = [s for s in candidates if s.title in (ENTRY_SHEET, ONE_SHEET) and s.header_row]
        if named:
            return named[0]
        ranked = sorted((s for s in candidates if s.entry_hits >= 2), key=lambda s: -s.entry_hits)
        return ranked[0] if ranked else None

    def _pick_item_sheet(self, candidates: list[Sheet], entry_sheet: Sheet) -> Sheet | None:
        others = [s for s in candidates if s is not entry_sheet and s.header_row]
        named = [s for s in others if s.title == ITEM_SHEET]
        if named:
            return named[0]
        ranked = sorted((s for s in others if s.item_hits > s.entry_hits and s.item_hits >= 2),
                        key=lambda s: -s.item_hits)
        return ranked[0] if ranked else None
