"""The annotated copy: light red fill and a comment on exactly the bad cells, and a 「错误报告」 sheet."""
import pytest

from importers import CellProblem, annotate, validate_workbook, write_entries, write_template
from tests.importers.helpers import CATEGORIES, DEPARTMENTS, load, person_db, read, rewrite_member
from tests.importers.test_roundtrip import PERSON_ITEMS, PERSON_ROW, fill

RED = "00FFC7CE"


def red_cells(wb) -> dict[tuple[str, str], str]:
    """(sheet, coordinate) → comment text of every light-red cell."""
    return {(ws.title, cell.coordinate): cell.comment.text if cell.comment else None
            for ws in wb.worksheets for row in ws.iter_rows() for cell in row
            if cell.fill is not None and cell.fill.fgColor is not None and cell.fill.fgColor.rgb == RED}


@pytest.fixture
def bad_file(tmp_path):
    template = write_template(tmp_path / "template.xlsx", categories=CATEGORIES, departments=DEPARTMENTS)
    rows = [dict(PERSON_ROW, **{"共享类型*": "部分共享", "信息资源名称*": None}),
            dict(PERSON_ROW, 行号=2, 共享条件=None, **{"数据量（条）": "=1+1"})]
    items = [dict(PERSON_ITEMS[0], 数据长度="abc"), dict(PERSON_ITEMS[1], 行号=9),
             dict(PERSON_ITEMS[0], 行号=2, **{"数据类型*": "文本"})]
    return fill(template, tmp_path / "bad.xlsx", rows, items)


def test_exactly_the_bad_cells_are_red_with_their_messages(bad_file, tmp_path):
    parsed = read(bad_file)
    _cleans, problems = validate_workbook(parsed)
    expected = {("信息资源", "O2"), ("信息资源", "D2"), ("信息资源", "P3"), ("信息资源", "M3"),
                ("信息项", "E2"), ("信息项", "A3"), ("信息项", "D4")}
    assert {(p.sheet, f"{p.column}{p.row}") for p in problems} == expected
    target = annotate(bad_file, problems, tmp_path / "annotated.xlsx")
    wb = load(target)
    marked = red_cells(wb)
    assert set(marked) == expected
    for problem in problems:
        assert marked[(problem.sheet, f"{problem.column}{problem.row}")] == problem.message
    # the rest of the workbook survives: values, headers, dropdowns, hidden lists
    assert wb["信息资源"]["C2"].value == "101001" and wb["信息资源"]["C2"].fill.fgColor.rgb != RED
    assert wb["信息资源"].data_validations.dataValidation
    assert wb["代码表"].sheet_state == "hidden"


def test_the_error_report_lists_every_problem(bad_file, tmp_path):
    parsed = read(bad_file)
    _cleans, problems = validate_workbook(parsed)
    wb = load(annotate(bad_file, problems, tmp_path / "annotated.xlsx"))
    assert wb.sheetnames[0] == "错误报告" and wb.active.title == "错误报告"
    rows = list(wb["错误报告"].iter_rows(values_only=True))
    assert rows[0] == ("序号", "工作表", "行", "列", "列标题", "单元格内容", "问题说明")
    assert [r[1:5] + (r[6],) for r in rows[1:]] == [
        (p.sheet, p.row, p.column, p.header, p.message) for p in problems]
    assert ("信息资源", 2, "O", "共享类型*", "部分共享") == next(r[1:6] for r in rows if r[3] == "O")


def test_several_problems_of_one_cell_share_its_comment(bad_file, tmp_path):
    problems = [CellProblem("信息资源", 2, "D", "信息资源名称*", None, "第一个问题", "one"),
                CellProblem("信息资源", 2, "D", "信息资源名称*", None, "第二个问题", "two"),
                CellProblem("信息资源", None, "", "", None, "缺少必填列「X」", "missing")]
    wb = load(annotate(bad_file, problems, tmp_path / "a.xlsx"))
    assert red_cells(wb) == {("信息资源", "D2"): "1. 第一个问题\n2. 第二个问题"}
    assert wb["错误报告"].max_row == 4


def test_a_problem_in_a_merged_cell_marks_its_top_left_cell(tmp_path):
    """National templates merge the entry columns over the data-item rows: the rows under the merge continue
    the entry, and a problem there is shown on the merged range's first cell."""
    path = write_entries(tmp_path / "n.xlsx", [person_db()], categories=CATEGORIES, departments=DEPARTMENTS,
                         one_sheet=True)
    wb = load(path)
    ws = wb["信息资源目录"]
    for column in range(1, 32):                          # the key and entry columns, merged over rows 2-4
        ws.merge_cells(start_row=2, start_column=column, end_row=4, end_column=column)
    wb.save(path)
    parsed = read(path)
    assert parsed.problems == [] and len(parsed.entries) == 1 and parsed.entries[0].item_rows == [2, 3, 4]
    problem = CellProblem("信息资源目录", 3, "D", "信息资源名称*", None, "合并单元格中的问题", "merged")
    marked = red_cells(load(annotate(path, [problem], tmp_path / "a.xlsx")))
    assert marked == {("信息资源目录", "D2"): "合并单元格中的问题"}


def test_a_file_openpyxl_cannot_open_gets_a_report_only(tmp_path):
    entries = [person_db(name="户籍XYZ人口")]
    path = write_entries(tmp_path / "e.xlsx", entries, categories=CATEGORIES, departments=DEPARTMENTS)
    rewrite_member(path, tmp_path / "bad.xlsx", "xl/worksheets/sheet2.xml", lambda d: d.replace(b"XYZ", b"&#0;"))
    parsed = read(tmp_path / "bad.xlsx")
    wb = load(annotate(tmp_path / "bad.xlsx", parsed.problems, tmp_path / "a.xlsx"))
    assert wb.sheetnames == ["错误报告"]
    assert wb["错误报告"]["G2"].value.startswith("工作表「信息资源」第 2 行 D 列含有 XML 不允许的字符")


def test_values_with_characters_xlsx_cannot_store_are_reported_safely(bad_file, tmp_path):
    problems = [CellProblem("信息资源", 2, "D", "信息资源名称*", "坏\x00值\ud800" + "长" * 500, "含控制字符\x01", "x")]
    wb = load(annotate(bad_file, problems, tmp_path / "a.xlsx"))
    value = wb["错误报告"]["F2"].value
    assert value.startswith("坏\ufffd值\ufffd长") and value.endswith("…（共 504 个字符）")
    assert wb["错误报告"]["G2"].value == "含控制字符\ufffd"
