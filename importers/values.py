"""Cell values ⇄ schema values, one converter per column, chosen from the field's schema type.

Reading (`cell_parser`): Excel gives str, int, float, bool, datetime; the parsers return what
`catalog_schema.validate_entry` accepts — vocabulary codes, bools, ISO dates, lists, and for text fields
clean strings (Excel turns a typed 50 into 50.0; it becomes "50" again). A value that cannot be converted
raises `CellError` with a Chinese message naming the column and the allowed values. Values the reader
can leave to `validate_entry` (a too-long text, a negative integer) are passed through unchanged, so a
mistake gets one message.

Writing (`cell_formatter`): the inverse, for the template's example row and for exports.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

from catalog_schema import CatalogSchema, Vocabulary
from catalog_schema.rules import CATEGORY_LISTS
from catalog_schema.spec import TAG_JOINER
from catalog_schema.validation import CODE_LIST_SPLIT, FALSY, TRUTHY, split_tags

from .codes import CODE_TOKEN, Choice, Choices, NotFound, Unresolved, failure_message, normalize_value, split_code_name
from .layout import CATEGORY_SHEET, DEPARTMENT_SHEET, LIST_SEPARATOR, NO, YES, Column, Reference

#: Excel's limit for the text of one cell
MAX_CELL_CHARS = 32_767
#: control characters XML 1.0 cannot carry, and lone surrogates (openpyxl refuses to write both)
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!"})
MULTI_SPLIT = re.compile(r"[;；、,，\n]+")
#: the values of a code list: not split at spaces, which may separate a code from its name
LIST_PARTS = re.compile(r"[;；、,，\n\r]+")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$")
_THOUSANDS = re.compile(r"^-?\d{1,3}([,，]\d{3})+$")
# Excel's serial day numbers for 1950-01-01 … 2099-12-31; other numbers in a date column are not dates
_SERIAL_RANGE = (18_264, 73_050)


class CellError(ValueError):
    """A cell value that cannot be converted; `message` is the Chinese text shown to the editor."""

    def __init__(self, message: str, message_en: str):
        super().__init__(message)
        self.message = message
        self.message_en = message_en


Parser = Callable[[Any], Any]


# ---- text ---------------------------------------------------------------------------------------

def number_text(value: float | int) -> str:
    """A number as the person typed it: 50.0 → "50", 12.5 → "12.5", 1e20 → "1e+20"."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def to_text(value: Any) -> str:
    """Any cell value as the text a text field stores."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def check_text(column: Column, text: str) -> None:
    """Refuse what no field may hold: Excel error values, characters XML cannot carry, over-long cells."""
    if text in EXCEL_ERRORS:
        raise CellError(f"单元格为错误值“{text}”，请改为有效内容后再导入",
                        f"the cell holds the error value {text}")
    if len(text) > MAX_CELL_CHARS:
        raise CellError(
            f"「{column.label}」有 {len(text)} 个字符，超过 Excel 单元格上限 {MAX_CELL_CHARS} 个字符，请精简",
            f"{column.key} has {len(text)} characters, more than Excel's limit of {MAX_CELL_CHARS}")
    if ILLEGAL_CHARACTERS.search(text):
        raise CellError(f"「{column.label}」含有无法识别的控制字符或无效字符（如 \\x00），请删除后再导入",
                        f"{column.key} contains control characters or invalid characters")


def clean_key(value: Any) -> str | None:
    """A 行号 or resource code: text, stripped; blank → None."""
    if value is None:
        return None
    text = to_text(value).strip()
    return text or None


# ---- parsers --------------------------------------------------------------------------------------

def _text_parser(column: Column) -> Parser:
    def parse(value):
        text = to_text(value)
        check_text(column, text)
        return text
    return parse


def vocabulary_choices(vocab: Vocabulary) -> Choices:
    """The terms by label, code or national code (labels win over codes of other terms), or “code label”."""
    return Choices(Choice(t.code, t.label, t.code, other_codes=(t.national_code,) if t.national_code else ())
                   for t in vocab.terms)


def allowed_labels(vocab: Vocabulary) -> str:
    return "、".join(t.label for t in vocab.terms)


def _enum_parser(column: Column, schema: CatalogSchema) -> Parser:
    vocab = schema.vocabulary(column.spec.vocabulary)
    choices = vocabulary_choices(vocab)

    def term(text: str) -> str:
        try:
            return choices.find(text).value
        except NotFound:
            raise CellError(f"「{column.label}」的取值“{text}”不在代码表中，可选：{allowed_labels(vocab)}",
                            f"{column.key}: {text!r} is not in the vocabulary {vocab.key}") from None
        except Unresolved as error:
            raise CellError(*failure_message(column.label, error, noun="取值", unknown="不在代码表中",
                                             hint=f"可选：{allowed_labels(vocab)}")) from None

    if column.type == "multi_enum":
        def parse_many(value):
            text = to_text(value)
            check_text(column, text)
            return [term(part.strip()) for part in MULTI_SPLIT.split(text) if part.strip()]
        return parse_many

    def parse(value):
        text = to_text(value).strip()
        check_text(column, text)
        return term(text) if text else None
    return parse


def _bool_parser(column: Column) -> Parser:
    def parse(value):
        if isinstance(value, bool):
            return value
        text = to_text(value).strip()
        check_text(column, text)
        if not text:
            return None
        if text in TRUTHY or text.casefold() in {"true", "yes", "y", "是", "√"}:
            return True
        if text in FALSY or text.casefold() in {"false", "no", "n", "否", "×"}:
            return False
        raise CellError(f"「{column.label}」须填“{YES}”或“{NO}”，不能为“{text}”",
                        f"{column.key} must be 是 (yes) or 否 (no), got {text!r}")
    return parse


def _date_error(column: Column, shown: str) -> CellError:
    return CellError(f"「{column.label}」“{shown}”不是有效日期，请按 YYYY-MM-DD 填写，如 2024-03-01",
                     f"{column.key}: {shown!r} is not a valid date (YYYY-MM-DD)")


def _date_parser(column: Column, epoch: dt.datetime) -> Parser:
    def parse(value):
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1] and float(value).is_integer():
                from openpyxl.utils.datetime import from_excel
                return from_excel(value, epoch).date().isoformat()
            raise _date_error(column, number_text(value))
        text = to_text(value).strip()
        check_text(column, text)
        if not text:
            return None
        match = _DATE_TEXT.match(text)
        if match:
            try:
                return dt.date(*(int(g) for g in match.groups())).isoformat()
            except ValueError:
                pass
        raise _date_error(column, text)
    return parse


def _integer_parser(column: Column) -> Parser:
    def parse(value):
        if isinstance(value, bool):
            return to_text(value)          # validation refuses it with its own message
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return int(value) if value.is_integer() else number_text(value)
        text = to_text(value).strip()
        check_text(column, text)
        if _THOUSANDS.match(text):
            text = re.sub(r"[,，]", "", text)
        return int(text) if text.isdigit() else (text or None)
    return parse


def _code_list_parser(column: Column, reference: Reference) -> Parser:
    """Several codes, separated by “;”, “、”, “,” or line breaks (or by spaces, when each is a code). Topics
    (classification codes, `CATEGORY_LISTS`) may each be a code, a name or “code name”; related resource codes
    may carry the entry's name (“101001/000001 户籍人口基本信息”), which must be the entry's."""
    class_code = CATEGORY_LISTS.get(column.key)
    resolve = (_category_list_value(column, reference, class_code) if class_code is not None
               else _resource_list_value(column, reference))

    def parse(value):
        text = to_text(value)
        check_text(column, text)
        codes: list[str] = []
        for part in LIST_PARTS.split(text):
            if part.strip():
                codes += resolve(part.strip())
        return list(dict.fromkeys(codes))
    return parse


def _category_list_value(column: Column, reference: Reference, class_code: str) -> Callable[[str], list[str]]:
    if reference.categories is None:
        return lambda part: [code for code in CODE_LIST_SPLIT.split(part) if code]
    choices = reference.category_choices_in(class_code)
    class_name = reference.categories.get(class_code, f"代码以 {class_code} 开头的分类")

    def resolve(part: str) -> list[str]:
        try:
            return [choices.find(part).value]
        except Unresolved as error:
            tokens = part.split()
            if len(tokens) > 1 and all(choices.by_code(token) for token in tokens):    # “201002 201003”
                return [choices.by_code(token).value for token in tokens]
            raise CellError(*failure_message(
                column.label, error, noun="分类",
                unknown=f"不是{class_name}中的分类，请填写「{CATEGORY_SHEET}」工作表中以 {class_code} 开头的分类代码或其名称",
                hint="请填写分类代码")) from None
    return resolve


def _resource_list_value(column: Column, reference: Reference) -> Callable[[str], list[str]]:
    def resolve(part: str) -> list[str]:
        tokens = part.split()
        if all(CODE_TOKEN.match(token) for token in tokens):
            return tokens
        split = split_code_name(part)
        if split is None:
            return [part]          # not a code: validation reports it as not registered
        code, name = split
        names = reference.resource_names([code]).get(code) if reference.resource_names is not None else None
        if names and normalize_value(name) not in {normalize_value(n) for n in names}:
            raise CellError(
                f"「{column.label}」“{part}”的代码与名称不一致：代码“{code}”是“{'”或“'.join(names)}”，不是“{name}”；"
                "请改正其中之一，或只填写代码",
                f"{column.key}: {code} is not named {name!r}")
        return [code]
    return resolve


def _category_parser(column: Column, reference: Reference) -> Parser:
    def parse(value):
        text = to_text(value).strip()
        check_text(column, text)
        if not text or reference.categories is None or text in reference.categories:
            return text or None
        try:
            return reference.category_choices.find(text).value      # a name, or “101001 人口基本信息”
        except Unresolved as error:
            raise CellError(*failure_message(
                column.label, error, noun="分类",
                unknown=f"不在分类代码表中，请填写分类代码（见「{CATEGORY_SHEET}」工作表）",
                hint="请填写分类代码")) from None
    return parse


def _department_parser(column: Column, reference: Reference) -> Parser:
    def parse(value):
        text = to_text(value).strip()
        check_text(column, text)
        if not text or reference.departments is None:
            return text or None
        try:
            return reference.department_choices.find(text).value.value
        except Unresolved as error:
            raise CellError(*failure_message(
                column.label, error, noun="部门",
                unknown=f"不是已登记的部门，请填写部门全称、代码、简称或别名（见「{DEPARTMENT_SHEET}」工作表）",
                hint="请填写全称或代码")) from None
    return parse


def _tags_parser(column: Column) -> Parser:
    """Several free-text values (keywords) in one cell, split as the form splits them (`split_tags`: 、 ， , ； ;
    and line breaks, never spaces); their lengths and number are `validate_entry`'s to check."""
    def parse(value):
        text = to_text(value)
        check_text(column, text)
        return split_tags(text)
    return parse


