"""Excel import through the services: dry run, all-or-nothing commit, idempotence, review or direct publication."""
import openpyxl
import pytest
from sqlalchemy import func, select

from app.audit import AuditEntry
from app.catalog import services as catalog
from app.catalog.diff import diff_values
from app.catalog.models import EntryVersion, VersionState
from app.core.db import transaction
from app.core.errors import InvalidInput, PermissionDenied
from app.extensions import db
from app.imports import services as imports
from app.review.models import Review
from tests.conftest import edit, valid_values

HEADER_ROW = 1


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def export(tmp_path, entries, name="export.xlsx"):
    path = tmp_path / name
    imports.export(path, [e.id for e in entries])
    return path


def edited_export(tmp_path, entries, edits: dict[tuple[str, str], object], name="export.xlsx"):
    """An export of `entries` with some cells changed: {(resource code, column header): new value}."""
    path = export(tmp_path, entries, name)
    wb = openpyxl.load_workbook(path)
    ws = wb["信息资源"]
    for (code, header), value in edits.items():
        ws.cell(row_of(ws, code), column_of(ws, header)).value = value
    wb.save(path)
    return path


def column_of(ws, label: str) -> int:
    for cell in next(ws.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW)):
        if cell.value and str(cell.value).rstrip("*").strip() == label:
            return cell.column
    raise AssertionError(label)


def row_of(ws, code: str) -> int:
    code_col = column_of(ws, "信息资源代码")
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, code_col).value == code:
            return row
    raise AssertionError(code)


def test_exporting_and_reimporting_changes_nothing(tmp_path, published):
    editor, entries = published
    report, counts = imports.import_file(export(tmp_path, entries), user=editor)
    assert (report.entries, report.unchanged, report.changed, report.new) == (5, 5, 0, 0)
    assert counts == {"created": 0, "updated": 0}
    assert count(EntryVersion) == 5


def test_three_edited_cells_give_exactly_three_new_drafts_with_those_edits(tmp_path, published):
    editor, entries = published
    path = edited_export(tmp_path, entries, {(entries[0].resource_code, "信息资源摘要"): "改过的摘要。",
                                             (entries[1].resource_code, "更新周期"): "每月",
                                             (entries[2].resource_code, "提供方内部部门"): "户政管理支队"})
    report, counts = imports.import_file(path, user=editor)
    assert (report.changed, report.unchanged) == (3, 2) and counts["updated"] == 3
    changed = {}
    for entry in entries[:3]:
        db.session.refresh(entry)
        assert entry.draft_version.state == VersionState.department_review  # submitted for review
        diff = diff_values(catalog.full_values(entry, entry.published_version),
                           catalog.full_values(entry, entry.draft_version))
        changed[entry.id] = [(c.key, c.new) for c in diff.fields]
    assert changed == {entries[0].id: [("summary", "改过的摘要。")], entries[1].id: [("update_cycle", "每月")],
                       entries[2].id: [("provider_unit", "户政管理支队")]}
    for entry in entries[3:]:
        db.session.refresh(entry)
        assert entry.draft_version is None
    assert count(Review) == 3


def test_new_rows_create_entries_once_even_when_imported_twice(tmp_path, published, make_user):
    editor, entries = published
    path = export(tmp_path, entries)
    wb = openpyxl.load_workbook(path)
    ws = wb["信息资源"]
    source = row_of(ws, entries[0].resource_code)
    ws.insert_rows(ws.max_row + 1)
    new_row = ws.max_row + 1
    for col in range(1, ws.max_column + 1):
        ws.cell(new_row, col).value = ws.cell(source, col).value
    ws.cell(new_row, column_of(ws, "信息资源代码")).value = None
    ws.cell(new_row, column_of(ws, "行号")).value = "新1"
    ws.cell(new_row, column_of(ws, "信息资源名称")).value = "流动人口登记信息"
    items = wb["信息项"]
    key_col = column_of(items, "行号")
    code_col = column_of(items, "信息资源代码")
    for row in list(items.iter_rows(min_row=2)):
        if row[code_col - 1].value == entries[0].resource_code:
            values = [c.value for c in row]
            values[code_col - 1] = None
            values[key_col - 1] = "新1"
            items.append(values)
    wb.save(path)
    report, counts = imports.import_file(path, user=editor)
    assert report.new == 1 and counts["created"] == 1
    again, counts_again = imports.import_file(path, user=editor)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 6) and counts_again == {"created": 0, "updated": 0}
    names = db.session.scalars(select(EntryVersion.name).where(EntryVersion.name == "流动人口登记信息")).all()
    assert names == ["流动人口登记信息"]


