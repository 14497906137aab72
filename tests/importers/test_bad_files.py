"""A corpus of bad files, each refused (or flagged) with its precise Chinese message."""
import os
import zipfile

import openpyxl
import pytest

from importers import Limits, WorkbookRejected, check_file, write_entries, write_template
from importers.reader import FORMULA_MESSAGE
from tests.importers.helpers import (
    CATEGORIES, DEPARTMENTS, at, load, messages, person_db, put, read, rewrite_member,
)
from tests.importers.test_roundtrip import PERSON_ITEMS, PERSON_ROW, fill

MB = 1024 * 1024


@pytest.fixture
def template(tmp_path):
    return write_template(tmp_path / "template.xlsx", categories=CATEGORIES, departments=DEPARTMENTS)


def rejected(path, limits=None) -> WorkbookRejected:
    with pytest.raises(WorkbookRejected) as info:
        read(path, limits=limits)
    return info.value


# ---- files that are not (acceptable) workbooks -----------------------------------------------------------

def test_ten_megabytes_of_junk(tmp_path):
    path = tmp_path / "junk.xlsx"
    with open(path, "wb") as f:
        for _ in range(10):
            f.write(os.urandom(MB))
    assert rejected(path).message == "文件不是有效的 .xlsx 工作簿，请选择用 Excel 或 WPS 保存的 .xlsx 文件"


def test_an_old_xls_renamed_xlsx(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(4096))
    message = rejected(path).message
    assert "旧版 Excel 97-2003 工作簿（.xls 格式" in message and "另存为” Excel 工作簿（*.xlsx）" in message


def test_a_password_protected_workbook(tmp_path):
    path = tmp_path / "secret.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptedPackage".encode("utf-16-le"))
    assert "设置了打开密码" in rejected(path).message


