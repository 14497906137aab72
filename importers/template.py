"""The Excel import template (导入模板), generated from the schema; exports share its layout.

`write_template(path, categories=..., departments=..., example=...)` writes, with openpyxl in streaming
(write-only) mode:

* 「填写说明」 — how to fill the file, one line per column (sheet, header, required, what to write, allowed
  values, the schema's help text, when the column applies), then an example entry with its data items;
* 「信息资源」 and 「信息项」 — the header rows (required columns in bold red with a “*” and a note), column
  widths, text format for code-like columns, frozen header row and key columns, an input prompt with the help
  text on every column, and data validation: dropdowns for every vocabulary and bool column (lists on the
  hidden 「代码表」 sheet, so long vocabularies work), the classification column against the 「分类代码」
  sheet (visible, protected: editors look codes up there) and the provider column against the hidden 「部门」
  sheet (warnings only: names, short names, aliases and “code name” are accepted too), text lengths and
  whole numbers;
* 「代码表」, 「分类代码」, 「部门」 — the lists, protected.

`WorkbookWriter` is shared with `export.write_entries`, which streams entries into the same layout. Every text
that starts like a formula (“=”, “+”, “-”, “@” …) is written as a text cell, never a formula (`formulas.py`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from catalog_schema import CatalogSchema, FieldSpec
from catalog_schema.spec import TAG_JOINER
from catalog_schema.rules import CATEGORY_LISTS

from .formulas import as_text, guard_row, looks_like_formula
from .layout import (
    CATEGORY_SHEET, CODE_KEY, CODES_SHEET, DEPARTMENT_SHEET, ENTRY_SHEET, GUIDE_SHEET, ITEM, ITEM_SHEET, KEY,
    LIST_SEPARATOR, NO, ONE_SHEET, ROW_KEY, ROW_KEY_HEADER, TEMPLATE_ROWS, YES, Column, Layout, Reference,
    get_layout,
)
from .values import cell_formatter

AUTHOR = "政务信息资源目录系统"
HEADER_FONT = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="C00000")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
KEY_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")
TEXT_FORMAT = "@"
#: column types whose cells should stay text in Excel (codes with leading zeros, “12,2”, phone numbers)
TEXT_TYPES = frozenset({"text", "textarea", "category", "department", "code_list", "tags"})
BOOL_LIST = "是否"                      # the 代码表 column holding 是 / 否


def write_template(path: str | os.PathLike, *, categories: Iterable[tuple], departments: Iterable[tuple],
                   example: dict | None = None, schema: CatalogSchema | None = None) -> str | os.PathLike:
    """Write the import template to `path` (see the module docstring); returns `path`.

    `categories`: (code, name) pairs; `departments`: (code, name[, id]) tuples. `example`: one entry as
    `export.write_entries` takes it (schema values, provider as name, code or id, ``data_items``), shown in
    「填写说明」 below the column list; None: no example.
    """
    writer = WorkbookWriter(Reference(categories, departments), schema=schema, example=example)
    return writer.save(path, ())


@dataclass(frozen=True)
class _ListRange:
    formula: str
    count: int


class WorkbookWriter:
    """Writes the template layout, streaming entries into it (openpyxl write-only: rows go straight to disk)."""

    def __init__(self, reference: Reference, *, schema: CatalogSchema | None = None, example: dict | None = None,
                 one_sheet: bool = False):
        self.layout: Layout = get_layout(schema)
        self.schema = self.layout.schema
        self.reference = reference
        self.example = example
        self.one_sheet = one_sheet
        self.lists: dict[str, _ListRange] = {}

    # -- the whole workbook --

    def save(self, path, entries: Iterable[dict]) -> str | os.PathLike:
        wb = Workbook(write_only=True)
        guide = wb.create_sheet(GUIDE_SHEET)
        if self.one_sheet:
            data_sheets = [(wb.create_sheet(ONE_SHEET), self.layout.one_sheet_columns)]
        else:
            data_sheets = [(wb.create_sheet(ENTRY_SHEET), self.layout.entry_columns),
                           (wb.create_sheet(ITEM_SHEET), self.layout.item_columns)]
        self._write_lists(wb)
        for ws, columns in data_sheets:
            self._prepare_data_sheet(ws, columns)
        self._write_rows([ws for ws, _c in data_sheets], entries)
        self._write_guide(guide)
        wb.active = 1
        wb.save(path)
        return path

    # -- the list sheets --

    def _write_lists(self, wb: Workbook) -> None:
        """代码表 (one column per vocabulary, and 是/否), 分类代码 and 部门; remembers each list's range."""
        codes = wb.create_sheet(CODES_SHEET)
        vocabularies = self._used_vocabularies()
        columns: list[tuple[str, list[str]]] = [(v.label, [t.label for t in v.terms]) for v in vocabularies]
        columns.append((BOOL_LIST, [YES, NO]))
        for index, (name, labels) in enumerate(columns, start=1):
            letter = get_column_letter(index)
            codes.column_dimensions[letter].width = 18
            self.lists[name] = _ListRange(_range(CODES_SHEET, letter, len(labels)), len(labels))
        for vocab in vocabularies:
            self.lists[f"vocab:{vocab.key}"] = self.lists[vocab.label]
        depth = max(len(labels) for _n, labels in columns)
        codes.append([_header_cell(codes, name, False) for name, _l in columns])
        for i in range(depth):
            codes.append(guard_row(codes, [labels[i] if i < len(labels) else None for _n, labels in columns]))
        _protect(codes, hidden=True)

        categories = sorted((self.reference.categories or {}).items())
        self._reference_sheet(wb, CATEGORY_SHEET, ["分类代码", "分类名称"], [14, 40], categories, hidden=False)
        self.lists["category"] = _ListRange(_range(CATEGORY_SHEET, "A", len(categories)), len(categories))
        departments = [(d.code, d.name) for d in self.reference.departments or ()]
        self._reference_sheet(wb, DEPARTMENT_SHEET, ["部门代码", "部门名称"], [14, 40], departments, hidden=True)
        self.lists["department"] = _ListRange(_range(DEPARTMENT_SHEET, "B", len(departments)), len(departments))

    def _used_vocabularies(self):
        keys = []
        for column in self.layout.one_sheet_columns:
            if column.spec is not None and column.spec.vocabulary and column.spec.vocabulary not in keys:
                keys.append(column.spec.vocabulary)
        return [self.schema.vocabulary(k) for k in keys]

    @staticmethod
    def _reference_sheet(wb, title: str, headers: list[str], widths: list[int], rows, *, hidden: bool) -> None:
        ws = wb.create_sheet(title)
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A2"
        ws.append([_header_cell(ws, h, False) for h in headers])
        for row in rows:
            ws.append(guard_row(ws, list(row)))
        _protect(ws, hidden=hidden)

    # -- the data sheets --

    def _prepare_data_sheet(self, ws, columns: tuple[Column, ...]) -> None:
        """Widths, formats, frozen panes, the header row and the data validations of a data sheet."""
        for index, column in enumerate(columns, start=1):
            dim = ws.column_dimensions[get_column_letter(index)]
            dim.width = column.width
            if column.level == KEY or column.type in TEXT_TYPES:
                dim.number_format = TEXT_FORMAT
        ws.freeze_panes = "C2"
        ws.append([self._header(ws, column) for column in columns])
        for index, column in enumerate(columns, start=1):
            validation = self._validation(column)
            if validation is not None:
                letter = get_column_letter(index)
                validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
                ws.data_validations.append(validation)

    def _header(self, ws, column: Column) -> WriteOnlyCell:
        cell = _header_cell(ws, column.header, column.required, key=column.level == KEY)
        note = column_help(self.schema, column)
        if column.required:
            note = "必填。" + note
        if note:
            cell.comment = Comment(note, AUTHOR, width=300, height=120)
        return cell

    def _validation(self, column: Column) -> DataValidation | None:
        """The column's data validation: a dropdown, a length or number check, and always the help as a prompt."""
        spec, kind = column.spec, column.type
        if column.key == ROW_KEY:
            dv = DataValidation(allow_blank=True)
        elif kind in ("enum", "multi_enum"):
            dv = DataValidation(type="list", formula1=self.lists[f"vocab:{spec.vocabulary}"].formula, allow_blank=True)
            if kind == "multi_enum":     # several values separated by “；”: offer the list, accept any text
                dv.showErrorMessage = False
            else:
                _error(dv, "stop", f"请从下拉列表中选择「{column.label}」")
        elif kind == "bool":
            dv = DataValidation(type="list", formula1=self.lists[BOOL_LIST].formula, allow_blank=True)
            _error(dv, "stop", f"「{column.label}」请选择“{YES}”或“{NO}”")
        elif kind == "category" and self.lists["category"].count:
            dv = DataValidation(type="list", formula1=self.lists["category"].formula, allow_blank=True)
            _error(dv, "warning", "请填写「分类代码」工作表中的分类代码（也可填写分类名称或“代码 名称”）")
        elif kind == "department" and self.lists["department"].count:
            dv = DataValidation(type="list", formula1=self.lists["department"].formula, allow_blank=True)
            _error(dv, "warning", "请从下拉列表中选择部门名称（也可填写部门代码、简称或别名）")
        elif kind in ("text", "textarea") and spec is not None and spec.max_length and column.key != CODE_KEY:
            dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(spec.max_length),
                                allow_blank=True)
            _error(dv, "stop", f"「{column.label}」不能超过 {spec.max_length} 个字符")
        elif kind == "integer":
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
            _error(dv, "stop", f"「{column.label}」须为非负整数")
        else:
            dv = DataValidation(allow_blank=True)
        dv.promptTitle = column.label[:32]
        dv.prompt = (("必填。" if column.required else "") + column_help(self.schema, column))[:255]
        dv.showInputMessage = bool(dv.prompt)
        return dv

    # -- rows --

    def _write_rows(self, sheets: list, entries: Iterable[dict]) -> None:
        """Stream the entries: entry row + data-item rows (two sheets), or one row per data item (one sheet)."""
        if self.one_sheet:
            write = self._one_sheet_rows(sheets[0])
        else:
            write = self._two_sheet_rows(sheets[0], sheets[1])
        for number, entry in enumerate(entries, start=1):
            write(number, entry)

    def _formatters(self, columns: tuple[Column, ...]) -> list:
        return [cell_formatter(c, self.schema, self.reference) if c.key != ROW_KEY else str for c in columns]

    def entry_row(self, number: int, entry: dict, columns: tuple[Column, ...], formatters: list) -> list:
        """One entry's cells (its data items' columns left empty)."""
        return [_cell(c, f, number, entry) if c.level != ITEM else None for c, f in zip(columns, formatters)]

    def _two_sheet_rows(self, entry_ws, item_ws):
        entry_cols, item_cols = self.layout.entry_columns, self.layout.item_columns
        entry_fmt, item_fmt = self._formatters(entry_cols), self._formatters(item_cols)

        def write(number: int, entry: dict) -> None:
            entry_ws.append(guard_row(entry_ws, self.entry_row(number, entry, entry_cols, entry_fmt)))
            for item in entry.get("data_items") or ():
                item_ws.append(guard_row(item_ws, [
                    _cell(c, f, number, entry) if c.level == KEY else f(item.get(c.key))
                    for c, f in zip(item_cols, item_fmt)]))
        return write

    def _one_sheet_rows(self, ws):
        columns = self.layout.one_sheet_columns
        formatters = self._formatters(columns)

        def write(number: int, entry: dict) -> None:
            base = self.entry_row(number, entry, columns, formatters)
            items = entry.get("data_items") or ()
            if not items:
                ws.append(guard_row(ws, base))
            for item in items:
                ws.append(guard_row(ws, [f(item.get(c.key)) if c.level == ITEM else v
                                         for c, f, v in zip(columns, formatters, base)]))
        return write

    # -- 填写说明 --

    def _write_guide(self, ws) -> None:
        widths = [10, 6, 22, 8, 30, 48, 60]
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        title = WriteOnlyCell(ws, value="政务信息资源目录导入模板 · 填写说明")
        title.font = Font(bold=True, size=14)
        ws.append([title])
        for line in guide_lines(self.schema, self.one_sheet):
            ws.append([_wrapped(ws, line)])
        ws.append([])
        ws.append([_header_cell(ws, h, False) for h in ("工作表", "列", "列标题", "是否必填", "填写要求",
                                                     "可选值", "说明")])
        sheets = ([(ONE_SHEET, self.layout.one_sheet_columns)] if self.one_sheet
                  else [(ENTRY_SHEET, self.layout.entry_columns), (ITEM_SHEET, self.layout.item_columns)])
        for sheet, columns in sheets:
            for index, column in enumerate(columns, start=1):
                ws.append(guard_row(ws, [sheet, get_column_letter(index), column.header,
                                         "是" if column.required else "",
                                         _wrapped(ws, column_requirement(self.schema, column)),
                                         _wrapped(ws, allowed_values(self.schema, column)),
                                         _wrapped(ws, column_help(self.schema, column))]))
        if self.example:
            self._write_example(ws, sheets)

    def _write_example(self, ws, sheets) -> None:
        ws.append([])
        heading = WriteOnlyCell(ws, value="填写示例（仅供参考，本工作表的内容不会被导入）")
        heading.font = Font(bold=True, size=12)
        ws.append([heading])
        for sheet, columns in sheets:
            formatters = self._formatters(columns)
            ws.append([_wrapped(ws, f"「{sheet}」工作表：")])
            ws.append([self._header(ws, c) for c in columns])
            if sheet == ITEM_SHEET:
                for item in self.example.get("data_items") or ():
                    ws.append(guard_row(ws, [_cell(c, f, 1, self.example) if c.level == KEY else f(item.get(c.key))
                                             for c, f in zip(columns, formatters)]))
            elif sheet == ONE_SHEET:
                for item in self.example.get("data_items") or [{}]:
                    ws.append(guard_row(ws, [f(item.get(c.key)) if c.level == ITEM else _cell(c, f, 1, self.example)
                                             for c, f in zip(columns, formatters)]))
            else:
                ws.append(guard_row(ws, self.entry_row(1, self.example, columns, formatters)))


