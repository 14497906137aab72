"""Files written by other programs read correctly, Chinese intact: openpyxl, XlsxWriter, LibreOffice."""
import datetime as dt

import pytest
import xlsxwriter

from importers import annotate, validate_workbook
from importers.reader import FORMULA_MESSAGE
from tests.importers.helpers import (
    DEPT_ID, at, clean, extended_schema, load, messages, person_db, read, sample_entries,
)


def test_libreoffice_csv_conversion_in_the_one_sheet_layout(libreoffice_files):
    parsed = read(libreoffice_files["csv"])
    assert parsed.problems == [] and parsed.layout == "one_sheet"
    person, guide = parsed.entries
    assert person.values["summary"] == "本市户籍人口的基本信息，含“姓名”等；来源：户籍登记。"
    assert person.values["provider"] == DEPT_ID["市公安局"]           # “006” became the number 6: still found
    assert person.values["record_count"] == 12000
    assert person.values["contact_phone"] == "028-12345678"
    assert [i["length"] for i in person.data_items] == ["50", "12,2"]
    assert clean(person.values)["data_items"][0] == {
        "name": "姓名", "data_type": "C", "length": "50", "name_en": None, "description": None,
        "sharing_type": "unconditional", "basic_item": True}
    assert clean(guide.values) == clean({
        "category_code": "201001", "name": "政务服务事项办事指南", "provider": DEPT_ID["市政务服务数据管理局"],
        "summary": "办事指南：条件、材料、流程。", "format_category": "electronic_file", "format_type": "pdf",
        "sharing_type": "unconditional", "sharing_method_category": "mail_or_media", "open_to_public": False,
        "update_cycle": "monthly"})
    assert guide.data_items == [] and guide.item_rows == []


def test_a_template_resaved_by_libreoffice(libreoffice_files):
    parsed = read(libreoffice_files["template"])
    assert parsed.problems == [] and parsed.layout == "two_sheets"
    assert [clean(e.values) for e in parsed.entries] == [clean(person_db())]


def test_annotating_libreoffice_files(libreoffice_files, tmp_path):
    parsed = read(libreoffice_files["csv"])
    problem = parsed.entries[0].source("name")
    _cleans, problems = validate_workbook(parsed)
    assert problems == []
    from importers import CellProblem
    bad = [CellProblem.at(problem, "户籍人口基本信息", "测试：名称有误", "test")]
    target = annotate(libreoffice_files["csv"], bad, tmp_path / "annotated.xlsx")
    ws = load(target)[problem.sheet]
    assert ws[problem.coordinate].comment.text == "测试：名称有误"
    assert ws[problem.coordinate].value == "户籍人口基本信息"


@pytest.fixture
def xlsxwriter_file(tmp_path):
    """A two-sheet workbook as another system would write it with XlsxWriter: numbers, booleans, dates,
    a literal text that starts with “=”, a formula, headers without the “*”."""
    schema = extended_schema(tmp_path, {"key": "data_updated", "label": "数据更新日期", "label_en": "Data updated",
                                        "section": "release", "type": "date"})
    path = tmp_path / "xlsxwriter.xlsx"
    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    entries = book.add_worksheet("信息资源")
    entries.write_row(0, 0, ["行号", "信息资源分类", "信息资源名称", "信息资源提供方", "信息资源摘要", "信息资源格式分类",
                             "信息资源格式类型", "共享类型", "不予共享依据", "涉及敏感信息", "所在网络", "是否涉密",
                             "是否向社会开放", "更新周期", "数据量（条）", "数据更新日期"])
    entries.write_row(1, 0, [1, "101002", "涉密户籍统计台账", "市公安局", "户籍统计台账（涉密）。", "电子表格", "xlsx",
                             "不予共享", "《中华人民共和国保守国家秘密法》第二十八条", "国家秘密；工作秘密", "电子政务内网"])
    entries.write_boolean(1, 11, True)
    entries.write_string(1, 12, "否")
    entries.write_string(1, 13, "每年")
    entries.write_number(1, 14, 0)
    entries.write_datetime(1, 15, dt.datetime(2024, 3, 1), date_format)
    entries.write_row(2, 0, [2, "101001", None, "006", "摘要", "电子文件", "pdf", "无条件共享",
                             "", "", "电子政务外网", "否", "否", "每日"])
    entries.write_string(2, 2, "=户籍人口（以等号开头的文本）")
    entries.write_formula(2, 14, "=1+2", None, 3)
    entries.write_number(2, 15, 45352)                  # an Excel serial day number without a date format
    items = book.add_worksheet("信息项")
    items.write_row(0, 0, ["行号", "信息项名称", "数据类型", "数据长度", "英文名称", "说明", "信息项共享类型"])
    items.write_row(1, 0, [1, "统计年度", "数值型", 4, "year"])
    items.write_row(2, 0, [1, "户籍人口数", "N", "12,2", None, "万人，保留两位小数", "不予共享"])
    book.close()
    return path, schema


def test_an_xlsxwriter_workbook(xlsxwriter_file):
    path, schema = xlsxwriter_file
    parsed = read(path, schema=schema)
    assert [(f"{p.column}{p.row}", p.message) for p in parsed.problems] == [("O3", FORMULA_MESSAGE)]
    secret, literal = parsed.entries
    expected = sample_entries()[2] | {"data_updated": "2024-03-01"}
    assert clean(secret.values, schema) == clean(expected, schema)
    assert literal.values["name"] == "=户籍人口（以等号开头的文本）"     # text, not a formula: kept
    assert literal.values["data_updated"] == "2024-03-01"
    assert literal.values["record_count"] is None and "record_count" in literal.failed


def test_annotating_an_xlsxwriter_workbook(xlsxwriter_file, tmp_path):
    path, schema = xlsxwriter_file
    parsed = read(path, schema=schema)
    _cleans, problems = validate_workbook(parsed, schema=schema)
    target = annotate(path, problems, tmp_path / "annotated.xlsx")
    wb = load(target)
    assert wb.sheetnames[0] == "错误报告"
    cell = wb["信息资源"]["O3"]
    assert cell.fill.fgColor.rgb == "00FFC7CE" and cell.comment.text == FORMULA_MESSAGE
    assert messages(at(problems, "信息资源", "O3")) == [FORMULA_MESSAGE]
