"""Text that looks like a formula (“=”, “+”, “-”, “@” …) is exported as text, shown as text by LibreOffice, and
read back unchanged, so export → import stays a no-op; a real formula is still refused."""
import csv
import os
import re
import subprocess
import zipfile

import pytest

from importers import annotate, write_entries
from importers.reader import FORMULA_MESSAGE
from tests.importers.conftest import convert, soffice
from tests.importers.helpers import CATEGORIES, DEPARTMENTS, at, clean, load, person_db, put, read

HYPERLINK = '=HYPERLINK("http://127.0.0.1/x")'


def formula_like() -> dict:
    """An entry whose texts all start like formulas, in entry fields and in data items."""
    return person_db(
        resource_code="101001/000009", name=HYPERLINK, provider_unit="-1", summary="+86 10 是总机号码的写法",
        source_system="@SUM(1)", contact_phone="+86 10 1234 5678", usage_scope="=1+1",
        data_items=[{"name": "=A1", "data_type": "C", "length": "50", "name_en": "-name", "description": "@SUM(1)"},
                    {"name": "出生日期", "data_type": "D", "length": None, "description": "-2 表示未知"}])


def cells_of(path, member: str) -> dict[str, str]:
    """Coordinate → the raw XML of each cell of one sheet."""
    xml = zipfile.ZipFile(path).read(member).decode()
    return {m.group(1): m.group(0) for m in re.finditer(r'<c r="([A-Z]+\d+)"[^>]*?(?:/>|>.*?</c>)', xml)}


@pytest.mark.parametrize("one_sheet", [False, True], ids=["two sheets", "national one sheet"])
def test_formula_like_text_is_exported_as_text_and_reads_back_unchanged(tmp_path, one_sheet):
    original = formula_like()
    path = write_entries(tmp_path / "export.xlsx", [original], categories=CATEGORIES, departments=DEPARTMENTS,
                         one_sheet=one_sheet)
    sheet = load(path)["信息资源目录" if one_sheet else "信息资源"]
    values = {sheet.cell(1, c).value: sheet.cell(2, c) for c in range(1, sheet.max_column + 1)}
    for header in ("信息资源名称*", "提供方内部部门", "信息资源摘要*", "所属信息系统", "联系电话", "使用范围"):
        cell = values[header]
        assert cell.data_type == "s" and cell.quotePrefix, (header, cell.value, cell.data_type)
    assert values["信息资源名称*"].value == HYPERLINK
    assert not any("<f>" in xml for xml in cells_of(path, "xl/worksheets/sheet2.xml").values())

    parsed = read(path)
    assert parsed.problems == []
    assert clean(parsed.entries[0].values) == clean(original)
    assert parsed.entries[0].values["name"] == HYPERLINK
    assert [i["name"] for i in parsed.entries[0].data_items] == ["=A1", "出生日期"]


def test_ordinary_text_is_written_as_before(tmp_path):
    """Only formula-like text gets the quote prefix: numbers stay numbers, plain text plain."""
    path = write_entries(tmp_path / "export.xlsx", [person_db(record_count=12)], categories=CATEGORIES,
                         departments=DEPARTMENTS)
    ws = load(path)["信息资源"]
    row = {ws.cell(1, c).value: ws.cell(2, c) for c in range(1, ws.max_column + 1)}
    assert row["数据量（条）"].value == 12 and row["数据量（条）"].data_type == "n"
    assert row["信息资源名称*"].value == "户籍人口基本信息" and not row["信息资源名称*"].quotePrefix


def test_a_text_cell_is_not_mistaken_for_a_formula_but_a_formula_is_refused(tmp_path):
    """The same characters as text (kept) and as a formula (refused) side by side."""
    path = write_entries(tmp_path / "export.xlsx", [formula_like(), person_db(name="第二条")],
                         categories=CATEGORIES, departments=DEPARTMENTS)
    wb = load(path)
    put(wb["信息资源"], 3, {"信息资源名称*": HYPERLINK})  # typed as a person would: openpyxl makes it a formula
    wb.save(path)
    parsed = read(path)
    assert [(p.sheet, f"{p.column}{p.row}", p.message) for p in parsed.problems] == [
        ("信息资源", "D3", FORMULA_MESSAGE)]
    assert parsed.entries[0].values["name"] == HYPERLINK and parsed.entries[1].values["name"] is None


def test_libreoffice_shows_the_cells_as_text_not_as_results(tmp_path):
    """LibreOffice's CSV export of the sheet gives the texts themselves: a formula would give its result
    (HYPERLINK its URL, =1+1 the number 2)."""
    path = write_entries(tmp_path / "export.xlsx", [formula_like()], categories=CATEGORIES, departments=DEPARTMENTS)
    profile = tmp_path / "profile"
    # CSV filter options: comma, double quote, UTF-8, from line 1, …, sheet 2 (「信息资源」)
    command = [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--convert-to",
               "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2",
               "--outdir", str(tmp_path / "csv"), str(path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "HOME": str(profile)})
    written = list((tmp_path / "csv").glob("*.csv"))
    assert len(written) == 1, f"LibreOffice failed: {result.stdout} {result.stderr}"
    with open(written[0], encoding="utf-8", newline="") as f:
        header, row = list(csv.reader(f))[:2]
    shown = dict(zip(header, row))
    assert shown["信息资源名称*"] == HYPERLINK
    assert shown["使用范围"] == "=1+1"
    assert shown["提供方内部部门"] == "-1"
    assert shown["联系电话"] == "+86 10 1234 5678"
    assert shown["所属信息系统"] == "@SUM(1)"


def test_an_export_resaved_by_libreoffice_still_reads_back_unchanged(tmp_path):
    original = formula_like()
    path = write_entries(tmp_path / "export.xlsx", [original], categories=CATEGORIES, departments=DEPARTMENTS)
    resaved = convert(path, tmp_path / "resaved", tmp_path / "profile")
    parsed = read(resaved)
    assert parsed.problems == []
    assert clean(parsed.entries[0].values) == clean(original)


def test_the_error_report_shows_a_formula_like_value_as_text(tmp_path):
    """A bad value that starts with “=” is listed in 「错误报告」 as text, never as a live formula."""
    path = write_entries(tmp_path / "export.xlsx", [person_db(sharing_type="=HYPERLINK(\"http://127.0.0.1/y\")")],
                         categories=CATEGORIES, departments=DEPARTMENTS)
    parsed = read(path)
    assert at(parsed.problems, "信息资源", "O2")
    report = load(annotate(path, parsed.problems, tmp_path / "annotated.xlsx"))["错误报告"]
    cell = next(c for c in report["F"] if c.value == '=HYPERLINK("http://127.0.0.1/y")')
    assert cell.data_type == "s" and cell.quotePrefix