# ---- texts of the guide, from the schema ---------------------------------------------------------------

def guide_lines(schema: CatalogSchema, one_sheet: bool = False) -> list[str]:
    """The general instructions at the top of 「填写说明」."""
    code = schema.field(CODE_KEY).label
    lines = []
    if one_sheet:
        lines.append(f"1. 「{ONE_SHEET}」工作表每行一个信息项；同一信息资源的各行填写相同的「{ROW_KEY_HEADER}」"
                     f"和相同的资源信息（后续行的资源信息也可留空）。")
    else:
        lines.append(f"1. 「{ENTRY_SHEET}」工作表每行一条信息资源；「{ITEM_SHEET}」工作表每行一个信息项，"
                     f"用「{ROW_KEY_HEADER}」（或「{code}」）对应所属的信息资源。")
    lines += [
        f"2. 「{ROW_KEY_HEADER}」由填表人自行编号（如 1、2、3），同一文件内不得重复；「{code}」新增资源时留空，"
        f"修改已登记的资源时填写其代码（同一文件内不得重复）。",
        "3. 列标题为红色并带“*”的列为必填项；部分列在特定条件下必填，见下表“说明”。",
        f"4. 代码类的列请从下拉列表中选择（也可填写代码）；可多选的列用“{LIST_SEPARATOR}”分隔；"
        f"是否类的列填写“{YES}”或“{NO}”；日期按 YYYY-MM-DD 填写。",
        f"5. 「信息资源分类」填写分类代码（见「{CATEGORY_SHEET}」工作表）；「信息资源提供方」填写部门名称或部门代码。",
        "6. 请勿修改、删除列标题，勿合并单元格；请勿使用公式，含公式的单元格将被拒绝，请改为数值后再导入。",
        f"7. {schema.items_help}",
        "8. 导入时系统逐格校验；有错误时可下载标注了错误单元格（红色底纹、批注说明）的文件，修改后重新导入。",
    ]
    if schema.import_only_fields:
        labels = "」「".join(f.label for f in schema.import_only_fields)
        lines.append(f"9. 「{labels}」仅用于迁移已有目录：只有平台管理员导入并直接发布时可以填写，导入后保留为资源的"
                     f"发布、更新日期；其他导入请留空（填写了将被拒绝）。导出的文件中这些列为空。")
    return lines


