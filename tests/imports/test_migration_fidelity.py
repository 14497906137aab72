"""Migrating a catalog through the Excel template (issue 13): providers by short name or alias, code columns
as “code name”, topics by name, the dry run's annotated workbook and summary on the command line."""
import openpyxl
import pytest
from sqlalchemy import func, select

from app.catalog.models import Entry, EntryVersion
from app.core.db import transaction
from app.extensions import db
from app.imports import services as imports
from app.org import Department, RegionLevel
from tests.importers.test_roundtrip import PERSON_ITEMS, PERSON_ROW, fill
from tests.imports.test_import_services import column_of, export, row_of

BAD_FILL = "00FFC7CE"


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["catalog", *args])


@pytest.fixture
def template(app, tmp_path):
    path = tmp_path / "template.xlsx"
    imports.write_template(path)
    return path


def new_rows(template, tmp_path, *rows: dict, name="rows.xlsx"):
    """The template with entry rows (PERSON_ROW with some cells changed; 行号 1, 2 …, each with PERSON_ITEMS)."""
    entries = [{**PERSON_ROW, "行号": n, "信息资源名称*": f"迁移资源{n}", **cells} for n, cells in enumerate(rows, 1)]
    items = [dict(item, **{"行号": n}) for n in range(1, len(rows) + 1) for item in PERSON_ITEMS]
    return fill(template, tmp_path / name, entries, items)


@pytest.fixture
def league_departments(app):
    """Two departments sharing the alias 团委 (as a city's 团市委 and a district's 团区委 may)."""
    with transaction():
        db.session.add_all([
            Department(code="901", name="共青团示例市委员会", short_name="团市委", aliases="团委;共青团市委",
                       credit_code="11990100MB9010001A", region_level=RegionLevel.city),
            Department(code="902", name="共青团东城区委员会", short_name="东城团区委", aliases="团委",
                       credit_code="11990102MB9020002B", region_level=RegionLevel.district),
        ])


def test_providers_by_short_name_alias_code_and_code_name_are_imported(app, make_user, template, tmp_path):
    editor = make_user("editor", "市公安局")
    path = new_rows(template, tmp_path, *({"信息资源提供方*": cell} for cell in ("公安局", "公安", "006", "006 市公安局")))
    report, counts = imports.import_file(path, user=editor)
    assert report.problems == [] and counts == {"created": 4, "updated": 0}
    departments = db.session.scalars(select(Department.name).join(Entry, Entry.department_id == Department.id)).all()
    assert departments == ["市公安局"] * 4


def test_an_alias_two_departments_share_is_refused_naming_the_candidates(app, admin, league_departments, template,
                                                                          tmp_path):
    path = new_rows(template, tmp_path, {"信息资源提供方*": "团市委"}, {"信息资源提供方*": "团委"})
    report, counts = imports.import_file(path, user=admin)
    assert counts == {} and db.session.scalar(select(func.count(Entry.id))) == 0
    [problem] = report.problems
    assert (problem.row, problem.header, problem.value) == (3, "信息资源提供方*", "团委")
    assert problem.message == ("「信息资源提供方」“团委”对应多个部门：共青团示例市委员会（901）、共青团东城区委员会（902），"
                               "请填写全称或代码")


def test_an_editor_naming_another_department_by_alias_is_refused_on_the_provider_cell(app, make_user, template,
                                                                                       tmp_path):
    editor = make_user("editor", "市公安局")
    path = new_rows(template, tmp_path, {"信息资源提供方*": "民政"})
    report, counts = imports.import_file(path, user=editor)
    assert counts == {}
    [problem] = report.problems
    assert (problem.row, problem.header, problem.value) == (2, "信息资源提供方*", "市民政局")
    assert problem.message == "您只能为本部门编目，无权为“市民政局”登记信息资源"
    assert report.summary == "共 1 条：新增 1（其中 1 条有问题），修改 0，未变化 0。"


def test_topics_given_as_code_name_and_as_name_are_stored_as_codes(app, make_user, template, tmp_path):
    editor = make_user("editor", "市公安局")
    path = new_rows(template, tmp_path, {"主题分类": "201001 办事指南和事项清单；便民服务设施"},
                    {"信息资源分类*": "101001 人口基本信息", "共享类型*": "2 有条件共享"})
    report, counts = imports.import_file(path, user=editor)
    assert report.problems == [] and counts["created"] == 2
    stored = dict(db.session.execute(select(EntryVersion.name, EntryVersion.data)).all())
    assert stored["迁移资源1"]["topic_codes"] == ["201001", "201002"]
    assert stored["迁移资源2"]["sharing_type"] == "conditional"


def test_related_codes_with_the_wrong_entry_name_are_refused(app, published, template, tmp_path):
    editor, entries = published
    code = entries[0].resource_code
    good = new_rows(template, tmp_path, {"关联资源代码": f"{code} 户籍资源0"}, name="good.xlsx")
    report, _plan = imports.check(good, user=editor)
    assert report.problems == []
    bad = new_rows(template, tmp_path, {"关联资源代码": f"{code} 户籍资源3"}, name="bad.xlsx")
    report, _plan = imports.check(bad, user=editor)
    assert [p.message for p in report.problems] == [
        f"「关联资源代码」“{code} 户籍资源3”的代码与名称不一致：代码“{code}”是“户籍资源0”，不是“户籍资源3”；请改正其中之一，或只填写代码"]


# ---- the summary: rows counted by what they are -------------------------------------------------------------