def cell_parser(column: Column, schema: CatalogSchema, reference: Reference,
                epoch: dt.datetime | None = None) -> Parser:
    """The converter of one column's (non-blank) cell values into `validate_entry` raw values."""
    kind = column.type
    if kind in ("enum", "multi_enum"):
        return _enum_parser(column, schema)
    if kind == "bool":
        return _bool_parser(column)
    if kind == "date":
        from openpyxl.utils.datetime import WINDOWS_EPOCH
        return _date_parser(column, epoch or WINDOWS_EPOCH)
    if kind == "integer":
        return _integer_parser(column)
    if kind == "tags":
        return _tags_parser(column)
    if kind == "code_list":
        return _code_list_parser(column, reference)
    if kind == "category":
        return _category_parser(column, reference)
    if kind == "department":
        return _department_parser(column, reference)
    return _text_parser(column)


# ---- formatters (schema value → cell) ----------------------------------------------------------------

Formatter = Callable[[Any], Any]


def _safe_text(value: Any) -> str | None:
    if value is None:
        return None
    text = to_text(value)
    if ILLEGAL_CHARACTERS.search(text):
        text = ILLEGAL_CHARACTERS.sub("", text)
    return text[:MAX_CELL_CHARS] if len(text) > MAX_CELL_CHARS else text