def column_help(schema: CatalogSchema, column: Column) -> str:
    """The help of a column: the schema's help text and when the column applies."""
    if column.key == ROW_KEY:
        return (f"信息资源的编号：在「{ENTRY_SHEET}」表中由填表人自行编号（如 1、2、3），同一文件内不重复；"
                f"在「{ITEM_SHEET}」表中填写所属信息资源的{ROW_KEY_HEADER}。")
    if column.key == CODE_KEY and column.level == KEY:
        return f"新增资源留空；修改已登记的资源时填写其{column.label}。"
    parts = [column.spec.help] if column.spec is not None and column.spec.help else []
    condition = show_when_text(schema, column.spec)
    if condition:
        parts.append(condition)
    return " ".join(parts)


def show_when_text(schema: CatalogSchema, spec: FieldSpec | None) -> str:
    """“仅当「共享类型」为“有条件共享”时填写。”, from the field's `show_when`."""
    if spec is None or not spec.show_when:
        return ""
    clauses = []
    for key, wanted in spec.show_when.items():
        other = schema.field(key)
        if other.type == "bool":
            shown = [YES if str(w) in ("1", "true", "True") else NO for w in wanted]
        elif other.vocabulary:
            vocab = schema.vocabulary(other.vocabulary)
            shown = [vocab.label_of(w) for w in wanted]
        else:
            shown = [str(w) for w in wanted]
        clauses.append(f"「{other.label}」为“{'”或“'.join(shown)}”")
    return f"仅当{'且'.join(clauses)}时填写。"


