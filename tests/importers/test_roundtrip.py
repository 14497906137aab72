"""Round trips: template → filled by hand → read → validate; export → read → validate; both layouts."""
import datetime as dt

import pytest

from catalog_schema import validate_entry
from importers import problems_for, validate_workbook, write_entries, write_template
from tests.importers.helpers import (
    CATEGORIES, DEPARTMENTS, DEPT_ID, at, clean, extended_schema, load, messages, person_db, put, read,
    sample_entries,
)


@pytest.fixture
def template(tmp_path):
    return write_template(tmp_path / "template.xlsx", categories=CATEGORIES, departments=DEPARTMENTS)


def fill(template, target, entries: list[dict], items: list[dict], schema=None):
    """Type rows into the template as a person would: Chinese labels under the template's headers."""
    wb = load(template)
    for row, cells in enumerate(entries, start=2):
        put(wb["信息资源"], row, cells)
    for row, cells in enumerate(items, start=2):
        put(wb["信息项"], row, cells)
    wb.save(target)
    return target


PERSON_ROW = {
    "行号": 1, "信息资源分类*": "101001", "信息资源名称*": "户籍人口基本信息", "信息资源提供方*": "市公安局",
    "信息资源摘要*": "本市户籍人口的姓名、公民身份号码、性别、民族、出生日期等基本登记信息。",
    "信息资源格式分类*": "数据库", "信息资源格式类型*": "oracle", "共享类型*": "有条件共享",
    "共享条件": "仅限因履行法定职责需要核验身份的部门使用，须经申请审核。", "共享方式分类": "共享平台方式",
    "共享方式类型": "接口", "涉及敏感信息": "个人隐私", "是否向社会开放*": "否", "更新周期*": "实时",
}
PERSON_ITEMS = [
    {"行号": 1, "信息项名称*": "姓名", "数据类型*": "字符型", "数据长度": 50, "基础信息项": "是", "信息项共享类型": "无条件共享"},
    {"行号": 1.0, "信息项名称*": "公民身份号码", "数据类型*": "字符型", "数据长度": 18.0, "基础信息项": "是",
     "信息项共享类型": "无条件共享"},
    {"行号": "1", "信息项名称*": "出生日期", "数据类型*": "日期型"},
]


def test_a_filled_template_reads_back_as_the_entries_typed(template, tmp_path):
    secret_row = {
        # codes and national codes instead of labels, an Excel boolean, a department code Excel made a number
        "行号": 2, "信息资源分类*": 101002, "信息资源名称*": "涉密户籍统计台账", "信息资源提供方*": 6,
        "信息资源摘要*": "户籍统计台账（涉密）。", "信息资源格式分类*": "spreadsheet", "信息资源格式类型*": "XLSX",
        "共享类型*": 3, "不予共享依据": "《中华人民共和国保守国家秘密法》第二十八条", "涉及敏感信息": "国家秘密;工作秘密",
        "所在网络": "电子政务内网", "是否涉密": True, "是否向社会开放*": "否", "更新周期*": "每年", "数据量（条）": 0.0,
    }
    secret_items = [
        {"行号": 2, "信息项名称*": "统计年度", "数据类型*": "N", "数据长度": 4, "英文名称": "year"},
        {"行号": 2, "信息项名称*": "户籍人口数", "数据类型*": "数值型", "数据长度": "12,2", "说明": "万人，保留两位小数",
         "信息项共享类型": "不予共享"},
    ]
    path = fill(template, tmp_path / "filled.xlsx", [PERSON_ROW, secret_row], PERSON_ITEMS + secret_items)
    parsed = read(path)
    assert parsed.problems == [] and parsed.layout == "two_sheets"
    first, second = parsed.entries
    assert (first.row, first.row_key, first.item_rows) == (2, "1", [2, 3, 4])
    assert (second.row, second.row_key, second.item_rows) == (3, "2", [5, 6])
    assert first.values["data_items"][0]["length"] == "50"
    assert first.values["data_items"][1]["length"] == "18"
    assert clean(first.values) == clean(person_db())
    expected = sample_entries()[2]
    assert clean(second.values) == clean(expected)
    assert second.values["provider"] == DEPT_ID["市公安局"]


