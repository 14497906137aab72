"""An annotated copy of an uploaded workbook: every bad cell filled light red with a comment saying what is wrong,
and a 「错误报告」 sheet listing all problems (sheet, row, column, header, value, message). The report shows a
value that looks like a formula as text (`formulas.py`): it reports the value, it never evaluates it.

The copy is made with openpyxl opened normally (not read-only), so the editor's formatting, dropdowns and
other sheets survive; VBA macros are not carried over (openpyxl never runs nor keeps them). A file openpyxl
cannot open at all yields a workbook holding only the report.
"""
from __future__ import annotations

import os
import zipfile
from collections import defaultdict
from typing import Iterable
from xml.etree.ElementTree import ParseError

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string

from .formulas import as_text, looks_like_formula
from .layout import REPORT_SHEET
from .problems import CellProblem, printable, shown_value
from .reader import quiet_openpyxl
from .values import ILLEGAL_CHARACTERS

AUTHOR = "政务信息资源目录系统"
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")       # Excel's own “light red fill”
REPORT_HEADERS = ("序号", "工作表", "行", "列", "列标题", "单元格内容", "问题说明")
REPORT_WIDTHS = (6, 12, 8, 6, 18, 30, 80)


def annotate(source_path: str | os.PathLike, problems: Iterable[CellProblem],
             target_path: str | os.PathLike) -> str | os.PathLike:
    """Write to `target_path` a copy of `source_path` with the problems marked (see the module docstring)."""
    problems = list(problems)
    with quiet_openpyxl(), open(source_path, "rb") as stream:
        workbook = _open(stream)
        _sanitize(workbook)
        for (sheet, row, column), found in _by_cell(problems).items():
            _mark(workbook, sheet, row, column, found)
        _report(workbook, problems)
        workbook.save(target_path)
    return target_path


def _open(stream) -> openpyxl.Workbook:
    try:
        return openpyxl.load_workbook(stream, keep_vba=False, keep_links=False, rich_text=False)
    except (KeyError, ValueError, TypeError, IndexError, AttributeError, ParseError, zipfile.BadZipFile, OSError):
        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        return workbook


def _by_cell(problems: list[CellProblem]) -> dict[tuple[str, int, str], list[CellProblem]]:
    """Problems grouped by the one cell they concern (problems of a whole row or sheet are only reported)."""
    out: dict[tuple[str, int, str], list[CellProblem]] = defaultdict(list)
    for problem in problems:
        if problem.sheet and problem.row and problem.column:
            out[(problem.sheet, problem.row, problem.column)].append(problem)
    return out


def _mark(workbook, sheet: str, row: int, column: str, problems: list[CellProblem]) -> None:
    """Fill the cell light red and put the messages in its comment (a merged cell: its top-left cell)."""
    if sheet not in workbook.sheetnames:
        return
    ws = workbook[sheet]
    try:
        cell = ws.cell(row=row, column=column_index_from_string(column))
    except ValueError:
        return
    if isinstance(cell, MergedCell):
        cell = _merged_anchor(ws, cell)
    messages = list(dict.fromkeys(printable(p.message) for p in problems))
    text = messages[0] if len(messages) == 1 else "\n".join(f"{i}. {m}" for i, m in enumerate(messages, 1))
    cell.fill = BAD_FILL
    cell.comment = Comment(text, AUTHOR, width=320, height=min(60 + 40 * len(messages), 400))


def _merged_anchor(ws, cell: MergedCell):
    for merged in ws.merged_cells.ranges:
        if cell.coordinate in merged:
            return ws.cell(row=merged.min_row, column=merged.min_col)
    return cell


def _sanitize(workbook) -> None:
    """Replace characters an .xlsx cannot store, so a copy of an odd upload can always be saved."""
    for ws in workbook.worksheets:
        for cell in ws._cells.values():
            value = cell._value
            if type(value) is str and ILLEGAL_CHARACTERS.search(value):
                cell._value = printable(value)


def _report(workbook, problems: list[CellProblem]) -> None:
    """The 「错误报告」 sheet, first in the workbook and active."""
    if REPORT_SHEET in workbook.sheetnames:
        workbook.remove(workbook[REPORT_SHEET])
    ws = workbook.create_sheet(REPORT_SHEET, 0)
    ws.append(REPORT_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for index, problem in enumerate(problems, start=1):
        ws.append([index, printable(problem.sheet), problem.row, problem.column, printable(problem.header or ""),
                   shown_value(problem.value), printable(problem.message)])
        for cell in ws[ws.max_row]:
            if looks_like_formula(cell.value):
                as_text(cell)
    for letter, width in zip("ABCDEFG", REPORT_WIDTHS):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2, min_col=7, max_col=7):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    for sheet in workbook.worksheets:
        sheet.sheet_view.tabSelected = False
    workbook.active = 0
