"""Workbooks and sheets whose XML cannot be parsed: a problem at the cell where parsing stopped, or a refusal.

A NUL or a lone surrogate written as a character reference (or plain damage) makes a sheet's XML invalid;
openpyxl then fails on the whole sheet, or already on opening the workbook. Nothing read from such a sheet
can be trusted, so the reader returns this one problem instead of the sheet's entries.
"""
from __future__ import annotations

import re
import zipfile
from xml.etree.ElementTree import ParseError, iterparse

from ..guards import FileCheck
from ..problems import CellProblem, WorkbookRejected
from .results import TWO_SHEETS, ParsedWorkbook


def broken_workbook(path, check: FileCheck, error: ParseError) -> ParsedWorkbook:
    """openpyxl could not even open the workbook for invalid XML: find the sheet and cell, or refuse the file."""
    with zipfile.ZipFile(path) as archive:
        for title, part in check.parts.items():
            try:
                with archive.open(part) as source:
                    for _event, element in iterparse(source):
                        element.clear()
            except ParseError as sheet_error:
                problem = broken_sheet_problem(path, part, title, sheet_error)
                return ParsedWorkbook([], [problem], TWO_SHEETS, (title,), check.has_macros)
    raise WorkbookRejected(
        "工作簿中的文本含有 XML 不允许的字符（如 \\x00 或孤立的代理字符）或结构已损坏，无法读取："
        "请在 Excel/WPS 中打开并重新保存后再导入",
        f"the workbook's text holds characters XML cannot carry, or its structure is damaged ({error})")


def broken_sheet_problem(path, part: str | None, title: str, error: ParseError) -> CellProblem:
    """The sheet's XML is invalid (a NUL or a lone surrogate as a character reference, or damage):
    a problem at the cell where parsing stopped."""
    row, column = locate_xml_error(path, part, getattr(error, "position", None))
    where = (f"第 {row} 行" if row else "") + (f" {column} 列" if column else "")
    return CellProblem(
        title, row, column, "", None,
        f"工作表「{title}」{where}含有 XML 不允许的字符（如 \\x00、孤立的代理字符）或文件已损坏，整个工作表无法读取："
        f"请删除该字符，或在 Excel/WPS 中打开并重新保存后再导入",
        f"sheet {title} cannot be parsed ({error}); near row {row} column {column}")


class BrokenSheet(Exception):
    """Raised while a sheet is read when its XML turns out invalid; `problem` replaces everything read."""

    def __init__(self, problem: CellProblem):
        super().__init__(problem.message)
        self.problem = problem


_CELL_START = re.compile(r'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})(\d+)"')
_ROW_START = re.compile(r'<(?:\w+:)?row\s[^>]*?\br="(\d+)"')


def locate_xml_error(path, part: str | None, position) -> tuple[int | None, str]:
    """(row, column letter) of the cell an XML parse error points into; (row, "") or (None, "") when unsure.

    expat reports (line, column) with the column in characters, so the line is decoded before it is cut.
    """
    if not part or not position:
        return None, ""
    line_no, column = position
    try:
        with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
            for number, line in enumerate(stream, start=1):
                if number == line_no:
                    text = line.decode("utf-8", errors="replace")[:column]
                    break
            else:
                return None, ""
    except (OSError, KeyError, zipfile.BadZipFile):
        return None, ""
    cells = list(_CELL_START.finditer(text))
    rows = list(_ROW_START.finditer(text))
    row = int(rows[-1].group(1)) if rows else None
    if cells and (row is None or cells[-1].start() > rows[-1].start()):
        return int(cells[-1].group(2)), cells[-1].group(1)
    return row, ""