def test_an_export_reads_back_as_the_same_clean_values(tmp_path):
    originals = sample_entries()
    path = write_entries(tmp_path / "export.xlsx", iter(originals), categories=CATEGORIES, departments=DEPARTMENTS)
    parsed = read(path)
    assert parsed.problems == []
    assert [e.resource_code for e in parsed.entries] == ["101001/000001", None, None, None]
    for entry, original in zip(parsed.entries, originals, strict=True):
        assert clean(entry.values) == clean(original)


def test_the_one_sheet_export_reads_back_as_the_same_clean_values(tmp_path):
    originals = sample_entries()
    path = write_entries(tmp_path / "national.xlsx", originals, categories=CATEGORIES, departments=DEPARTMENTS,
                         one_sheet=True)
    parsed = read(path)
    assert parsed.problems == [] and parsed.layout == "one_sheet"
    assert [e.item_rows for e in parsed.entries] == [[2, 3, 4], [], [6, 7], []]
    for entry, original in zip(parsed.entries, originals, strict=True):
        assert clean(entry.values) == clean(original)


def test_the_export_shows_labels_names_and_yes_no(tmp_path):
    path = write_entries(tmp_path / "export.xlsx", [sample_entries()[2]], categories=CATEGORIES,
                         departments=DEPARTMENTS)
    ws = load(path)["信息资源"]
    row = {ws.cell(1, c).value: ws.cell(2, c).value for c in range(1, ws.max_column + 1)}
    assert row["信息资源提供方*"] == "市公安局"
    assert row["共享类型*"] == "不予共享" and row["所在网络"] == "电子政务内网"
    assert row["涉及敏感信息"] == "国家秘密；工作秘密" and row["是否涉密"] == "是" and row["数据量（条）"] == 0


def test_the_provider_may_be_given_to_the_export_by_name_or_code(tmp_path):
    entries = [person_db(provider="市公安局"), person_db(provider="006", name="第二条")]
    parsed = read(write_entries(tmp_path / "e.xlsx", entries, categories=CATEGORIES, departments=DEPARTMENTS))
    assert [e.values["provider"] for e in parsed.entries] == [DEPT_ID["市公安局"]] * 2


def test_items_may_link_to_their_entry_by_resource_code(template, tmp_path):
    row = dict(PERSON_ROW, 行号=None, 信息资源代码="101001/000007")
    items = [{"信息资源代码": "101001/000007", "信息项名称*": "姓名", "数据类型*": "字符型"}]
    parsed = read(fill(template, tmp_path / "f.xlsx", [row], items))
    assert parsed.problems == []
    assert parsed.entries[0].resource_code == "101001/000007"
    assert [i["name"] for i in parsed.entries[0].data_items] == ["姓名"]


def test_headers_are_tolerated_with_spaces_full_width_and_no_star(template, tmp_path):
    wb = load(template)
    ws = wb["信息资源"]
    renamed = {"信息资源名称*": " 信息资源名称 ", "信息资源格式类型*": "信息资源格式类型＊", "共享类型*": "共享\n类型",
               "数据量（条）": "数据量(条)"}
    for cell in ws[1]:
        cell.value = renamed.get(cell.value, cell.value)
    wb.save(tmp_path / "renamed.xlsx")
    wb = load(tmp_path / "renamed.xlsx")
    put(wb["信息资源"], 2, {" 信息资源名称 ": "名称", "共享\n类型": "无条件共享", "数据量(条)": 12.0})
    wb.save(tmp_path / "renamed.xlsx")
    parsed = read(tmp_path / "renamed.xlsx")
    assert [p for p in parsed.problems] == []
    values = parsed.entries[0].values
    assert (values["name"], values["sharing_type"], values["record_count"]) == ("名称", "unconditional", 12)


def test_text_fields_get_numbers_back_as_the_person_typed_them(template, tmp_path):
    row = dict(PERSON_ROW, 联系电话=87654321.0, 提供方内部部门=12.5)
    row["信息资源名称*"] = 2024
    parsed = read(fill(template, tmp_path / "f.xlsx", [row], PERSON_ITEMS))
    values = parsed.entries[0].values
    assert (values["contact_phone"], values["provider_unit"], values["name"]) == ("87654321", "12.5", "2024")


