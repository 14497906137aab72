"""Validation of catalog entries: marshmallow schemas generated from the field specs, then cross-field rules.

`validate_entry(raw)` is the one validator used by the web forms, the API, the Excel importer and the CLI.
Every problem names its field in Chinese (and English, for API clients).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Mapping

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from .formats import FORMATS, format_problem
from .problems import Lookups, Problem, item_label
from .rules import check_import_rules, check_rules
from .spec import LIST_TYPES, TAG_SEPARATORS, CatalogSchema, FieldSpec, get_schema

TRUTHY = {"1", "true", "True", "yes", "y", "on", "是", "Y", "TRUE", 1, True}
FALSY = {"0", "false", "False", "no", "n", "off", "否", "N", "FALSE", 0, False}
CODE_LIST_SPLIT = re.compile(r"[;；,，、\s]+")
TAG_SPLIT = re.compile(f"[{TAG_SEPARATORS}\r\n]+")
_SPACES = re.compile(r"\s+")
# What no submitted text may hold: C0 and C1 control characters and DEL (tab, CR and LF are allowed in
# multi-line fields only), the bidirectional overrides that make text read otherwise than it is stored, and what
# no database or workbook can store (lone surrogates, U+FFFE/U+FFFF; PostgreSQL refuses NUL in text and JSON).
_INVISIBLE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff"
CONTROL_CHARACTERS = re.compile(f"[{_INVISIBLE}]")
CONTROL_CHARACTERS_SINGLE_LINE = re.compile(f"[{_INVISIBLE}\t\n\r]")
_CHARACTER_NAMES = {"U+0000": "空字符", "U+0009": "制表符", "U+000A": "换行符", "U+000D": "回车符", "U+007F": "删除符"}


# ---- control characters -----------------------------------------------------------------------------

def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character of `text` no one may submit, as ``U+0000``; None when the text is clean.

    Multi-line fields (textarea, comments, reasons) may hold tab, CR and LF; single-line fields may not.
    """
    match = (CONTROL_CHARACTERS if multiline else CONTROL_CHARACTERS_SINGLE_LINE).search(text)
    return f"U+{ord(match.group()):04X}" if match else None


def control_character_message(label: str, character: str) -> str:
    """The Chinese message for a field holding a control character (`character` as `control_character` gives it)."""
    name = _CHARACTER_NAMES.get(character)
    shown = f"{character} {name}" if name else character
    return f"「{label}」含有不可见的控制字符（{shown}），请删除后重试"


class _NoControlCharacters(validate.Validator):
    """Refuses strings holding control characters (see `control_character`), naming the field."""

    def __init__(self, label: str, *, multiline: bool):
        self.label = label
        self.multiline = multiline

    def __call__(self, value):
        character = control_character(value, multiline=self.multiline) if isinstance(value, str) else None
        if character:
            raise ValidationError(control_character_message(self.label, character))
        return value


class _Format(validate.Validator):
    """A text of a declared format (`FieldSpec.format`, see formats.py), with the field's Chinese message."""

    def __init__(self, label: str, fmt: str):
        self.label, self.fmt = label, fmt

    def __call__(self, value):
        found = format_problem(self.fmt, self.label, value) if isinstance(value, str) else None
        if found:
            raise ValidationError(found[0])
        return value


class _Term(validate.Validator):
    """A vocabulary code; a value holding control characters gets that message instead of echoing them back."""

    def __init__(self, label: str, codes: list[str]):
        self.label = label
        self.codes = frozenset(codes)

    def __call__(self, value):
        if value in self.codes:
            return value
        character = control_character(value) if isinstance(value, str) else None
        if character:
            raise ValidationError(control_character_message(self.label, character))
        raise ValidationError(f"「{self.label}」的取值 “{value}” 不在代码表中")


# ---- tags (several free-text values typed in one input) ------------------------------------------

