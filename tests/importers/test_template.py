"""The template: sheets, marked required headers, widths, frozen panes, dropdowns and the instructions."""
import pytest
from openpyxl.utils import get_column_letter

from catalog_schema import get_schema
from importers import get_layout, write_template
from importers.layout import CODE_KEY, ROW_KEY
from tests.importers.helpers import CATEGORIES, DEPARTMENTS, load, person_db, read

RED = "00C00000"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "模板.xlsx"
    write_template(path, categories=CATEGORIES, departments=DEPARTMENTS, example=person_db())
    return path


@pytest.fixture(scope="module")
def wb(template):
    return load(template)


def test_sheets_and_their_visibility(wb):
    assert wb.sheetnames == ["填写说明", "信息资源", "信息项", "代码表", "分类代码", "部门"]
    states = {ws.title: ws.sheet_state for ws in wb.worksheets}
    assert states["代码表"] == states["部门"] == "hidden"
    assert states["分类代码"] == "visible"
    assert all(wb[name].protection.sheet for name in ("代码表", "分类代码", "部门"))
    assert wb.active.title == "信息资源"


def test_headers_mark_required_columns_and_carry_notes(wb):
    ws = wb["信息资源"]
    layout = get_layout()
    assert [c.value for c in ws[1]] == [c.header for c in layout.entry_columns]
    for cell, column in zip(ws[1], layout.entry_columns):
        assert cell.font.b
        if column.required:
            assert cell.font.color.rgb == RED and cell.value.endswith("*")
            assert cell.comment.text.startswith("必填")
        else:
            assert cell.font.color is None or cell.font.color.rgb != RED
    assert [c.value for c in wb["信息项"][1]] == [c.header for c in layout.item_columns]


def test_widths_frozen_panes_and_text_format(wb):
    for name in ("信息资源", "信息项"):
        ws = wb[name]
        assert ws.freeze_panes == "C2"
        assert all(ws.column_dimensions[letter].width >= 10 for letter in "ABCDEF")
    ws = wb["信息资源"]
    assert ws.column_dimensions["A"].number_format == "@"        # 行号
    summary = get_layout().entry_columns.index(next(c for c in get_layout().entry_columns if c.key == "summary"))
    assert ws.column_dimensions[get_column_letter(summary + 1)].width == 48


def _validations(ws) -> dict[str, object]:
    """Column letter → its data validation."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[rng.coord.split(":")[0].rstrip("0123456789")] = dv
    return out


def test_every_vocabulary_and_bool_column_has_a_dropdown_on_the_hidden_code_sheet(wb):
    schema = get_schema()
    codes = wb["代码表"]
    lists = {codes.cell(1, col).value: [codes.cell(r, col).value for r in range(2, codes.max_row + 1)
                                         if codes.cell(r, col).value is not None]
             for col in range(1, codes.max_column + 1)}
    for sheet, columns in (("信息资源", get_layout().entry_columns), ("信息项", get_layout().item_columns)):
        validations = _validations(wb[sheet])
        for index, column in enumerate(columns, start=1):
            dv = validations[get_column_letter(index)]
            assert {r.coord for r in dv.sqref.ranges} == {f"{get_column_letter(index)}2:{get_column_letter(index)}1048576"}
            if column.type in ("enum", "multi_enum"):
                vocab = schema.vocabulary(column.spec.vocabulary)
                assert dv.type == "list" and dv.formula1.startswith("'代码表'!$")
                assert lists[vocab.label] == [t.label for t in vocab.terms]
            elif column.type == "bool":
                assert dv.type == "list" and dv.formula1.startswith("'代码表'!$")
                assert lists["是否"] == ["是", "否"]
            elif column.type == "category":
                assert dv.type == "list" and dv.formula1 == f"'分类代码'!$A$2:$A${len(CATEGORIES) + 1}"
            elif column.type == "department":
                assert dv.type == "list" and dv.formula1 == f"'部门'!$B$2:$B${len(DEPARTMENTS) + 1}"
                assert dv.errorStyle == "warning"            # a department code is accepted too
            if column.key not in (ROW_KEY, CODE_KEY) and column.spec.help:
                assert dv.prompt.endswith(column.spec.help[:20]) or column.spec.help[:20] in dv.prompt


def test_reference_sheets_hold_the_lists(wb):
    assert [c.value for c in wb["分类代码"][2]] == list(sorted(CATEGORIES)[0])
    assert wb["部门"].max_row == len(DEPARTMENTS) + 1
    assert wb["部门"]["B2"].value == DEPARTMENTS[0][1]


def test_instructions_explain_every_column_and_show_an_example(wb):
    ws = wb["填写说明"]
    text = [[c.value for c in row] for row in ws.iter_rows()]
    described = {(row[0], row[2]) for row in text if row and row[0] in ("信息资源", "信息项")}
    layout = get_layout()
    assert {("信息资源", c.header) for c in layout.entry_columns} <= described
    assert {("信息项", c.header) for c in layout.item_columns} <= described
    sharing = next(row for row in text if row[0] == "信息资源" and row[2] == "共享类型*")
    assert sharing[3] == "是" and sharing[5] == "无条件共享、有条件共享、不予共享"
    assert get_schema().field("sharing_type").help in sharing[6]
    condition = next(row for row in text if row[0] == "信息资源" and row[2] == "共享条件")
    assert "仅当「共享类型」为“有条件共享”时填写" in condition[6]
    fmt = next(row for row in text if row[0] == "信息资源" and row[2] == "信息资源格式类型*")
    assert fmt[5].startswith("电子文件：OFD、wps")
    flat = [v for row in text for v in row if v is not None]
    assert "户籍人口基本信息" in flat and "市公安局" in flat and "有条件共享" in flat and "公民身份号码" in flat


def test_the_blank_template_reads_as_no_entries_and_no_problems(template):
    parsed = read(template)
    assert parsed.entries == [] and parsed.problems == []
