"""Code columns take the code, the name (a department also its short name or an alias) or “code name”."""
import csv

import pytest

from importers import write_template
from importers.layout import Reference
from tests.importers.helpers import CATEGORIES, DEMO, at, read
from tests.importers.test_roundtrip import PERSON_ITEMS, PERSON_ROW, fill

with open(DEMO / "departments.csv", encoding="utf-8", newline="") as _f:
    _ROWS = list(csv.DictReader(_f))
#: the demo city's departments with their short names and aliases, and two that share the alias 团委
DEPARTMENTS = [(r["code"], r["name"], index, f"{r['short_name']};{r['aliases']}")
               for index, r in enumerate(_ROWS, start=1)] + [
    ("063", "共青团示例市委员会", 63, "团市委;团委"),
    ("064", "共青团东城区委员会", 64, "东城团区委;团委"),
]
POLICE = 6            # 006 市公安局
#: two topic nodes of one name, to make a topic name ambiguous
TOPICS = CATEGORIES + [("221", "财税金融", ), ("221001", "财税金融")]


@pytest.fixture
def template(tmp_path):
    return write_template(tmp_path / "template.xlsx", categories=TOPICS, departments=DEPARTMENTS)


def read_rows(template, tmp_path, *rows: dict, **reference):
    """Read entry rows (each PERSON_ROW with some cells changed; 行号 1, 2 …, each with PERSON_ITEMS)."""
    entries = [{**PERSON_ROW, "行号": n, "信息资源名称*": f"资源{n}", **cells} for n, cells in enumerate(rows, 1)]
    items = [dict(item, **{"行号": n}) for n in range(1, len(rows) + 1) for item in PERSON_ITEMS]
    path = fill(template, tmp_path / "filled.xlsx", entries, items)
    reference.setdefault("categories", TOPICS)
    reference.setdefault("departments", DEPARTMENTS)
    return read(path, reference=Reference(**reference))


def only_problem(parsed, coordinate: str) -> str:
    """The message of the one problem the file has, which must be at `coordinate` of the entries sheet."""
    assert [(p.sheet, f"{p.column}{p.row}") for p in parsed.problems] == [("信息资源", coordinate)]
    return at(parsed.problems, "信息资源", coordinate)[0].message


def column(parsed, key: str) -> str:
    return parsed.entries[0].columns.letters[key]


# ---- provider (信息资源提供方) ----------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["市公安局", "公安局", "公安", "006", 6, "006 市公安局", "006市公安局", "006 公安局",
                                  "市公安局（006）", "市公安局(006)"])
def test_a_provider_is_found_by_name_code_short_name_alias_or_code_and_name(template, tmp_path, cell):
    parsed = read_rows(template, tmp_path, {"信息资源提供方*": cell})
    assert parsed.problems == []
    assert parsed.entries[0].values["provider"] == POLICE


def test_an_alias_two_departments_share_names_the_candidates(template, tmp_path):
    parsed = read_rows(template, tmp_path, {}, {"信息资源提供方*": "团委"})
    letter = column(parsed, "provider")
    assert only_problem(parsed, f"{letter}3") == (
        "「信息资源提供方」“团委”对应多个部门：共青团示例市委员会（063）、共青团东城区委员会（064），请填写全称或代码")
    assert parsed.entries[1].values["provider"] is None and "provider" in parsed.entries[1].failed


def test_a_short_name_only_one_department_has_is_that_department(template, tmp_path):
    parsed = read_rows(template, tmp_path, {"信息资源提供方*": "团市委"})
    assert parsed.problems == [] and parsed.entries[0].values["provider"] == 63


def test_a_code_and_a_name_of_two_departments_are_refused_naming_both(template, tmp_path):
    parsed = read_rows(template, tmp_path, {"信息资源提供方*": "007 市公安局"})
    assert only_problem(parsed, f"{column(parsed, 'provider')}2") == (
        "「信息资源提供方」“007 市公安局”的代码与名称不一致：代码“007”是“市民政局”，“市公安局”是市公安局（006）；"
        "请改正其中之一，或只填写代码或名称")


def test_an_unknown_provider_repeats_the_value(template, tmp_path):
    parsed = read_rows(template, tmp_path, {"信息资源提供方*": "市外星局"})
    assert only_problem(parsed, f"{column(parsed, 'provider')}2") == (
        "「信息资源提供方」“市外星局”不是已登记的部门，请填写部门全称、代码、简称或别名（见「部门」工作表）")


# ---- classification and topics --------------------------------------------------------------------------------

def test_the_classification_takes_code_name_and_name(template, tmp_path):
    parsed = read_rows(template, tmp_path, {"信息资源分类*": "101001 人口基本信息"}, {"信息资源分类*": "户籍与居住登记"},
                       {"信息资源分类*": "101002-户籍与居住登记"})
    assert parsed.problems == []
    assert [e.values["category_code"] for e in parsed.entries] == ["101001", "101002", "101002"]


