"""The workbook layout, derived from the catalog schema (never a hand-written field list).

Two layouts are read, one is written:

* **two sheets** (the template and the exports): 「信息资源」 has one row per entry — 「行号」 (a row key the
  editor invents: 1, 2, 3 …), 「信息资源代码」 (blank for a new entry, the existing code to update one), then one
  column per editable schema field; 「信息项」 has one row per data item — 「行号」 or 「信息资源代码」 linking it
  to its entry, then one column per data-item field.
* **one sheet** (the national templates): every row is one data item and the entry columns repeat; rows with
  the same 行号 (or the same resource code) form one entry.

Cell conventions (see `values.py`): a required column's header ends with “*”; the provider column takes the
department's name, code, short name or an alias; the classification column takes the category code (or its
name); the topic column topic codes or names; vocabulary columns take the Chinese label (the code or national
code is accepted too); every code column also takes “code name” (both must agree, see `codes.py`); bool
columns 是/否; multi-value columns are separated by “；” or “;”.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable, NamedTuple

from catalog_schema import CatalogSchema, FieldSpec, get_schema

from .codes import Choice, Choices, Unresolved, normalize_value  # noqa: F401  (normalize_value: re-exported)

ENTRY_SHEET = "信息资源"
ITEM_SHEET = "信息项"
ONE_SHEET = "信息资源目录"          # the sheet name `write_entries(..., one_sheet=True)` uses
GUIDE_SHEET = "填写说明"
CODES_SHEET = "代码表"
CATEGORY_SHEET = "分类代码"
DEPARTMENT_SHEET = "部门"
REPORT_SHEET = "错误报告"
#: sheets the template and the annotator add; the reader never takes data from them
AUX_SHEETS = frozenset({GUIDE_SHEET, CODES_SHEET, CATEGORY_SHEET, DEPARTMENT_SHEET, REPORT_SHEET})

ROW_KEY = "_row"                   # pseudo key of the 「行号」 column
ROW_KEY_HEADER = "行号"
CODE_KEY = "resource_code"         # the schema's (non-editable) resource code field
REQUIRED_MARK = "*"
LIST_SEPARATOR = "；"
YES, NO = "是", "否"
#: rows of the template the dropdowns and formats cover
TEMPLATE_ROWS = 1_048_576

ENTRY, ITEM, KEY = "entry", "item", "key"


@dataclass(frozen=True)
class Column:
    """One column of a data sheet.

    `key` is the schema key (or `ROW_KEY`); `level` says whether the value belongs to the entry, to a data
    item, or is a linking key (行号 / 信息资源代码). `spec` is the schema's field spec (None for 行号).
    """

    key: str
    header: str
    label: str
    level: str
    spec: FieldSpec | None
    required: bool = False

    @property
    def type(self) -> str:
        return self.spec.type if self.spec else "text"

    @property
    def width(self) -> float:
        """Column width in Excel characters (a CJK character counts two)."""
        base = display_width(self.header) + 4
        if self.type == "textarea":
            return 48
        if self.spec is not None and self.spec.max_length and self.type == "text":
            base = max(base, min(self.spec.max_length, 40))
        if self.type == "department":
            base = max(base, 28)
        return float(min(max(base, 10), 48))


@dataclass(frozen=True)
class Layout:
    """The columns of every data sheet, and the header → column maps the reader uses."""

    schema: CatalogSchema
    entry_columns: tuple[Column, ...]
    item_columns: tuple[Column, ...]
    one_sheet_columns: tuple[Column, ...]

    @functools.cached_property
    def entry_headers(self) -> dict[str, Column]:
        return _header_map(self.entry_columns, self.schema)

    @functools.cached_property
    def item_headers(self) -> dict[str, Column]:
        return _header_map(self.item_columns, self.schema)

    @functools.cached_property
    def one_sheet_headers(self) -> dict[str, Column]:
        return _header_map(self.one_sheet_columns, self.schema)

    @functools.cached_property
    def item_only_headers(self) -> frozenset[str]:
        """Normalised headers that name a data-item field and no entry field (they reveal the one-sheet layout)."""
        return frozenset(h for h, c in self.one_sheet_headers.items() if c.level == ITEM)


def _key_columns(schema: CatalogSchema) -> tuple[Column, Column]:
    """「行号」 and 「信息资源代码」 (the label of the schema's non-editable resource-code field)."""
    code_spec = schema.field(CODE_KEY)
    return (Column(ROW_KEY, ROW_KEY_HEADER, ROW_KEY_HEADER, KEY, None),
            Column(CODE_KEY, code_spec.label, code_spec.label, KEY, code_spec))


def _data_column(spec: FieldSpec, level: str, label: str | None = None) -> Column:
    label = label or spec.label
    header = label + REQUIRED_MARK if spec.required else label
    return Column(spec.key, header, label, level, spec, spec.required)


def build_layout(schema: CatalogSchema) -> Layout:
    """Every column from the schema: editable fields for the entry, then its import-only fields (the original
    catalog's dates, last: templates filled before they existed keep their columns), all item fields for the
    data items."""
    keys = _key_columns(schema)
    entry = tuple(_data_column(s, ENTRY) for s in schema.editable_fields + schema.import_only_fields)
    items = tuple(_data_column(s, ITEM) for s in schema.item_fields if s.editable)
    taken = {normalize_header(c.label) for c in keys + entry}
    one_items = tuple(
        c if normalize_header(c.label) not in taken
        else _data_column(c.spec, ITEM, schema.items_label + c.label)
        for c in items)
    return Layout(schema, keys + entry, keys + items, keys + entry + one_items)


_layouts: dict[int, Layout] = {}


def get_layout(schema: CatalogSchema | None = None) -> Layout:
    """The layout of `schema` (default: the deployment's), built once per schema object."""
    schema = schema or get_schema()
    layout = _layouts.get(id(schema))
    if layout is None or layout.schema is not schema:
        layout = _layouts[id(schema)] = build_layout(schema)
    return layout


# ---- headers -------------------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
_REQUIRED_SUFFIX = re.compile(r"\((必填|选填|可选|非必填)\)$")


def normalize_header(text) -> str:
    """A header as compared: NFKC (full-width → half-width), no whitespace, no “*”/“（必填）”, case-folded."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _SPACE.sub("", s).strip(REQUIRED_MARK)
    s = _REQUIRED_SUFFIX.sub("", s).strip(REQUIRED_MARK)
    return s.casefold()


def _header_map(columns: Iterable[Column], schema: CatalogSchema) -> dict[str, Column]:
    """Normalised header → column; the label wins over the key and the English label, earlier columns win."""
    out: dict[str, Column] = {}
    columns = tuple(columns)
    aliases: list[tuple[str, Column]] = []
    for c in columns:
        aliases.append((c.label, c))
    for c in columns:
        if c.level == ITEM and c.spec is not None:
            aliases.append((schema.items_label + c.spec.label, c))
            aliases.append((c.spec.label, c))
    for c in columns:
        if c.spec is not None:
            aliases += [(c.spec.key, c), (c.spec.label_en, c)]
    for alias, column in aliases:
        norm = normalize_header(alias)
        if norm and norm not in out:
            out[norm] = column
    return out


def display_width(text: str) -> int:
    """Width in Excel character units: wide (CJK, full-width) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# ---- reference data: classification and departments ------------------------------------------------

class Department(NamedTuple):
    """A registered department: its code, its name, the value `validate_entry` wants for the provider, and the
    other names it goes by (short name, aliases)."""

    code: str
    name: str
    value: object
    other_names: tuple[str, ...] = ()


#: how a department's aliases are separated (Department.aliases)
ALIAS_SPLIT = re.compile(r"[;；]+")


class Reference:
    """Classification nodes and departments, passed in by the caller (importers/ knows nothing of the DB).

    `categories`: (code, name) pairs. `departments`: (code, name) pairs or (code, name, value[, other names])
    tuples, where `value` is what the provider becomes in the parsed entry — the department's database id,
    which `validate_entry` expects (with pairs the provider becomes the department code) — and the other names
    are its short name and aliases (an iterable, or one “;”-separated string). `resource_names`: a function
    from resource codes to {code: names the entry goes by}, to check “code name” in related-code columns
    (without it the names are not checked).
    """

    def __init__(self, categories: Iterable[tuple] | None = None, departments: Iterable[tuple] | None = None,
                 resource_names: Callable[[list[str]], dict[str, Iterable[str]]] | None = None):
        self.categories: dict[str, str] | None = (
            None if categories is None else {str(c[0]): str(c[1]) for c in categories})
        self.departments: tuple[Department, ...] | None = (
            None if departments is None else tuple(_department(d) for d in departments))
        self.resource_names = resource_names
        self._by_value: dict[object, Department] = {}
        self._class_choices: dict[str, Choices] = {}
        for dept in self.departments or ():
            self._by_value.setdefault(dept.value, dept)

    @functools.cached_property
    def department_choices(self) -> Choices:
        """The departments by code (leading zeros optional), name, short name and alias."""
        return Choices((Choice(d.code, d.name, d, other_names=d.other_names) for d in self.departments or ()),
                       strip_zeros=True)

    @functools.cached_property
    def category_choices(self) -> Choices:
        """The classification nodes by code and name."""
        return Choices(Choice(code, name, code) for code, name in (self.categories or {}).items())

    def category_choices_in(self, class_code: str) -> Choices:
        """The nodes of one class of the classification (e.g. the topics, 主题信息资源类)."""
        if class_code not in self._class_choices:
            self._class_choices[class_code] = Choices(
                Choice(code, name, code) for code, name in (self.categories or {}).items()
                if code.startswith(class_code))
        return self._class_choices[class_code]

    def department(self, text: str) -> Department | None:
        """The one department named, coded, short-named or aliased `text` (None when none, or several)."""
        try:
            return self.department_choices.find(text).value
        except Unresolved:
            return None

    def department_of(self, value) -> Department | None:
        """The department of a stored provider value (its value/id, code or name)."""
        if value is None or value == "":
            return None
        found = self._by_value.get(value)
        if found is None and isinstance(value, str):
            found = self.department(value)
        return found

    def has_category(self, code: str) -> bool:
        return self.categories is None or code in self.categories


def _department(row: tuple) -> Department:
    if len(row) < 2:
        raise ValueError(f"department reference rows are (code, name[, value[, other names]]), got {row!r}")
    code, name = str(row[0]), str(row[1])
    others = row[3] if len(row) > 3 and row[3] else ()
    if isinstance(others, str):
        others = ALIAS_SPLIT.split(others)
    others = tuple(dict.fromkeys(text for text in (str(o).strip() for o in others) if text and text != name))
    return Department(code, name, row[2] if len(row) > 2 else code, others)


def as_reference(reference: Reference | None = None, *, categories=None, departments=None) -> Reference:
    """A `Reference` from either an existing one or the plain lists."""
    if reference is not None:
        return reference
    return Reference(categories, departments)