def column_requirement(schema: CatalogSchema, column: Column) -> str:
    """What kind of value the column takes."""
    kind = column.type
    if column.level == KEY:
        return "文本" if column.key == CODE_KEY else "编号（数字或文本）"
    spec = column.spec
    texts = {
        "enum": "从下拉列表中选择一项",
        "multi_enum": f"可选多项，以“{LIST_SEPARATOR}”分隔",
        "bool": f"“{YES}”或“{NO}”",
        "date": "日期，格式 YYYY-MM-DD",
        "integer": "非负整数",
        "code_list": f"信息资源代码（可附资源名称，如“101001/000001 户籍人口基本信息”），多个以“{LIST_SEPARATOR}”分隔",
        "category": f"分类代码（见「{CATEGORY_SHEET}」工作表），或分类名称，或“代码 名称”",
        "department": "部门名称（下拉选择），或部门代码、简称、别名，或“代码 名称”",
    }
    if kind == "code_list" and column.key in CATEGORY_LISTS:
        return (f"分类代码（见「{CATEGORY_SHEET}」工作表中以 {CATEGORY_LISTS[column.key]} 开头的分类）、分类名称或"
                f"“代码 名称”，多个以“{LIST_SEPARATOR}”分隔")
    if kind == "tags":
        limits = "".join([f"，每个不超过 {spec.max_length} 个字" if spec.max_length else "",
                          f"，最多 {spec.max_items} 个" if spec.max_items else ""])
        return f"文本，多个以“{TAG_JOINER}”或“{LIST_SEPARATOR}”分隔{limits}"
    if spec is not None and spec.import_only:
        return "日期，格式 YYYY-MM-DD；仅管理员导入并直接发布时填写"
    if kind in texts:
        return texts[kind]
    return f"文本，不超过 {spec.max_length} 个字" if spec is not None and spec.max_length else "文本"