def split_tags(value) -> list[str]:
    """The values of a `tags` field: a text (or a list of texts) split at 、 ， , ； ; and line breaks, each
    trimmed with its inner runs of spaces made one space, blanks dropped, and a value equal to an earlier one
    when case is ignored dropped (the first spelling stays). Spaces never split: “open data” is one keyword."""
    if value is None:
        return []
    parts = [value] if isinstance(value, str) else [v for v in value if v is not None]
    out: list[str] = []
    seen: set[str] = set()
    for part in parts:
        for tag in TAG_SPLIT.split(str(part)):
            tag = _SPACES.sub(" ", tag).strip()
            if tag and tag.casefold() not in seen:
                seen.add(tag.casefold())
                out.append(tag)
    return out


def _shown(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class _Tags(validate.Validator):
    """Each value of a tags field 1..max_length characters, no control characters, at most max_items values."""

    def __init__(self, label: str, max_length: int | None, max_items: int | None):
        self.label, self.max_length, self.max_items = label, max_length, max_items

    def __call__(self, value):
        messages = []
        if self.max_items is not None and len(value) > self.max_items:
            messages.append(f"「{self.label}」最多 {self.max_items} 个，现有 {len(value)} 个")
        for number, tag in enumerate(value, start=1):
            character = control_character(tag)
            if character:
                messages.append(control_character_message(self.label, character))
            elif self.max_length is not None and len(tag) > self.max_length:
                messages.append(f"「{self.label}」第 {number} 个“{_shown(tag)}”超过 {self.max_length} 个字符"
                                f"（{len(tag)} 个）")
        if messages:
            raise ValidationError(messages)
        return value


# ---- marshmallow schemas generated from the specs ------------------------------------------------

def _messages(spec: FieldSpec) -> dict[str, str]:
    return {
        "required": f"「{spec.label}」为必填项",
        "null": f"「{spec.label}」为必填项",
        "invalid": f"「{spec.label}」的格式不正确",
    }


def _marshmallow_field(spec: FieldSpec, schema: CatalogSchema) -> fields.Field:
    kwargs: dict[str, Any] = {
        "required": spec.required,
        "allow_none": not spec.required,
        "error_messages": _messages(spec),
        "metadata": {"label": spec.label, "label_en": spec.label_en},
    }
    if not spec.required:
        kwargs["load_default"] = [] if spec.type in LIST_TYPES else None
    if spec.type == "tags":     # max_length is each value's: checked, with the value's position, by _Tags
        return fields.List(fields.String(), validate=_Tags(spec.label, spec.max_length, spec.max_items), **kwargs)
    validators = []
    if spec.max_length:
        validators.append(validate.Length(
            max=spec.max_length, error=f"「{spec.label}」不能超过 {spec.max_length} 个字符"))
    if spec.type in ("text", "textarea", "category"):
        validators.append(_NoControlCharacters(spec.label, multiline=spec.type == "textarea"))
        if spec.format:
            validators.append(_Format(spec.label, spec.format))
        return fields.String(validate=validators, **kwargs)
    if spec.type == "enum":
        vocab = schema.vocabularies[spec.vocabulary]
        validators.append(_Term(spec.label, [t.code for t in vocab.terms]))
        return fields.String(validate=validators, **kwargs)
    if spec.type == "multi_enum":
        vocab = schema.vocabularies[spec.vocabulary]
        inner = fields.String(validate=_Term(spec.label, [t.code for t in vocab.terms]))
        return fields.List(inner, **kwargs)
    if spec.type == "bool":
        return fields.Boolean(truthy=TRUTHY, falsy=FALSY, **kwargs)
    if spec.type == "date":
        kwargs["error_messages"]["invalid"] = f"「{spec.label}」须为日期，格式 YYYY-MM-DD"
        return fields.Date(**kwargs)
    if spec.type == "integer":
        kwargs["error_messages"]["invalid"] = f"「{spec.label}」须为整数"
        return fields.Integer(strict=False, validate=validate.Range(
            min=0, error=f"「{spec.label}」不能为负数"), **kwargs)
    if spec.type == "code_list":
        return fields.List(fields.String(validate=[validate.Length(max=64), _NoControlCharacters(
            spec.label, multiline=False)]), **kwargs)
    if spec.type == "department":
        kwargs["error_messages"]["invalid"] = f"「{spec.label}」须为已登记的部门"
        return fields.Integer(strict=False, **kwargs)
    raise ValueError(spec.type)


class _Normalizing(Schema):
    """Strips strings, turns blanks into None and splits code lists, before marshmallow sees them."""

    class Meta:
        unknown = EXCLUDE

    _list_keys: tuple[str, ...] = ()
    _tag_keys: tuple[str, ...] = ()

    @pre_load
    def normalize(self, data, **kwargs):
        if not isinstance(data, Mapping):
            return data
        out = {}
        for key, value in data.items():
            if key in self._tag_keys and (value is None or isinstance(value, (str, list, tuple))):
                value = split_tags(value)
            elif isinstance(value, str):
                value = value.strip()
                if key in self._list_keys:
                    value = [v for v in CODE_LIST_SPLIT.split(value) if v]
                elif value == "":
                    value = None
            elif key in self._list_keys and value is None:
                value = []
            out[key] = value
        return out


def build_marshmallow_schemas(schema: CatalogSchema) -> tuple[type[Schema], type[Schema]]:
    """(EntryArgs, DataItemArgs) classes generated from the field specs."""
    item_attrs = {s.key: _marshmallow_field(s, schema) for s in schema.item_fields}
    item_attrs["_list_keys"] = tuple(s.key for s in schema.item_fields if s.type in ("multi_enum", "code_list"))
    item_attrs["_tag_keys"] = tuple(s.key for s in schema.item_fields if s.type == "tags")
    DataItemArgs = type("DataItemArgs", (_Normalizing,), item_attrs)

    entry_attrs: dict[str, Any] = {
        s.key: _marshmallow_field(s, schema) for s in schema.fields if s.editable
    }
    entry_attrs["data_items"] = fields.List(
        fields.Nested(DataItemArgs), load_default=list, allow_none=False,
        metadata={"label": schema.items_label})
    entry_attrs["_list_keys"] = tuple(
        s.key for s in schema.fields if s.type in ("multi_enum", "code_list"))
    entry_attrs["_tag_keys"] = tuple(s.key for s in schema.fields if s.type == "tags")
    EntryArgs = type("EntryArgs", (_Normalizing,), entry_attrs)
    return EntryArgs, DataItemArgs


_generated: dict[int, tuple[type[Schema], type[Schema]]] = {}
_loaders: dict[int, Schema] = {}


def marshmallow_schemas(schema: CatalogSchema | None = None) -> tuple[type[Schema], type[Schema]]:
    schema = schema or get_schema()
    key = id(schema)
    if key not in _generated:
        _generated[key] = build_marshmallow_schemas(schema)
    return _generated[key]


def _loader(schema: CatalogSchema) -> Schema:
    """One EntryArgs instance per schema: instantiating deep-copies every field, and loading keeps no state."""
    key = id(schema)
    if key not in _loaders:
        _loaders[key] = marshmallow_schemas(schema)[0]()
    return _loaders[key]


# ---- problems from marshmallow errors -------------------------------------------------------------

def _english(spec_key: str, message: str) -> str:
    if "控制字符" in message:
        return f"{spec_key} contains an invisible control character"
    if "必填" in message:
        return f"{spec_key} is required"
    if "不能超过" in message or "个字符" in message:
        return f"{spec_key} is too long"
    if "最多" in message:
        return f"{spec_key} has too many values"
    for _check, chinese, english in FORMATS.values():
        if chinese in message:
            return f"{spec_key} {english}"
    if "代码表" in message:
        return f"{spec_key} has a value that is not in its vocabulary"
    if "日期" in message:
        return f"{spec_key} must be a date (YYYY-MM-DD)"
    if "整数" in message or "负数" in message:
        return f"{spec_key} must be a non-negative integer"
    return f"{spec_key} is invalid"


def _flatten(schema: CatalogSchema, errors: dict) -> list[Problem]:
    problems: list[Problem] = []
    for key, value in errors.items():
        if key == "data_items" and isinstance(value, dict):
            for index, item_errors in sorted(value.items()):
                if not isinstance(item_errors, dict):
                    problems.append(Problem(f"data_items[{index}]", item_label(schema, index),
                                            f"{item_label(schema, index)}格式不正确", "data item is invalid"))
                    continue
                for item_key, messages in item_errors.items():
                    label = item_label(schema, index, item_key)
                    for message in _messages_of(messages):
                        text = message.replace(f"「{schema.item_field(item_key).label}」", label)
                        problems.append(Problem(f"data_items[{index}].{item_key}", label, text,
                                                f"data_items[{index}].{_english(item_key, message)}"))
            continue
        if key == "data_items":
            problems.append(Problem("data_items", schema.items_label,
                                    f"「{schema.items_label}」须为列表", "data_items must be a list"))
            continue
        if key == "_schema":
            problems.append(Problem("", "", "提交的内容须为对象（键值对）", "the payload must be an object"))
            continue
        label = schema.label(key)
        for message in _messages_of(value):
            problems.append(Problem(key, label, message, _english(key, message)))
    return problems


def _messages_of(value) -> list[str]:
    if isinstance(value, list):
        return [m for v in value for m in _messages_of(v)]
    if isinstance(value, dict):  # errors inside a list field: {index: [messages]}
        return [m for v in value.values() for m in _messages_of(v)]
    return [str(value)]


# ---- the entry point ------------------------------------------------------------------------------

def validate_entry(raw: Mapping, *, lookups: Lookups | None = None,
                   schema: CatalogSchema | None = None) -> tuple[dict, list[Problem]]:
    """Validate one entry's editable metadata (with its data items).

    Returns the cleaned values (JSON-ready: dates as ISO strings) and the list of problems; the values are
    only meaningful when the list is empty.
    """
    schema = schema or get_schema()
    try:
        clean = _loader(schema).load(raw)
        problems: list[Problem] = []
    except ValidationError as error:
        problems = _flatten(schema, error.messages if isinstance(error.messages, dict) else {"_schema": 1})
        clean = error.valid_data if isinstance(error.valid_data, dict) else {}
    clean = to_json_values(schema, clean)
    problems += check_rules(schema, clean, lookups, already=problems)
    return clean, problems


def to_json_values(schema: CatalogSchema, clean: dict) -> dict:
    """Dates to ISO strings, every editable key present, data items with every item key present."""
    out: dict[str, Any] = {}
    for spec in schema.fields:
        if not spec.editable:
            continue
        value = clean.get(spec.key)
        if value is not None and spec.type == "date" and not isinstance(value, str):
            value = value.isoformat()
        if value is None and spec.type in LIST_TYPES:
            value = []
        if value is None and spec.type == "bool" and spec.required is False:
            value = False
        out[spec.key] = value
    items = []
    for item in clean.get("data_items") or []:
        if isinstance(item, dict):
            items.append({s.key: item.get(s.key) if not (s.type == "bool" and item.get(s.key) is None) else False
                          for s in schema.item_fields})
    out["data_items"] = items
    return out


def validate_import_only(raw: Mapping, *, today: dt.date,
                         schema: CatalogSchema | None = None) -> tuple[dict, list[Problem]]:
    """Check the import-only values of one imported row (`FieldSpec.import_only`: the original catalog's dates).

    Each is a date (an ISO string or a date), none after `today`; then the import rules (rules.IMPORT_RULES).
    Returns the filled values as ISO strings, by key, and the problems (each names the field and repeats the value).
    """
    schema = schema or get_schema()
    clean: dict[str, str] = {}
    problems: list[Problem] = []
    for spec in schema.import_only_fields:
        value = raw.get(spec.key)
        if value is None or value == "":
            continue
        day = value if isinstance(value, dt.date) else None
        if day is None:
            try:
                day = dt.date.fromisoformat(str(value).strip())
            except ValueError:
                problems.append(Problem(spec.key, spec.label, f"「{spec.label}」“{value}”不是有效日期，格式 YYYY-MM-DD",
                                        f"{spec.key} must be a date (YYYY-MM-DD)"))
                continue
        if isinstance(day, dt.datetime):
            day = day.date()
        if day > today:
            problems.append(Problem(spec.key, spec.label,
                                    f"「{spec.label}」“{day.isoformat()}”晚于今天（{today.isoformat()}），不能是将来的日期",
                                    f"{spec.key} {day.isoformat()} is in the future"))
            continue
        clean[spec.key] = day.isoformat()
    if not problems:  # a date already refused would only make the rules between the dates say it again
        problems = check_import_rules(schema, clean)
    return clean, problems