def test_one_bad_row_means_nothing_is_written_and_the_cell_is_named(tmp_path, published):
    editor, entries = published
    path = edited_export(tmp_path, entries, {(entries[0].resource_code, "信息资源摘要"): "改过的摘要。",
                                             (entries[3].resource_code, "共享条件"): None})  # conditional, no conditions
    bad_row = row_of(openpyxl.load_workbook(path)["信息资源"], entries[3].resource_code)
    versions = count(EntryVersion)
    report, counts = imports.import_file(path, user=editor)
    assert counts == {} and count(EntryVersion) == versions
    [problem] = report.problems
    assert (problem.sheet, problem.row, problem.header.rstrip("*")) == ("信息资源", bad_row, "共享条件")
    assert "「共享条件」为必填项" in problem.message


def test_unknown_resource_code_is_reported(tmp_path, published):
    editor, entries = published
    path = export(tmp_path, entries)
    wb = openpyxl.load_workbook(path)
    ws = wb["信息资源"]
    row = row_of(ws, entries[0].resource_code)
    ws.cell(row, column_of(ws, "信息资源代码")).value = "101001/999999"
    items = wb["信息项"]
    for cells in items.iter_rows(min_row=2):
        if cells[column_of(items, "信息资源代码") - 1].value == entries[0].resource_code:
            cells[column_of(items, "信息资源代码") - 1].value = "101001/999999"
    wb.save(path)
    report, _counts = imports.import_file(path, user=editor)
    assert any("“101001/999999”未登记" in p.message for p in report.problems)


def test_editor_cannot_import_another_departments_entries(tmp_path, published, make_user):
    _editor, entries = published
    other = make_user("editor", "市民政局")
    report, counts = imports.import_file(export(tmp_path, entries), user=other)
    assert counts == {} and len(report.problems) == 5
    assert all("无权修改“市公安局”的信息资源" in p.message for p in report.problems)


def test_a_dry_run_names_no_draft_of_another_department(tmp_path, published, make_user, make_entry):
    """A code or a name of another department's unpublished draft gets the answer an unknown one gets."""
    editor, entries = published
    civil = make_user("editor", "市民政局")
    draft = make_entry(publish=False, user=civil, name="低保对象名单（草稿）")
    path = export(tmp_path, entries[:2])
    wb = openpyxl.load_workbook(path)
    codes = {entries[0].resource_code: draft.resource_code, entries[1].resource_code: "101001/999999"}
    for sheet in wb.worksheets:  # the entry rows and their data items alike
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in codes:
                    cell.value = codes[cell.value]
    wb.save(path)
    report, counts = imports.import_file(path, user=editor)
    assert counts == {} and len(report.problems) == 2
    hidden, unknown = report.problems
    assert hidden.message == f"信息资源代码“{draft.resource_code}”未登记：新资源请留空代码"
    assert unknown.message == "信息资源代码“101001/999999”未登记：新资源请留空代码"
    assert "市民政局" not in hidden.message and "低保" not in hidden.message
    # once published, the entry is everyone's to see: the answer becomes the honest "not yours to change"
    with transaction():
        catalog.publish_directly([draft], user=make_user("admin", "市政务服务数据管理局"), reason="测试")
    report, _counts = imports.import_file(path, user=editor)
    assert "无权修改“市民政局”的信息资源" in report.problems[0].message


