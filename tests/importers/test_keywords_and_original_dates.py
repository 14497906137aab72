"""Keywords (关键字) in one cell, and the import-only columns of the original catalog's dates, in real workbooks."""
from catalog_schema import validate_entry
from importers import write_entries, write_template
from importers.layout import ENTRY_SHEET, GUIDE_SHEET
from tests.importers.helpers import CATEGORIES, DEPARTMENTS, at, headers, load, person_db, put, read


def test_keywords_are_exported_in_one_cell_joined_with_dunhao_and_read_back_unchanged(tmp_path):
    original = person_db(keywords=["户籍", "人口", "open data"])
    path = write_entries(tmp_path / "export.xlsx", [original], categories=CATEGORIES, departments=DEPARTMENTS)
    ws = load(path)[ENTRY_SHEET]
    assert ws.cell(2, headers(ws)["关键字"]).value == "户籍、人口、open data"
    [entry] = read(path).entries
    assert entry.values["keywords"] == ["户籍", "人口", "open data"]
    assert validate_entry(entry.values)[0]["keywords"] == ["户籍", "人口", "open data"]


def test_a_keywords_cell_may_use_semicolons_commas_and_line_breaks(tmp_path):
    path = write_entries(tmp_path / "e.xlsx", [person_db()], categories=CATEGORIES, departments=DEPARTMENTS)
    wb = load(path)
    put(wb[ENTRY_SHEET], 2, {"关键字": " 户籍；人口,身份证\n出生登记、户籍 "})
    wb.save(path)
    [entry] = read(path).entries
    assert entry.values["keywords"] == ["户籍", "人口", "身份证", "出生登记"]


def test_a_too_long_keyword_in_a_cell_is_reported_on_that_cell(tmp_path):
    from importers import problems_for
    path = write_entries(tmp_path / "e.xlsx", [person_db()], categories=CATEGORIES, departments=DEPARTMENTS)
    wb = load(path)
    column = headers(wb[ENTRY_SHEET])["关键字"]
    put(wb[ENTRY_SHEET], 2, {"关键字": "户籍、人口、" + "很" * 21})
    wb.save(path)
    [entry] = read(path).entries
    problems = problems_for(entry, validate_entry(entry.values)[1])
    letter = wb[ENTRY_SHEET].cell(2, column).column_letter
    assert [p.message for p in at(problems, ENTRY_SHEET, f"{letter}2")] == [
        f"「关键字」第 3 个“{'很' * 21}”超过 20 个字符（21 个）"]


def test_the_template_describes_the_keywords_column_and_the_import_only_dates(tmp_path):
    path = write_template(tmp_path / "t.xlsx", categories=CATEGORIES, departments=DEPARTMENTS)
    wb = load(path)
    columns = list(headers(wb[ENTRY_SHEET]))
    assert columns[-3:] == ["关键字", "首次发布日期", "最近更新日期"]
    guide = [str(c.value) for row in wb[GUIDE_SHEET].iter_rows() for c in row if c.value]
    assert any("多个以“、”或“；”分隔，每个不超过 20 个字，最多 20 个" in text for text in guide)
    assert any(text.startswith("9. 「首次发布日期」「最近更新日期」仅用于迁移已有目录") for text in guide)
    assert any("仅管理员导入并直接发布时填写" in text for text in guide)


def test_an_export_leaves_the_original_date_columns_blank(tmp_path):
    path = write_entries(tmp_path / "e.xlsx", [person_db(release_date="2026-01-05")], categories=CATEGORIES,
                         departments=DEPARTMENTS)
    ws = load(path)[ENTRY_SHEET]
    columns = headers(ws)
    assert ws.cell(2, columns["首次发布日期"]).value is None and ws.cell(2, columns["最近更新日期"]).value is None


def test_original_dates_are_read_as_iso_dates_and_a_bad_one_names_its_cell(tmp_path):
    import datetime as dt
    path = write_entries(tmp_path / "e.xlsx", [person_db(), person_db(name="第二条")], categories=CATEGORIES,
                         departments=DEPARTMENTS)
    wb = load(path)
    ws = wb[ENTRY_SHEET]
    put(ws, 2, {"首次发布日期": dt.datetime(2019, 3, 1), "最近更新日期": "2024/6/15"})
    put(ws, 3, {"首次发布日期": "2019-02-30"})
    wb.save(path)
    parsed = read(path)
    first, second = parsed.entries
    assert (first.values["first_published_on"], first.values["last_updated_on"]) == ("2019-03-01", "2024-06-15")
    letter = ws.cell(3, headers(ws)["首次发布日期"]).column_letter
    [problem] = at(parsed.problems, ENTRY_SHEET, f"{letter}3")
    assert problem.value == "2019-02-30" and "「首次发布日期」“2019-02-30”不是有效日期" in problem.message
    assert "first_published_on" in second.failed