def _label_formatter(vocab: Vocabulary) -> Formatter:
    labels = {t.code: t.label for t in vocab.terms}

    def label(code):
        return labels.get(code, code)
    return label


def _as_list(value) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in MULTI_SPLIT.split(value) if v]
    return list(value)


def _tags_formatter(value) -> str | None:
    """Keywords joined with “、” (what `_tags_parser` splits again: an export re-imports unchanged)."""
    return _safe_text(TAG_JOINER.join(split_tags(value))) or None


def cell_formatter(column: Column, schema: CatalogSchema, reference: Reference) -> Formatter:
    """The converter of one column's schema values into what the cell shows (the inverse of `cell_parser`)."""
    kind = column.type
    if kind == "enum":
        label = _label_formatter(schema.vocabulary(column.spec.vocabulary))
        return lambda v: None if v is None or v == "" else label(v)
    if kind == "multi_enum":
        label = _label_formatter(schema.vocabulary(column.spec.vocabulary))
        return lambda v: LIST_SEPARATOR.join(label(c) for c in _as_list(v)) or None
    if kind == "tags":
        return _tags_formatter
    if kind == "code_list":
        return lambda v: _safe_text(LIST_SEPARATOR.join(str(c) for c in _as_list(v))) or None
    if kind == "bool":
        return lambda v: None if v is None or v == "" else (YES if v is True or v in TRUTHY else NO)
    if kind == "integer":
        return lambda v: v if isinstance(v, int) and not isinstance(v, bool) else _safe_text(v)
    if kind == "department":
        def department(v):
            dept = reference.department_of(v)
            return dept.name if dept is not None else _safe_text(v)
        return department
    if kind == "date":
        return lambda v: v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else _safe_text(v)
    return _safe_text