def mixed_file(tmp_path, entries):
    """An export of five entries: one changed, one changed wrongly, three as they are; plus two new rows, one bad."""
    path = export(tmp_path, entries)
    wb = openpyxl.load_workbook(path)
    ws, items = wb["信息资源"], wb["信息项"]
    ws.cell(row_of(ws, entries[0].resource_code), column_of(ws, "信息资源摘要")).value = "改过的摘要。"
    ws.cell(row_of(ws, entries[1].resource_code), column_of(ws, "更新周期")).value = "每小时"
    source = row_of(ws, entries[2].resource_code)
    code_col, key_col = column_of(ws, "信息资源代码"), column_of(ws, "行号")
    item_rows = [[c.value for c in row] for row in items.iter_rows(min_row=2)
                 if row[column_of(items, "信息资源代码") - 1].value == entries[2].resource_code]
    for key, name, sharing in (("新1", "新登记的资源", "有条件共享"), ("新2", "另一个新资源", "部分共享")):
        target = ws.max_row + 1
        for col in range(1, ws.max_column + 1):
            ws.cell(target, col).value = ws.cell(source, col).value
        ws.cell(target, code_col).value = None
        ws.cell(target, key_col).value = key
        ws.cell(target, column_of(ws, "信息资源名称")).value = name
        ws.cell(target, column_of(ws, "共享类型")).value = sharing
        for values in item_rows:
            values = list(values)
            values[column_of(items, "信息资源代码") - 1] = None
            values[column_of(items, "行号") - 1] = key
            items.append(values)
    wb.save(path)
    return path


SUMMARY = "共 7 条：新增 2（其中 1 条有问题），修改 2（其中 1 条有问题），未变化 3。"


def test_the_summary_counts_rows_by_what_they_are_and_how_many_have_problems(app, published, tmp_path):
    editor, entries = published
    report, _plan = imports.check(mixed_file(tmp_path, entries), user=editor)
    assert (report.new, report.changed, report.unchanged) == (2, 2, 3)
    assert (report.new_with_problems, report.changed_with_problems) == (1, 1)
    assert report.summary == SUMMARY == imports.summary(report.as_dict())
    assert len(report.problems) == 2


def test_the_command_line_prints_the_summary_and_each_problem_with_its_value(app, published, tmp_path):
    editor, entries = published
    path = mixed_file(tmp_path, entries)
    result = cli(app, "import", str(path), "--dry-run", "--user", editor.username)
    assert result.exit_code == 1
    assert SUMMARY in result.output
    ws = openpyxl.load_workbook(path)["信息资源"]
    row, letter = row_of(ws, entries[1].resource_code), openpyxl.utils.get_column_letter(column_of(ws, "更新周期"))
    assert (f"工作表「信息资源」第 {row} 行 {letter} 列（更新周期*）：「更新周期」的取值“每小时”不在代码表中"
            in result.output)
    assert "“部分共享”" in result.output


def test_the_import_page_says_the_same_summary(app, client, worker, published, tmp_path):
    from tests.imports.test_jobs_and_views import upload, wait
    from tests.portal.test_portal import login

    editor, entries = published
    login(client, editor)
    job_id = upload(client, mixed_file(tmp_path, entries))
    assert wait(client, job_id)["state"] == "checked"
    html = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert SUMMARY in html and "发现 2 处问题" in html and "每小时" in html and "部分共享" in html


# ---- the annotated workbook from the command line -------------------------------------------------------------

def test_a_dry_run_report_marks_the_bad_cells(app, published, tmp_path):
    editor, entries = published
    path = mixed_file(tmp_path, entries)
    out = tmp_path / "标注.xlsx"
    result = cli(app, "import", str(path), "--dry-run", "--user", editor.username, "--report", str(out))
    assert result.exit_code == 1 and f"已写出标注了问题单元格的工作簿：{out}" in result.output
    annotated = openpyxl.load_workbook(out)
    ws = annotated["信息资源"]
    bad = ws.cell(row_of(ws, entries[1].resource_code), column_of(ws, "更新周期"))
    assert bad.value == "每小时" and bad.fill.fgColor.rgb == BAD_FILL
    assert "「更新周期」的取值“每小时”不在代码表中" in bad.comment.text
    good = ws.cell(row_of(ws, entries[0].resource_code), column_of(ws, "信息资源摘要"))
    assert good.comment is None and good.fill.fgColor.rgb != BAD_FILL
    listed = [row[5] for row in annotated["错误报告"].iter_rows(min_row=2, values_only=True)]
    assert sorted(listed) == ["每小时", "部分共享"]


def test_a_failed_import_writes_the_report_and_nothing_else(app, published, tmp_path):
    editor, entries = published
    out = tmp_path / "report.xlsx"
    result = cli(app, "import", str(mixed_file(tmp_path, entries)), "--user", editor.username, "--report", str(out))
    assert result.exit_code == 1 and out.exists()
    assert db.session.scalar(select(func.count(EntryVersion.id))) == 5
    ws = openpyxl.load_workbook(out)["信息资源"]
    assert ws.cell(row_of(ws, entries[1].resource_code), column_of(ws, "更新周期")).comment is not None


def test_a_clean_dry_run_writes_no_report(app, published, tmp_path):
    editor, entries = published
    out = tmp_path / "report.xlsx"
    result = cli(app, "import", str(export(tmp_path, entries)), "--dry-run", "--user", editor.username,
                 "--report", str(out))
    assert result.exit_code == 0 and "共 5 条：新增 0，修改 0，未变化 5。" in result.output
    assert not out.exists()
