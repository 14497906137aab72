"""Read an uploaded workbook into raw entries for `catalog_schema.validate_entry`, streaming.

`read_workbook(path, limits=...)` first runs the guards (`guards.check_file`), then opens the file with
``openpyxl.load_workbook(path, read_only=True, data_only=False)`` and streams each data sheet once with
``iter_rows(values_only=True)``: every column gets one converter (chosen from its schema type) and every row
is a tuple walked by index, so the per-cell work is a tuple lookup and, for non-blank cells, one call.
Coordinates are not kept per value: a parsed entry keeps its row numbers and shares its sheet's column map,
which is enough to turn a problem path (``sharing_type``, ``data_items[2].length``) back into a cell.

Problems the reader finds itself (`ParsedWorkbook.problems`): unknown, duplicate or missing required headers;
values that cannot be converted (unknown vocabulary labels, departments or category codes, bad booleans or
dates, Excel error values, control characters, over-long cells); formulas (refused: the file must carry
values); a data-item row linked to no entry row; duplicate 行号 or 信息资源代码 within the file; in the
one-sheet layout, rows of one entry that disagree on an entry value. Everything else (required fields,
lengths, cross-field rules) is `validate_entry`'s, mapped back to cells by `problems_for`.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import os
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any, Iterable
from xml.etree.ElementTree import ParseError

import openpyxl
from openpyxl.utils import get_column_letter

from catalog_schema import CatalogSchema, Problem, validate_entry

from .guards import FileCheck, Limits, check_file, check_sheet_size
from .layout import (
    AUX_SHEETS, CODE_KEY, ENTRY, ENTRY_SHEET, ITEM, ITEM_SHEET, KEY, ONE_SHEET, ROW_KEY, ROW_KEY_HEADER,
    Column, Layout, Reference, as_reference, get_layout, normalize_header,
)
from .problems import CellProblem, CellRef, WorkbookRejected, shown_value
from .values import CellError, Formatter, Parser, cell_formatter, cell_parser, clean_key

FORMULA_MESSAGE = "单元格含公式，请改为数值后再导入"
FORMULA_MESSAGE_EN = "the cell holds a formula; replace it by its value before importing"
HEADER_SCAN_ROWS = 10
TWO_SHEETS, ONE_SHEET_LAYOUT = "two_sheets", "one_sheet"
_ITEM_PATH = re.compile(r"^data_items\[(\d+)\](?:\.(\w+))?$")
_PLAIN_VALUES = (str, int, float, bool, dt.datetime, dt.date, dt.time, dt.timedelta)


# ---- results ------------------------------------------------------------------------------------

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
        match = _ITEM_PATH.match(path)
        if match and self.item_columns is not None:
            index = int(match.group(1))
            row = self.item_rows[index] if index < len(self.item_rows) else None
            return self.item_columns.ref(row, match.group(2))
        key = path if path and path != "data_items" and not match else None
        row = (self.value_rows or {}).get(key, self.row) if key else self.row
        return self.columns.ref(row, key) if self.columns else CellRef(self.sheet, row)

    def value_at(self, path: str) -> Any:
        """The raw value at a problem path, as its cell shows it."""
        match = _ITEM_PATH.match(path)
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


# ---- entry points -----------------------------------------------------------------------------------

def read_workbook(path: str | os.PathLike, *, limits: Limits | None = None,
                  categories: Iterable[tuple] | None = None, departments: Iterable[tuple] | None = None,
                  reference: Reference | None = None, schema: CatalogSchema | None = None) -> ParsedWorkbook:
    """Parse an uploaded .xlsx into entries (see the module docstring).

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
            return _broken_workbook(path, check, error)
        except (KeyError, ValueError, TypeError, IndexError, AttributeError, zipfile.BadZipFile,
                OSError) as error:
            raise WorkbookRejected(
                "文件不是有效的 .xlsx 工作簿：无法打开（文件已损坏或不是 Excel 保存的格式），请在 Excel/WPS 中重新保存",
                f"the file is not a valid .xlsx workbook: it cannot be opened ({type(error).__name__})") from None
        try:
            return _WorkbookReader(workbook, layout, reference, limits, check, path).read()
        finally:
            workbook.close()


def _broken_workbook(path, check: FileCheck, error: ParseError) -> ParsedWorkbook:
    """openpyxl could not even open the workbook for invalid XML: find the sheet and cell, or refuse the file."""
    from xml.etree.ElementTree import iterparse

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


def problems_for(parsed_entry: ParsedEntry, validation_problems: Iterable[Problem]) -> list[CellProblem]:
    """catalog_schema Problems (paths like ``name``, ``data_items[1].data_type``) as cell problems.

    Problems of values the reader already refused, and of columns the sheet does not have (the missing
    header is reported once instead), are left out: one mistake, one message.
    """
    out = []
    for problem in validation_problems:
        if problem.path in parsed_entry.failed or _column_missing(parsed_entry, problem.path):
            continue
        ref = parsed_entry.source(problem.path)
        out.append(CellProblem.at(ref, parsed_entry.value_at(problem.path), problem.message, problem.message_en))
    return out