def test_admin_may_publish_directly_with_a_reason_that_is_audited(tmp_path, published, admin):
    _editor, entries = published
    path = edited_export(tmp_path, entries, {(entries[0].resource_code, "信息资源摘要"): "直接发布的摘要。"})
    with pytest.raises(InvalidInput):
        imports.import_file(path, user=admin, publish_reason="  ")
    _report, counts = imports.import_file(path, user=admin, publish_reason="年度目录集中更新")
    db.session.refresh(entries[0])
    assert counts["updated"] == 1 and entries[0].published_version.data["summary"] == "直接发布的摘要。"
    summaries = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "import.commit")).all()
    assert summaries == ["Excel 导入：新增 0，修改 1，直接发布（年度目录集中更新）"]


def test_an_import_with_a_publish_reason_refuses_an_entry_under_department_review(tmp_path, published, admin):
    """Publishing a version under department review is refused here too: the row is reported, nothing is written."""
    editor, entries = published
    path = edited_export(tmp_path, entries, {(entries[0].resource_code, "信息资源摘要"): "审核中又改的摘要。"})
    with transaction():
        edit(entries[0], valid_values(name=entries[0].published_version.name, summary="提交审核的修订。"),
             user=editor)
        catalog.submit([entries[0]], user=editor)
    audits = count(AuditEntry)
    report, counts = imports.import_file(path, user=admin, publish_reason="年度目录集中更新")
    assert counts == {}
    [problem] = report.problems
    assert problem.value == entries[0].resource_code and problem.header.startswith("信息资源代码")
    assert "正在部门审核中，不能修改或发布" in problem.message and "请先撤回" in problem.message
    db.session.expire_all()
    entry = db.session.get(type(entries[0]), entries[0].id)
    assert entry.draft_version.state == VersionState.department_review
    assert entry.published_version.number == 1 and count(AuditEntry) == audits


def test_only_admins_publish_directly(tmp_path, published):
    editor, entries = published
    with pytest.raises(PermissionDenied):
        imports.import_file(export(tmp_path, entries), user=editor, publish_reason="想直接发布")


def test_template_lists_every_editable_field(tmp_path, app):
    from catalog_schema import get_schema
    path = tmp_path / "template.xlsx"
    imports.write_template(path)
    wb = openpyxl.load_workbook(path)
    headers = {str(c.value).rstrip("*").strip() for c in wb["信息资源"][1] if c.value}
    assert {f.label for f in get_schema().editable_fields} <= headers
    item_headers = {str(c.value).rstrip("*").strip() for c in wb["信息项"][1] if c.value}
    assert {f.label for f in get_schema().item_fields} <= item_headers


def test_an_export_shows_only_the_related_codes_its_reader_may_see(tmp_path, make_entry, admin):
    from tests.portal.test_portal import OPEN
    closed = make_entry(name="户籍人口基本信息")
    opened = make_entry(**{**OPEN, "related_codes": [closed.resource_code]})
    public, government = tmp_path / "public.xlsx", tmp_path / "government.xlsx"
    from flask_login import AnonymousUserMixin
    imports.export(public, [opened.id], user=AnonymousUserMixin())
    imports.export(government, [opened.id], user=admin)

    def related(path):
        ws = openpyxl.load_workbook(path)["信息资源"]
        return ws.cell(row_of(ws, opened.resource_code), column_of(ws, "关联资源代码")).value

    assert not related(public)  # the public never learns the code of an entry that is not open
    assert related(government) == closed.resource_code


def test_an_anonymous_export_is_the_open_catalog_and_at_most_its_cap(app, client, make_entry):
    """The public exports only open entries, and at most PUBLIC_EXPORT_MAX_ENTRIES of them at a time."""
    import io

    from tests.portal.test_portal import OPEN
    app.config["PUBLIC_EXPORT_MAX_ENTRIES"] = 2
    make_entry()  # not open
    opened = [make_entry(**{**OPEN, "name": f"空气质量监测日报{n}"}) for n in range(3)]
    with client.get("/imports/export.xlsx") as response:
        assert response.status_code == 200
        ws = openpyxl.load_workbook(io.BytesIO(response.data))["信息资源"]
    codes = [ws.cell(row, column_of(ws, "信息资源代码")).value for row in range(HEADER_ROW + 1, ws.max_row + 1)]
    codes = [c for c in codes if c]
    assert len(codes) == 2 and set(codes) <= {e.resource_code for e in opened}
