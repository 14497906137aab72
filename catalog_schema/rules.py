"""Cross-field rules of a catalog entry (SPEC §4, catalog-metadata.md).

Each rule reads the cleaned values and returns problems naming the field a person must change.
Rules skip fields that already failed field-level validation, so one mistake gives one message.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Callable

from .problems import Lookups, Problem, item_label
from .spec import CatalogSchema

LENGTH_PATTERN = re.compile(r"^\d{1,5}(,\d{1,3})?$")
STRUCTURED_FORMATS = {"database", "spreadsheet"}
BASIC_CLASS_PREFIX = "1"
#: 主题信息资源类: the class (and root node) of the classification whose nodes the topics are
TOPIC_CLASS = "2"
#: code-list fields whose values are classification codes, and the class they must be in (other code lists
#: hold resource codes)
CATEGORY_LISTS = {"topic_codes": TOPIC_CLASS}


def _p(schema: CatalogSchema, key: str, message: str, message_en: str) -> Problem:
    return Problem(key, schema.label(key), message, message_en)


def _label(schema: CatalogSchema, vocab: str, code: str) -> str:
    return schema.vocabulary(vocab).label_of(code)


def rule_non_shared_needs_legal_basis(schema, entry, lookups):
    """不予共享须列明法律、行政法规或党中央、国务院政策依据 (Baoji §15(一), Zhengzhou §14, Shandong §13)."""
    if entry.get("sharing_type") == "not_shared" and not entry.get("non_sharing_basis"):
        yield _p(schema, "non_sharing_basis",
                 "「不予共享依据」为必填项：共享类型为“不予共享”时，须列明法律、行政法规或党中央、国务院政策依据",
                 "non_sharing_basis is required when sharing_type is not_shared")


def rule_conditional_needs_conditions(schema, entry, lookups):
    """有条件共享须注明共享条件 (Sichuan §23)."""
    if entry.get("sharing_type") == "conditional" and not entry.get("sharing_condition"):
        yield _p(schema, "sharing_condition",
                 "「共享条件」为必填项：共享类型为“有条件共享”时，须写明共享条件",
                 "sharing_condition is required when sharing_type is conditional")


def rule_sensitive_cannot_be_unconditional(schema, entry, lookups):
    """涉及国家秘密、工作秘密、商业秘密、个人隐私的不得列为无条件共享 (Baoji §15(四))."""
    sensitivity = entry.get("sensitivity") or []
    if entry.get("sharing_type") == "unconditional" and (sensitivity or entry.get("secret")):
        what = "、".join(_label(schema, "sensitivity", s) for s in sensitivity) or "涉密信息"
        yield _p(schema, "sharing_type",
                 f"「共享类型」不能为“无条件共享”：资源涉及{what}（见「涉及敏感信息」），请改为有条件共享或不予共享",
                 "sharing_type cannot be unconditional for an entry with sensitive content")


def rule_basic_items_are_unconditional(schema, entry, lookups):
    """基础信息资源的基础信息项无条件共享 (Baoji §15(二))."""
    category = entry.get("category_code") or ""
    if not category.startswith(BASIC_CLASS_PREFIX):
        return
    for index, item in enumerate(entry.get("data_items") or []):
        if not item.get("basic_item"):
            continue
        effective = item.get("sharing_type") or entry.get("sharing_type")
        if effective and effective != "unconditional":
            label = item_label(schema, index, "sharing_type")
            yield Problem(f"data_items[{index}].sharing_type", label,
                          f"{label}须为“无条件共享”：基础信息资源的基础信息项应无条件共享",
                          f"data_items[{index}].sharing_type must be unconditional for a basic item of a basic resource")


def rule_structured_formats_need_items(schema, entry, lookups):
    """数据库、电子表格类资源必须描述信息项."""
    fmt = entry.get("format_category")
    if fmt in STRUCTURED_FORMATS and not entry.get("data_items"):
        yield _p(schema, "data_items",
                 f"「{schema.items_label}」至少需要一项：格式为“{_label(schema, 'format_category', fmt)}”的资源须列出信息项",
                 "at least one data item is required for database and spreadsheet formats")


def rule_item_names_unique(schema, entry, lookups):
    """信息项名称在同一资源内不得重复."""
    names = [(item.get("name") or "").strip() for item in entry.get("data_items") or []]
    counts = Counter(n for n in names if n)
    seen: set[str] = set()
    for index, name in enumerate(names):
        if counts.get(name, 0) > 1:
            if name in seen:
                label = item_label(schema, index, "name")
                yield Problem(f"data_items[{index}].name", label,
                              f"{label}“{name}”与前面的信息项重复，信息项名称在同一资源内不得重复",
                              f"data_items[{index}].name duplicates an earlier data item")
            seen.add(name)


def rule_item_length(schema, entry, lookups):
    for index, item in enumerate(entry.get("data_items") or []):
        length = item.get("length")
        if length and not LENGTH_PATTERN.match(str(length).replace("，", ",")):
            label = item_label(schema, index, "length")
            yield Problem(f"data_items[{index}].length", label,
                          f"{label}“{length}”无效：须为整数，或“精度,小数位”如 12,2",
                          f"data_items[{index}].length must be an integer or 'precision,scale'")


def rule_item_sharing_not_looser_than_not_shared(schema, entry, lookups):
    if entry.get("sharing_type") != "not_shared":
        return
    for index, item in enumerate(entry.get("data_items") or []):
        if item.get("sharing_type") in ("unconditional", "conditional"):
            label = item_label(schema, index, "sharing_type")
            yield Problem(f"data_items[{index}].sharing_type", label,
                          f"{label}不能设为共享：资源的共享类型为“不予共享”",
                          f"data_items[{index}].sharing_type cannot be shared in a not_shared entry")


def rule_open_needs_conditions(schema, entry, lookups):
    """向社会开放须写明开放条件."""
    if entry.get("open_to_public") and not entry.get("open_condition"):
        yield _p(schema, "open_condition", "「开放条件」为必填项：资源向社会开放时须写明开放条件",
                 "open_condition is required when open_to_public is true")


def rule_format_type_matches_category(schema, entry, lookups):
    category, ftype = entry.get("format_category"), entry.get("format_type")
    if not category or not ftype:
        return
    term = schema.vocabulary("format_type").by_code[ftype]
    if term.parent != category:
        yield _p(schema, "format_type",
                 f"「信息资源格式类型」“{term.label}”不属于格式分类“{_label(schema, 'format_category', category)}”",
                 "format_type does not belong to format_category")
    elif term.other and not entry.get("format_note"):
        yield _p(schema, "format_note", f"「格式说明」为必填项：格式类型为“{term.label}”时须说明具体格式",
                 "format_note is required for an 'other' format type")


def rule_sharing_method(schema, entry, lookups):
    """共享方式: required unless not shared; the platform method needs its sub-type."""
    sharing, category, mtype = (entry.get("sharing_type"), entry.get("sharing_method_category"),
                                entry.get("sharing_method_type"))
    if sharing == "not_shared":
        if category or mtype:
            yield _p(schema, "sharing_method_category", "「共享方式分类」应留空：不予共享的资源没有共享方式",
                     "sharing_method_category must be empty for a not_shared entry")
        return
    if sharing and not category:
        yield _p(schema, "sharing_method_category", "「共享方式分类」为必填项：无条件共享、有条件共享的资源须选择共享方式",
                 "sharing_method_category is required unless sharing_type is not_shared")
        return
    children = {t.code for t in schema.vocabulary("sharing_method_type").children_of(category or "")}
    if children and not mtype:
        yield _p(schema, "sharing_method_type",
                 f"「共享方式类型」为必填项：共享方式为“{_label(schema, 'sharing_method_category', category)}”时须选择接口、数据库或文件",
                 "sharing_method_type is required for the platform method")
    elif mtype and mtype not in children:
        yield _p(schema, "sharing_method_type",
                 f"「共享方式类型」“{_label(schema, 'sharing_method_type', mtype)}”不适用于“{_label(schema, 'sharing_method_category', category)}”",
                 "sharing_method_type does not belong to sharing_method_category")


def rule_secret_stays_internal(schema, entry, lookups):
    """涉密信息只在电子政务内网编目，不得向社会开放 (Sichuan §23)."""
    if not entry.get("secret"):
        return
    if entry.get("network") != "internal":
        yield _p(schema, "network", "「所在网络」须为“电子政务内网”：涉密信息只在电子政务内网编目",
                 "network must be internal for a classified entry")
    if entry.get("open_to_public"):
        yield _p(schema, "open_to_public", "「是否向社会开放」须为“否”：涉密资源不得向社会开放",
                 "a classified entry cannot be open to the public")


def rule_references_exist(schema, entry, lookups):
    if lookups is None:
        return
    code = entry.get("category_code")
    if code and not lookups.category_exists(code):
        yield _p(schema, "category_code", f"「信息资源分类」“{code}”不在分类树中", "category_code is not in the classification tree")
    for key, class_code in CATEGORY_LISTS.items():
        for topic in entry.get(key) or []:
            if not topic.startswith(class_code) or not lookups.category_exists(topic):
                yield _p(schema, key, f"「{schema.label(key)}」“{topic}”不是主题信息资源类中的分类",
                         f"{key} contains a code that is not a topic category")
    missing = lookups.missing_resource_codes(entry.get("related_codes") or [])
    if missing:
        yield _p(schema, "related_codes", f"「关联资源代码」中的 {'、'.join(missing)} 未登记",
                 "related_codes contains codes that are not registered")


RULES: list[Callable] = [
    rule_non_shared_needs_legal_basis,
    rule_conditional_needs_conditions,
    rule_sensitive_cannot_be_unconditional,
    rule_basic_items_are_unconditional,
    rule_structured_formats_need_items,
    rule_item_names_unique,
    rule_item_length,
    rule_item_sharing_not_looser_than_not_shared,
    rule_open_needs_conditions,
    rule_format_type_matches_category,
    rule_sharing_method,
    rule_secret_stays_internal,
    rule_references_exist,
]


def check_rules(schema: CatalogSchema, entry: dict, lookups: Lookups | None,
                already: list[Problem] = ()) -> list[Problem]:
    failed = {p.path for p in already}
    out = []
    for rule in RULES:
        for problem in rule(schema, entry, lookups):
            if problem.path not in failed:
                out.append(problem)
                failed.add(problem.path)
    return out


# ---- import-only values (the original catalog's dates, see FieldSpec.import_only) ---------------------------

def rule_last_update_needs_first_publication(schema, values):
    """An update date alone would make the system invent a publication date: both, or the first alone."""
    if values.get("last_updated_on") and not values.get("first_published_on"):
        label = schema.label("last_updated_on")
        yield _p(schema, "last_updated_on",
                 f"「{label}」“{values['last_updated_on']}”须与「{schema.label('first_published_on')}」一并填写",
                 "last_updated_on needs first_published_on")


def rule_update_not_before_first_publication(schema, values):
    first, last = values.get("first_published_on"), values.get("last_updated_on")
    if first and last and last < first:   # ISO dates compare as text
        yield _p(schema, "last_updated_on",
                 f"「{schema.label('last_updated_on')}」“{last}”早于「{schema.label('first_published_on')}」“{first}”："
                 "资源不能在首次发布之前更新",
                 "last_updated_on is before first_published_on")


IMPORT_RULES: list[Callable] = [
    rule_last_update_needs_first_publication,
    rule_update_not_before_first_publication,
]


def check_import_rules(schema: CatalogSchema, values: dict, already: list[Problem] = ()) -> list[Problem]:
    """The import rules over a row's clean import-only values (ISO date strings), skipping failed fields."""
    failed = {p.path for p in already}
    out = []
    for rule in IMPORT_RULES:
        for problem in rule(schema, values):
            if problem.path not in failed:
                out.append(problem)
                failed.add(problem.path)
    return out