def test_a_csv_renamed_xlsx(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_text("行号,信息资源名称*,共享类型*\n1,户籍人口基本信息,有条件共享\n", encoding="utf-8")
    message = rejected(path).message
    assert message.startswith("文件是文本文件（如 CSV）而不是 .xlsx 工作簿：请在 Excel 或 WPS 中打开，“另存为”")


def test_a_gbk_csv_renamed_xlsx(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_bytes("行号,信息资源名称\n1,户籍人口基本信息\n".encode("gbk"))
    assert rejected(path).message.startswith("文件是文本文件（如 CSV）")


def test_an_html_table_saved_as_xls(tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_text("<html><body><table><tr><td>信息资源</td></tr></table></body></html>", encoding="utf-8")
    assert rejected(path).message.startswith("文件是网页（HTML/XML）格式")


def test_an_empty_file(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert rejected(path).message.startswith("文件为空")


def test_a_file_over_the_size_limit(tmp_path, template):
    message = rejected(template, Limits(max_bytes=1000)).message
    assert "超过上限 0.000953674 MB" in message or "超过上限" in message
    assert message.startswith("文件大小")


def test_a_zip_without_a_workbook(tmp_path):
    path = tmp_path / "doc.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    assert rejected(path).message == ("文件不是有效的 .xlsx 工作簿：压缩包中没有 Excel 工作簿（可能是 Word 文档或其他压缩包）")


def test_an_ods_spreadsheet(tmp_path):
    path = tmp_path / "calc.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    assert rejected(path).message.startswith("文件是 OpenDocument 表格（.ods）")


def test_a_zip_bomb_over_the_uncompressed_limit(tmp_path, template):
    """300 MB of zeros in one member, written streaming: the ZIP is ~300 KB, its declared size 300 MB."""
    path = tmp_path / "bomb.xlsx"
    chunk = b"\0" * MB
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        with dst.open("xl/media/padding.bin", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(chunk)
    assert path.stat().st_size < 2 * MB
    message = rejected(path).message
    assert message.startswith("文件解压后共 300 MB，超过上限 200 MB（疑似“压缩炸弹”）")


def test_a_member_compressed_more_than_a_hundred_times(tmp_path, template):
    path = tmp_path / "ratio.xlsx"
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("xl/media/zeros.bin", b"\0" * (20 * MB))
    message = rejected(path).message
    assert "压缩包中的“xl/media/zeros.bin”压缩比达" in message and "超过上限 100 倍（疑似“压缩炸弹”）" in message


def test_a_sheet_with_300_columns(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "信息资源"
    ws.append([f"列{i}" for i in range(300)])
    wb.save(tmp_path / "wide.xlsx")
    assert rejected(tmp_path / "wide.xlsx").message == "工作表「信息资源」有 300 列，超过上限 200 列，请删除多余的列后再导入"


def test_too_many_rows(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "信息资源"
    for i in range(31):
        wb.active.append([i, f"资源{i}"])
    wb.save(tmp_path / "long.xlsx")
    path = tmp_path / "long.xlsx"
    assert check_file(path).sheets["信息资源"] == (31, 2)
    assert rejected(path, Limits(max_rows=20)).message == "工作表「信息资源」有 31 行，超过上限 20 行，请分成多个文件导入"


def test_too_many_rows_without_a_dimension_record(tmp_path):
    """openpyxl's streaming writer records no <dimension>: the reader counts rows while streaming."""
    entries = [person_db(name=f"资源{i}", data_items=[]) for i in range(30)]
    path = write_entries(tmp_path / "long.xlsx", entries, categories=CATEGORIES, departments=DEPARTMENTS)
    assert check_file(path).sheets.get("信息资源") is None
    assert rejected(path, Limits(max_rows=20)).message == "工作表「信息资源」有 21 行，超过上限 20 行，请分成多个文件导入"


def test_a_false_dimension_record_hides_no_rows(tmp_path):
    entries = [person_db(name=f"资源{i}") for i in range(5)]
    path = write_entries(tmp_path / "e.xlsx", entries, categories=CATEGORIES, departments=DEPARTMENTS)
    rewrite_member(path, tmp_path / "false.xlsx", "xl/worksheets/sheet2.xml",
                   lambda data: data.replace(b"<sheetViews>", b'<dimension ref="A1:B2"/><sheetViews>', 1))
    assert check_file(tmp_path / "false.xlsx").sheets["信息资源"] == (2, 2)
    parsed = read(tmp_path / "false.xlsx")
    assert parsed.problems == [] and [e.values["name"] for e in parsed.entries] == [f"资源{i}" for i in range(5)]


def test_macros_are_ignored_not_run(tmp_path):
    """An .xlsm: VBA is never executed (openpyxl does not even load it) and the annotated copy drops it."""
    path = write_entries(tmp_path / "e.xlsx", [person_db()], categories=CATEGORIES, departments=DEPARTMENTS)
    macro = tmp_path / "macro.xlsm"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(macro, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 Sub Workbook_Open(): Shell \"calc\": End Sub")
    parsed = read(macro)
    assert parsed.problems == [] and parsed.has_macros and len(parsed.entries) == 1
    from importers import annotate
    annotated = annotate(macro, [], tmp_path / "annotated.xlsx")
    with zipfile.ZipFile(annotated) as archive:
        assert "xl/vbaProject.bin" not in archive.namelist()


# ---- workbooks with bad cells ---------------------------------------------------------------------------

def test_unknown_and_missing_headers(template, tmp_path):
    wb = load(template)
    ws = wb["信息资源"]
    for cell in ws[1]:
        if cell.value == "信息资源名称*":
            cell.value = "信息资源明称"
        elif cell.value == "共享类型*":
            cell.value = None
    ws.cell(1, ws.max_column + 1, "备注")
    put(ws, 2, {"行号": 1})
    wb.save(tmp_path / "headers.xlsx")
    problems = read(tmp_path / "headers.xlsx").problems
    assert messages(at(problems, "信息资源", "D1")) == ["无法识别的列标题「信息资源明称」，是否应为「信息资源名称*」？（请使用系统下载的导入模板）"]
    unknown = [p for p in problems if p.value == "备注"][0]
    assert unknown.message.startswith("无法识别的列标题「备注」。本表的列标题应为：行号、信息资源代码、信息资源分类*")
    missing = [p.message for p in problems if p.column == ""]
    assert "缺少必填列「信息资源名称*」，请在第 1 行添加该列标题" in missing
    assert "缺少必填列「共享类型*」，请在第 1 行添加该列标题" in missing


def test_a_workbook_without_an_entries_sheet(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["甲", "乙"])
    wb.save(tmp_path / "other.xlsx")
    assert messages(read(tmp_path / "other.xlsx").problems) == [
        "未找到信息资源数据：工作簿中应有「信息资源」工作表，首行为列标题（请使用系统下载的导入模板）"]


def test_unknown_vocabulary_labels_departments_and_categories(template, tmp_path):
    row = dict(PERSON_ROW, **{"共享类型*": "部分共享", "信息资源提供方*": "市外星局", "信息资源分类*": "999999",
                              "是否向社会开放*": "也许", "涉及敏感信息": "个人隐私；绝密"})
    items = [dict(PERSON_ITEMS[0], **{"数据类型*": "文本"})]
    parsed = read(fill(template, tmp_path / "f.xlsx", [row], items))
    found = {(p.sheet, f"{p.column}{p.row}"): p.message for p in parsed.problems}
    assert found == {
        ("信息资源", "C2"): "「信息资源分类」“999999”不在分类代码表中，请填写分类代码（见「分类代码」工作表）",
        ("信息资源", "E2"): "「信息资源提供方」“市外星局”不是已登记的部门，请填写部门全称、代码、简称或别名（见「部门」工作表）",
        ("信息资源", "O2"): "「共享类型」的取值“部分共享”不在代码表中，可选：无条件共享、有条件共享、不予共享",
        ("信息资源", "T2"): "「涉及敏感信息」的取值“绝密”不在代码表中，可选：国家秘密、工作秘密、商业秘密、个人隐私",
        ("信息资源", "Z2"): "「是否向社会开放」须填“是”或“否”，不能为“也许”",
        ("信息项", "D2"): "「数据类型」的取值“文本”不在代码表中，可选：字符型、数值型、货币型、日期型、日期时间型、逻辑型、备注型、"
                         "通用型、双精度型、整型、浮点型",
    }
    entry = parsed.entries[0]
    assert entry.failed == {"category_code", "provider", "sharing_type", "sensitivity", "open_to_public",
                            "data_items[0].data_type"}
    # validate_entry's own “required” messages for these fields are not repeated
    from importers import validate_workbook
    _cleans, everything = validate_workbook(parsed)
    assert sorted(messages(everything)) == sorted(found.values())


def test_missing_required_cells(template, tmp_path):
    row = dict(PERSON_ROW, **{"信息资源名称*": None, "更新周期*": None})
    items = [dict(PERSON_ITEMS[0], **{"信息项名称*": None})]
    parsed = read(fill(template, tmp_path / "f.xlsx", [row], items))
    from importers import validate_workbook
    _cleans, problems = validate_workbook(parsed)
    assert {(p.sheet, f"{p.column}{p.row}", p.message) for p in problems} == {
        ("信息资源", "D2", "「信息资源名称」为必填项"),
        ("信息资源", "AB2", "「更新周期」为必填项"),
        ("信息项", "C2", "信息项第1行「信息项名称」为必填项"),
    }


def test_duplicate_row_keys_and_resource_codes_within_the_file(template, tmp_path):
    rows = [dict(PERSON_ROW, 行号=1, 信息资源代码="101001/000001"),
            dict(PERSON_ROW, 行号=2, 信息资源代码="101001/000001"),
            dict(PERSON_ROW, 行号=1)]
    parsed = read(fill(template, tmp_path / "f.xlsx", rows, PERSON_ITEMS))
    assert {(f"{p.column}{p.row}", p.message) for p in parsed.problems} == {
        ("B3", "「信息资源代码」“101001/000001”与第 2 行重复：同一文件中每条信息资源的信息资源代码须唯一"),
        ("A4", "「行号」“1”与第 2 行重复：同一文件中每条信息资源的行号须唯一"),
    }


def test_data_item_rows_that_match_no_entry_row(template, tmp_path):
    items = [dict(PERSON_ITEMS[0], 行号=7),
             {"信息资源代码": "101001/000099", "信息项名称*": "姓名", "数据类型*": "字符型"},
             {"信息项名称*": "性别", "数据类型*": "字符型"}]
    parsed = read(fill(template, tmp_path / "f.xlsx", [PERSON_ROW], items))
    assert {(p.sheet, f"{p.column}{p.row}", p.message) for p in parsed.problems} == {
        ("信息项", "A2", "「行号」“7”在「信息资源」工作表中不存在，无法确定该信息项属于哪条信息资源"),
        ("信息项", "B3", "「信息资源代码」“101001/000099”在「信息资源」工作表中不存在，无法确定该信息项属于哪条信息资源"),
        ("信息项", "A4", "请填写「行号」或「信息资源代码」，指明该信息项所属的信息资源"),
    }


def test_wrong_dates(tmp_path):
    from tests.importers.helpers import extended_schema
    schema = extended_schema(tmp_path, {"key": "data_updated", "label": "数据更新日期", "label_en": "Data updated",
                                        "section": "release", "type": "date"})
    template = write_template(tmp_path / "t.xlsx", categories=CATEGORIES, departments=DEPARTMENTS, schema=schema)
    rows = [dict(PERSON_ROW, 行号=n, 数据更新日期=v) for n, v in enumerate(["2024-02-30", "明天", 42.5, "2024-13-01"], 1)]
    parsed = read(fill(template, tmp_path / "f.xlsx", rows, []), schema=schema)
    column = next(p.column for p in parsed.problems)
    assert [(f"{p.column}{p.row}", p.message) for p in parsed.problems] == [
        (f"{column}{row}", f"「数据更新日期」“{shown}”不是有效日期，请按 YYYY-MM-DD 填写，如 2024-03-01")
        for row, shown in ((2, "2024-02-30"), (3, "明天"), (4, "42.5"), (5, "2024-13-01"))]


def test_a_formula_cell_is_refused(template, tmp_path):
    row = dict(PERSON_ROW, **{"信息资源名称*": '="户籍"&"人口"', "数据量（条）": "=SUM(1,2)"})
    items = [dict(PERSON_ITEMS[0], 行号="=ROW()-1")]
    parsed = read(fill(template, tmp_path / "f.xlsx", [row], items))
    found = {(p.sheet, f"{p.column}{p.row}"): p.message for p in parsed.problems}
    assert found == {("信息资源", "D2"): FORMULA_MESSAGE, ("信息资源", "M2"): FORMULA_MESSAGE,
                     ("信息项", "A2"): FORMULA_MESSAGE}
    assert FORMULA_MESSAGE == "单元格含公式，请改为数值后再导入"
    assert parsed.entries[0].values["name"] is None and "name" in parsed.entries[0].failed


def test_one_sheet_rows_of_one_entry_that_disagree(tmp_path):
    path = write_entries(tmp_path / "n.xlsx", [person_db()], categories=CATEGORIES, departments=DEPARTMENTS,
                         one_sheet=True)
    wb = load(path)
    ws = wb["信息资源目录"]
    put(ws, 3, {"信息资源名称*": "户籍人口信息", "共享类型*": "有条件共享"})   # row 3 restates the type: fine
    put(ws, 4, {"信息资源名称*": None, "信息资源摘要*": None})             # blank: inherits
    wb.save(path)
    parsed = read(path)
    assert len(parsed.entries) == 1 and parsed.entries[0].item_rows == [2, 3, 4]
    assert [(f"{p.column}{p.row}", p.message) for p in parsed.problems] == [
        ("D3", "第 3 行与第 2 行属于同一信息资源（行号“1”），但「信息资源名称」不同（第 2 行为“户籍人口基本信息”，"
               "第 3 行为“户籍人口信息”）：同一信息资源的各行须填写相同的资源信息")]


def test_excel_error_values_control_characters_and_overlong_cells(template, tmp_path):
    row = dict(PERSON_ROW, **{"信息资源名称*": "#N/A", "提供方内部部门": "LONGTEXT"})
    items = [dict(PERSON_ITEMS[0], 说明="#DIV/0!")]
    path = fill(template, tmp_path / "f.xlsx", [row], items)
    # openpyxl cuts what it writes at 32,767 characters; another writer may not
    rewrite_member(path, tmp_path / "long.xlsx", "xl/worksheets/sheet2.xml",
                   lambda data: data.replace(b"LONGTEXT", ("处室" * 20_000).encode()))
    parsed = read(tmp_path / "long.xlsx")
    found = {(p.sheet, f"{p.column}{p.row}"): p.message for p in parsed.problems}
    assert found == {
        ("信息资源", "D2"): "单元格为错误值“#N/A”，请改为有效内容后再导入",
        ("信息资源", "F2"): "「提供方内部部门」有 40000 个字符，超过 Excel 单元格上限 32767 个字符，请精简",
        ("信息项", "G2"): "单元格为错误值“#DIV/0!”，请改为有效内容后再导入",
    }


def test_characters_xml_cannot_carry_give_a_problem_at_the_cell_not_a_crash(tmp_path):
    """A NUL or a lone surrogate (as a character reference) makes the sheet's XML invalid."""
    entries = [person_db(name="第一条"), person_db(name="户籍XYZ人口"), person_db(name="第三条")]
    path = write_entries(tmp_path / "e.xlsx", entries, categories=CATEGORIES, departments=DEPARTMENTS)
    for name, bad in (("nul", b"&#0;"), ("surrogate", b"&#xD800;")):
        target = tmp_path / f"{name}.xlsx"
        rewrite_member(path, target, "xl/worksheets/sheet2.xml", lambda data: data.replace(b"XYZ", bad))
        parsed = read(target)
        assert parsed.entries == []
        assert [(p.sheet, p.row, p.column) for p in parsed.problems] == [("信息资源", 3, "D")]
        assert parsed.problems[0].message.startswith(
            "工作表「信息资源」第 3 行 D 列含有 XML 不允许的字符（如 \\x00、孤立的代理字符）或文件已损坏，整个工作表无法读取")


def test_characters_xml_cannot_carry_in_the_shared_strings(tmp_path):
    import xlsxwriter
    path = tmp_path / "x.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("信息资源")
    sheet.write_row(0, 0, ["行号", "信息资源名称*"])
    sheet.write_row(1, 0, [1, "户籍XYZ人口"])
    book.close()
    rewrite_member(path, tmp_path / "bad.xlsx", "xl/sharedStrings.xml", lambda data: data.replace(b"XYZ", b"&#0;"))
    assert rejected(tmp_path / "bad.xlsx").message.startswith("工作簿中的文本含有 XML 不允许的字符（如 \\x00 或孤立的代理字符）")