def allowed_values(schema: CatalogSchema, column: Column) -> str:
    """The allowed values of a vocabulary or bool column (format types grouped by their category)."""
    spec = column.spec
    if column.type == "bool":
        return f"{YES}、{NO}"
    if spec is None or not spec.vocabulary:
        return ""
    vocab = schema.vocabulary(spec.vocabulary)
    parents = [t.parent for t in vocab.terms if t.parent]
    if not parents:
        return "、".join(t.label for t in vocab.terms)
    groups: dict[str, list[str]] = {}
    for term in vocab.terms:
        groups.setdefault(term.parent or "", []).append(term.label)
    parent_vocab = next((v for v in schema.vocabularies.values()
                         if set(groups) <= {t.code for t in v.terms} and v.key != vocab.key), None)
    label = parent_vocab.label_of if parent_vocab is not None else str
    return "；".join(f"{label(parent)}：{'、'.join(labels)}" for parent, labels in groups.items())


# ---- small helpers --------------------------------------------------------------------------------------

def _range(sheet: str, letter: str, count: int) -> str:
    return f"{quote_sheetname(sheet)}!${letter}$2:${letter}${max(count, 1) + 1}"


def _protect(ws, *, hidden: bool) -> None:
    ws.protection.sheet = True
    if hidden:
        ws.sheet_state = "hidden"


def _error(dv: DataValidation, style: str, message: str) -> None:
    dv.errorStyle = style
    dv.errorTitle = "输入有误"
    dv.error = message[:255]
    dv.showErrorMessage = True


def _header_cell(ws, text: str, required: bool, *, key: bool = False) -> WriteOnlyCell:
    cell = _text(ws, text)
    cell.font = REQUIRED_FONT if required else HEADER_FONT
    cell.fill = KEY_FILL if key else HEADER_FILL
    cell.alignment = HEADER_ALIGNMENT
    return cell


def _text(ws, text: str) -> WriteOnlyCell:
    """A cell showing `text` as text (a deployment's labels and help texts too may start with “-” or “=”)."""
    cell = WriteOnlyCell(ws, value=text)
    return as_text(cell) if looks_like_formula(text) else cell


def _wrapped(ws, text: str) -> WriteOnlyCell:
    cell = _text(ws, text)
    cell.alignment = WRAP
    return cell


def _cell(column: Column, formatter, number: int, entry: dict):
    """An entry's value for `column` as written: 行号 = the entry's ordinal, else the formatted schema value."""
    if column.key == ROW_KEY:
        return number
    return formatter(entry.get(column.key))