def test_a_classification_code_with_another_nodes_name_is_refused(template, tmp_path):
    parsed = read_rows(template, tmp_path, {"信息资源分类*": "101001 户籍与居住登记"})
    assert only_problem(parsed, f"{column(parsed, 'category_code')}2") == (
        "「信息资源分类」“101001 户籍与居住登记”的代码与名称不一致：代码“101001”是“人口基本信息”，"
        "“户籍与居住登记”是户籍与居住登记（101002）；请改正其中之一，或只填写代码或名称")


def test_topics_take_codes_code_names_and_names(template, tmp_path):
    parsed = read_rows(template, tmp_path, {"主题分类": "201001 办事指南和事项清单；便民服务设施、203002"},
                       {"主题分类": "201002 201003"}, {"主题分类": "医疗保障;202003 医疗保障"})
    assert parsed.problems == []
    assert [e.values["topic_codes"] for e in parsed.entries] == [
        ["201001", "201002", "203002"], ["201002", "201003"], ["202003"]]


def test_a_topic_name_two_nodes_share_names_the_candidates(template, tmp_path):
    parsed = read_rows(template, tmp_path, {"主题分类": "201001；财税金融"})
    assert only_problem(parsed, f"{column(parsed, 'topic_codes')}2") == (
        "「主题分类」“财税金融”对应多个分类：财税金融（221）、财税金融（221001），请填写分类代码")


def test_a_topic_code_with_another_topics_name_is_refused(template, tmp_path):
    parsed = read_rows(template, tmp_path, {"主题分类": "201001 便民服务设施"})
    message = only_problem(parsed, f"{column(parsed, 'topic_codes')}2")
    assert message.startswith("「主题分类」“201001 便民服务设施”的代码与名称不一致：代码“201001”是“办事指南和事项清单”，"
                              "“便民服务设施”是便民服务设施（201002）")


def test_a_topic_outside_the_topic_class_is_refused_with_its_value(template, tmp_path):
    parsed = read_rows(template, tmp_path, {"主题分类": "人口基本信息"})
    assert only_problem(parsed, f"{column(parsed, 'topic_codes')}2") == (
        "「主题分类」“人口基本信息”不是主题信息资源类中的分类，请填写「分类代码」工作表中以 2 开头的分类代码或其名称")


# ---- vocabularies and related codes ----------------------------------------------------------------------------

def test_a_vocabulary_column_takes_code_and_label(template, tmp_path):
    parsed = read_rows(template, tmp_path, {"共享类型*": "2 有条件共享"}, {"共享类型*": "conditional 有条件共享"},
                       {"共享类型*": "有条件共享（2）", "涉及敏感信息": "personal_privacy 个人隐私；commercial_secret：商业秘密"})
    assert parsed.problems == []
    assert [e.values["sharing_type"] for e in parsed.entries] == ["conditional"] * 3
    assert parsed.entries[2].values["sensitivity"] == ["personal_privacy", "commercial_secret"]


def test_a_vocabulary_code_with_another_terms_label_is_refused(template, tmp_path):
    parsed = read_rows(template, tmp_path, {"共享类型*": "1 有条件共享"})
    assert only_problem(parsed, f"{column(parsed, 'sharing_type')}2") == (
        "「共享类型」“1 有条件共享”的代码与名称不一致：代码“1”是“无条件共享”，“有条件共享”是有条件共享（conditional）；"
        "请改正其中之一，或只填写代码或名称")


def test_related_codes_may_carry_the_entrys_name_which_must_be_its_own(template, tmp_path):
    names = {"101001/000001": ("户籍人口基本信息",)}
    lookup = lambda codes: {c: names[c] for c in codes if c in names}   # noqa: E731
    good = read_rows(template, tmp_path, {"关联资源代码": "101001/000001 户籍人口基本信息；101001/000002"},
                     resource_names=lookup)
    assert good.problems == [] and good.entries[0].values["related_codes"] == ["101001/000001", "101001/000002"]
    bad = read_rows(template, tmp_path, {"关联资源代码": "101001/000001 婚姻登记信息"}, resource_names=lookup)
    assert only_problem(bad, f"{column(bad, 'related_codes')}2") == (
        "「关联资源代码」“101001/000001 婚姻登记信息”的代码与名称不一致：代码“101001/000001”是“户籍人口基本信息”，"
        "不是“婚姻登记信息”；请改正其中之一，或只填写代码")


# ---- problem lines ---------------------------------------------------------------------------------------------

def test_a_problem_line_repeats_the_value_its_message_does_not_quote(template, tmp_path):
    from importers import validate_workbook

    parsed = read_rows(template, tmp_path, {"信息资源名称*": "长" * 51, "共享类型*": "部分共享"})
    _cleans, problems = validate_workbook(parsed)
    lines = sorted(p.line for p in problems)
    name_letter, sharing_letter = column(parsed, "name"), column(parsed, "sharing_type")
    assert lines == sorted([
        f"工作表「信息资源」第 2 行 {name_letter} 列（信息资源名称*）：「信息资源名称」不能超过 50 个字符"
        f"（单元格内容：“{'长' * 51}”）",
        f"工作表「信息资源」第 2 行 {sharing_letter} 列（共享类型*）：「共享类型」的取值“部分共享”不在代码表中，"
        "可选：无条件共享、有条件共享、不予共享",
    ])