def test_dates_from_excel_dates_or_text(tmp_path):
    schema = extended_schema(tmp_path, {"key": "data_updated", "label": "数据更新日期", "label_en": "Data updated",
                                        "section": "release", "type": "date"})
    template = write_template(tmp_path / "t.xlsx", categories=CATEGORIES, departments=DEPARTMENTS, schema=schema)
    rows = [dict(PERSON_ROW, 行号=n, 数据更新日期=value) for n, value in enumerate(
        [dt.datetime(2024, 3, 1), dt.date(2024, 3, 1), "2024-03-01", "2024/3/1", "2024年3月1日", None], start=1)]
    items = [dict(PERSON_ITEMS[0], 行号=n) for n in range(1, 7)]
    parsed = read(fill(template, tmp_path / "f.xlsx", rows, items), schema=schema)
    assert parsed.problems == []
    assert [e.values["data_updated"] for e in parsed.entries] == ["2024-03-01"] * 5 + [None]
    cleaned = validate_entry(parsed.entries[0].values, schema=schema)[0]
    assert cleaned["data_updated"] == "2024-03-01"


def test_validation_problems_map_back_to_their_cells(template, tmp_path):
    row = dict(PERSON_ROW, 共享条件=None)                # conditional sharing without its conditions
    items = [dict(PERSON_ITEMS[0], 数据长度="abc"), dict(PERSON_ITEMS[1], **{"信息项名称*": None})]
    parsed = read(fill(template, tmp_path / "f.xlsx", [row], items))
    assert parsed.problems == []
    entry = parsed.entries[0]
    _clean, found = validate_entry(entry.values)
    cells = {(p.sheet, f"{p.column}{p.row}"): p for p in problems_for(entry, found)}
    assert set(cells) == {("信息资源", "P2"), ("信息项", "E2"), ("信息项", "C3")}
    assert cells[("信息资源", "P2")].header == "共享条件"
    assert "「共享条件」为必填项" in cells[("信息资源", "P2")].message
    assert cells[("信息项", "E2")].value == "abc" and "“abc”无效" in cells[("信息项", "E2")].message
    assert "「信息项名称」为必填项" in cells[("信息项", "C3")].message
    assert str(cells[("信息项", "C3")]).startswith("工作表「信息项」第 3 行 C 列（信息项名称*）：")
    _cleans, everything = validate_workbook(parsed)
    assert messages(everything) == messages(problems_for(entry, found))
    assert at(everything, "信息资源", "P2")


def test_a_national_sheet_without_row_keys_groups_rows_that_repeat_the_entry(tmp_path):
    """The national one-sheet templates have no 行号: consecutive rows repeating the entry's cells (or leaving
    them blank, as under merged cells) are one entry."""
    import openpyxl
    columns = ["信息资源分类", "信息资源名称", "信息资源提供方", "信息资源摘要", "信息资源格式分类", "信息资源格式类型",
               "共享类型", "共享条件", "共享方式分类", "共享方式类型", "是否向社会开放", "更新周期", "信息项名称", "数据类型"]
    person = ["101001", "户籍人口基本信息", "市公安局", "摘要", "数据库", "oracle", "有条件共享", "依法履职", "共享平台方式",
              "接口", "否", "实时"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["政务信息资源目录（国家模板）"])                       # a title row above the headers
    ws.append(columns)
    ws.append(person + ["姓名", "字符型"])
    ws.append(person + ["性别", "字符型"])
    ws.append([None] * 12 + ["民族", "字符型"])
    ws.append(["101002"] + person[1:] + ["户号", "字符型"])            # another category: another entry
    wb.save(tmp_path / "national.xlsx")
    parsed = read(tmp_path / "national.xlsx")
    assert parsed.problems == [] and parsed.layout == "one_sheet"
    assert [(e.row, e.item_rows) for e in parsed.entries] == [(3, [3, 4, 5]), (6, [6])]
    assert [i["name"] for i in parsed.entries[0].data_items] == ["姓名", "性别", "民族"]
    assert clean(parsed.entries[0].values)["data_items"][2]["data_type"] == "C"