def validate_workbook(parsed: ParsedWorkbook, *, lookups=None,
                      schema: CatalogSchema | None = None) -> tuple[list[dict], list[CellProblem]]:
    """`validate_entry` on every parsed entry: (clean values per entry, all problems — reading and validation)."""
    cleans, problems = [], list(parsed.problems)
    for entry in parsed.entries:
        clean, found = validate_entry(entry.values, lookups=lookups, schema=schema)
        cleans.append(clean)
        problems += problems_for(entry, found)
    return cleans, problems


def _column_missing(entry: ParsedEntry, path: str) -> bool:
    match = _ITEM_PATH.match(path)
    if match:
        key = match.group(2)
        return key is not None and (entry.item_columns is None or key not in entry.item_columns.letters)
    return bool(path) and path != "data_items" and entry.columns is not None and path not in entry.columns.letters


@contextlib.contextmanager
def quiet_openpyxl():
    """Silence openpyxl's warnings about parts it drops (data-validation extensions, unknown styles ...)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\..*)?$")
        yield


# ---- the reader -------------------------------------------------------------------------------------

@dataclass
class _Sheet:
    """A candidate data sheet: its header row and how its headers match each layout."""

    ws: Any
    title: str
    header_row: int = 0
    headers: tuple = ()
    entry_hits: int = 0
    item_hits: int = 0
    item_only_hits: int = 0


@dataclass
class _Col:
    index: int
    column: Column
    parse: Parser
    letter: str
    header: str


@dataclass
class _Pending:
    """A row's reading problems (by key) and its “=”-values, until the row's entry is known."""

    failures: list = field(default_factory=list)
    suspects: list = field(default_factory=list)

    def fail(self, key: str, problem: CellProblem) -> None:
        self.failures.append((key, problem))


@dataclass
class _Suspect:
    """A value starting with “=” in a known entry: formula or text? (see `_verify_suspects`)."""

    row: int
    col: _Col
    target: dict
    entry: ParsedEntry
    prefix: str


class _WorkbookReader:
    """Reads one open (read-only) workbook; `read()` returns the `ParsedWorkbook`."""

    def __init__(self, workbook, layout: Layout, reference: Reference, limits: Limits, check: FileCheck,
                 path: str | os.PathLike):
        self.wb = workbook
        self.path = path
        self.layout = layout
        self.schema = layout.schema
        self.reference = reference
        self.limits = limits
        self.check = check
        self.problems: list[CellProblem] = []
        self.entries: list[ParsedEntry] = []
        self.by_row_key: dict[str, ParsedEntry] = {}
        self.by_code: dict[str, ParsedEntry] = {}
        self.suspects: list[_Suspect] = []
        self._parsers: dict[tuple[str, str], Parser] = {}

    # -- orchestration --

    def read(self) -> ParsedWorkbook:
        try:
            return self._read()
        except _BrokenSheet as broken:      # nothing from a sheet that cannot be parsed can be trusted
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

    def _scan(self, ws) -> _Sheet:
        """Find the header row among the first rows: the one naming most known columns."""
        sheet = _Sheet(ws, ws.title)
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

    def _pick_entry_sheet(self, candidates: list[_Sheet]) -> _Sheet | None:
        named = [s for s in candidates if s.title in (ENTRY_SHEET, ONE_SHEET) and s.header_row]
        if named:
            return named[0]
        ranked = sorted((s for s in candidates if s.entry_hits >= 2), key=lambda s: -s.entry_hits)
        return ranked[0] if ranked else None

    def _pick_item_sheet(self, candidates: list[_Sheet], entry_sheet: _Sheet) -> _Sheet | None:
        others = [s for s in candidates if s is not entry_sheet and s.header_row]
        named = [s for s in others if s.title == ITEM_SHEET]
        if named:
            return named[0]
        ranked = sorted((s for s in others if s.item_hits > s.entry_hits and s.item_hits >= 2),
                        key=lambda s: -s.item_hits)
        return ranked[0] if ranked else None

    # -- headers --

    def _map_headers(self, sheet: _Sheet, header_map: dict[str, Column], expected: tuple[Column, ...],
                     levels: set[str]) -> tuple[list[_Col], SheetColumns, SheetColumns]:
        """Header cells → columns; problems for unknown, duplicate and missing required headers.

        Returns the columns and two column maps of the sheet, for the entry's keys and for the data items'
        (the same object unless one sheet holds both, where “name” is both an entry and an item key).
        """
        check_sheet_size(sheet.title, sheet.header_row, len(sheet.headers), self.limits)
        cols: list[_Col] = []
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
            cols.append(_Col(index, column, self._parser(column), letter, header))
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

    def _missing_headers(self, sheet: _Sheet, expected: tuple[Column, ...], keys: set[str],
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

    # -- rows --

    def _rows(self, sheet: _Sheet, cols: list[_Col]):
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

    def _convert(self, row: tuple, cols: list[_Col], number: int, sheet: str, target: dict, pending: _Pending) -> bool:
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
            elif not isinstance(value, _PLAIN_VALUES):          # array / data-table formulas
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

    def _keys(self, row: tuple, keys: list[_Col], number: int, sheet: str,
              pending: _Pending) -> tuple[str | None, str | None]:
        """(行号, 信息资源代码) of a row; formulas in them (=ROW()-1 …) are refused right away."""
        out: dict[str, str | None] = {ROW_KEY: None, CODE_KEY: None}
        for col in keys:
            value = row[col.index]
            if (type(value) is str and value.startswith("=")) or (
                    value is not None and not isinstance(value, _PLAIN_VALUES)):
                pending.fail(col.column.key, self._cell_problem(sheet, number, col, str(value), FORMULA_MESSAGE,
                                                                FORMULA_MESSAGE_EN))
                continue
            out[col.column.key] = clean_key(value)
        return out[ROW_KEY], out[CODE_KEY]

    def _commit(self, entry: ParsedEntry, pending: _Pending, prefix: str = "") -> None:
        """Attach a row's problems to its entry (paths prefixed for data items) and queue its “=”-values."""
        for key, problem in pending.failures:
            entry.fail(problem, prefix + key)
            self.problems.append(problem)
        for number, col, target in pending.suspects:
            self.suspects.append(_Suspect(number, col, target, entry, prefix))

    # -- the two-sheet layout --

    def _read_entry_sheet(self, sheet: _Sheet) -> None:
        cols, info, _same = self._map_headers(sheet, self.layout.entry_headers, self.layout.entry_columns,
                                              {KEY, ENTRY})
        if not any(c.column.level == ENTRY for c in cols):
            return
        keys = [c for c in cols if c.column.level == KEY]
        data = [c for c in cols if c.column.level == ENTRY]
        for number, row in self._rows(sheet, cols):
            pending = _Pending()
            row_key, code = self._keys(row, keys, number, sheet.title, pending)
            values: dict = {}
            self._convert(row, data, number, sheet.title, values, pending)
            values["data_items"] = []
            entry = ParsedEntry(sheet.title, number, row_key, code, values, columns=info)
            self._commit(entry, pending)
            self._register(entry, keys)
            self.entries.append(entry)
        self._verify_suspects(sheet)

    def _register(self, entry: ParsedEntry, keys: list[_Col]) -> None:
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

    def _read_item_sheet(self, sheet: _Sheet) -> None:
        cols, _same, info = self._map_headers(sheet, self.layout.item_headers, self.layout.item_columns,
                                              {KEY, ITEM})
        if not any(c.column.level == ITEM for c in cols):
            return
        keys = [c for c in cols if c.column.level == KEY]
        data = [c for c in cols if c.column.level == ITEM]
        for entry in self.entries:
            entry.item_columns = info
        for number, row in self._rows(sheet, cols):
            pending = _Pending()
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

    def _item_owner(self, row_key, code, keys: list[_Col], number: int, sheet: str) -> ParsedEntry | None:
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

    def _add_item(self, entry: ParsedEntry, item: dict, number: int, pending: _Pending) -> None:
        index = len(entry.data_items)
        entry.data_items.append(item)
        entry.item_rows.append(number)
        self._commit(entry, pending, f"data_items[{index}].")

    # -- the one-sheet (national) layout --

    def _read_one_sheet(self, sheet: _Sheet) -> None:
        cols, info, item_info = self._map_headers(sheet, self.layout.one_sheet_headers,
                                                  self.layout.one_sheet_columns, {KEY, ENTRY, ITEM})
        if not cols:
            return
        keys = [c for c in cols if c.column.level == KEY]
        entry_cols = [c for c in cols if c.column.level == ENTRY]
        item_cols = [c for c in cols if c.column.level == ITEM]
        previous: ParsedEntry | None = None
        for number, row in self._rows(sheet, cols):
            pending, item_pending = _Pending(), _Pending()
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

    def _merge_entry_values(self, entry: ParsedEntry, values: dict, number: int, cols: list[_Col],
                            pending: _Pending) -> None:
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

    def _conflict(self, entry: ParsedEntry, key: str, col: _Col, old, new, number: int, pending: _Pending) -> None:
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

    # -- formulas --

    def _verify_suspects(self, sheet: _Sheet) -> None:
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

    # -- problems --

    def _cell_problem(self, sheet: str, number: int, col: _Col, value, message: str, message_en: str) -> CellProblem:
        return CellProblem(sheet, number, col.letter, col.header, value, message, message_en)

    def _problem(self, ref: CellRef, value, message: str, message_en: str) -> None:
        self.problems.append(CellProblem.at(ref, value, message, message_en))

    def _broken_sheet(self, title: str, error: ParseError) -> "_BrokenSheet":
        return _BrokenSheet(broken_sheet_problem(self.path, self.check.parts.get(title), title, error))


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


class _BrokenSheet(Exception):
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
