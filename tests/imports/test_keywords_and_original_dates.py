"""Migration fidelity (issue 13): keywords survive export and re-import; an admin's direct import keeps the original
catalog's first publication and last update dates — on the entry page, in freshness and in the index's order."""
import datetime as dt
import re

import openpyxl
import pytest

from app import indexing
from app.catalog import freshness_status
from app.catalog.models import Entry, EntryVersion
from app.extensions import db
from app.imports import services as imports
from importers.export import write_entries
from search.query import SearchQuery
from tests.catalog.test_views import token
from tests.conftest import valid_values
from tests.imports.test_import_services import column_of, count, edited_export, export, row_of
from tests.imports.test_jobs_and_views import upload, wait
from tests.portal.test_portal import login

TODAY = "2026-06-01"
FIRST, LAST = "首次发布日期", "最近更新日期"


@pytest.fixture
def today(clock):
    return clock(TODAY)


def new_rows(path, names: list[str], dates: list[dict], **overrides):
    """A workbook of new entries (no resource code) in the template layout, with the date cells typed in."""
    write_entries(path, [valid_values(name=name, **overrides) for name in names], **imports.reference())
    wb = openpyxl.load_workbook(path)
    ws = wb["信息资源"]
    for row, cells in enumerate(dates, start=2):
        for header, value in cells.items():
            ws.cell(row, column_of(ws, header)).value = value
    wb.save(path)
    return path


def imported(name: str) -> Entry:
    db.session.expire_all()
    version = db.session.query(EntryVersion).filter_by(name=name).one()
    return db.session.get(Entry, version.entry_id)


# ---- keywords ------------------------------------------------------------------------------------------

def test_keywords_survive_export_and_reimport_unchanged(tmp_path, make_entry, make_user):
    editor = make_user("editor", "市公安局")
    entries = [make_entry(user=editor, name="户籍人口基本信息", keywords=["户籍", "人口", "open data"]),
               make_entry(user=editor, name="居住证信息", keywords=[])]
    path = export(tmp_path, entries)
    ws = openpyxl.load_workbook(path)["信息资源"]
    assert ws.cell(row_of(ws, entries[0].resource_code), column_of(ws, "关键字")).value == "户籍、人口、open data"
    report, counts = imports.import_file(path, user=editor)
    assert (report.unchanged, report.changed, report.problems) == (2, 0, []) and counts == {"created": 0, "updated": 0}
    assert count(EntryVersion) == 2


def test_keywords_edited_in_a_cell_become_the_new_draft(tmp_path, make_entry, make_user):
    editor = make_user("editor", "市公安局")
    entry = make_entry(user=editor, keywords=["户籍"])
    path = edited_export(tmp_path, [entry], {(entry.resource_code, "关键字"): "户籍；人口；身份证"})
    report, counts = imports.import_file(path, user=editor)
    assert report.changed == 1 and counts["updated"] == 1
    db.session.refresh(entry)
    assert entry.draft_version.data["keywords"] == ["户籍", "人口", "身份证"]


def test_a_bad_keyword_cell_names_row_column_and_value(tmp_path, make_entry, make_user):
    editor = make_user("editor", "市公安局")
    entry = make_entry(user=editor)
    long = "户" * 21
    path = edited_export(tmp_path, [entry], {(entry.resource_code, "关键字"): f"户籍、{long}"})
    report, _counts = imports.import_file(path, user=editor)
    [problem] = report.problems
    assert (problem.header, problem.row, problem.value) == ("关键字", 2, f"户籍、{long}")
    assert problem.message == f"「关键字」第 2 个“{long}”超过 20 个字符（21 个）"


# ---- the original dates: an admin's direct import keeps them -----------------------------------------------

def test_an_admin_import_published_directly_keeps_the_original_dates(tmp_path, admin, today, client):
    path = new_rows(tmp_path / "migrate.xlsx", ["户籍人口基本信息", "婚姻登记信息"],
                    [{FIRST: "2019-03-01", LAST: "2024-06-15"}, {FIRST: dt.datetime(2020, 5, 8)}],
                    update_cycle="monthly")
    report, counts = imports.import_file(path, user=admin, publish_reason="迁移原开放数据目录")
    assert report.problems == [] and counts == {"created": 2, "updated": 0}

    entry = imported("户籍人口基本信息")
    version = entry.published_version
    assert version.data["release_date"] == "2019-03-01"
    assert (version.original_published_on, version.original_updated_on) == (dt.date(2019, 3, 1), dt.date(2024, 6, 15))
    # freshness counts from the original last update: monthly, so due 2024-07-15 and long overdue
    assert (entry.last_update_on, entry.next_update_on) == (dt.date(2024, 6, 15), dt.date(2024, 7, 15))
    assert freshness_status(entry.next_update_on) == "overdue"
    # a first publication alone: not updated since
    other = imported("婚姻登记信息")
    assert other.published_version.data["release_date"] == "2020-05-08"
    assert other.last_update_on == dt.date(2020, 5, 8)

    login(client, admin)
    html = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert '<th>发布日期</th><td class="pre-line">2019-03-01</td>' in html
    assert '<th>首次发布日期</th><td class="pre-line">2019-03-01</td>' in html
    assert '<th>最近更新日期</th><td class="pre-line">2024-06-15</td>' in html
    assert "最近更新：2024-06-15" in html and "预计下次更新：2024-07-15" in html
    assert "原目录首次发布 2019-03-01，最近更新 2024-06-15" in html   # the versions table


def test_the_index_orders_by_the_original_last_update(tmp_path, admin, today, make_entry):
    native = make_entry(name="今日发布的资源")           # published here, today
    path = new_rows(tmp_path / "migrate.xlsx", ["二〇一九年的资源", "二〇二四年的资源"],
                    [{FIRST: "2019-03-01"}, {FIRST: "2019-03-01", LAST: "2024-06-15"}])
    imports.import_file(path, user=admin, publish_reason="迁移原目录")
    old, recent = imported("二〇一九年的资源"), imported("二〇二四年的资源")
    assert indexing.pending() == 0
    hits = indexing.backend().search(SearchQuery(sort="updated", per_page=10)).hits
    assert [h.id for h in hits] == [native.id, recent.id, old.id]


def test_a_later_revision_is_an_update_of_its_own(tmp_path, admin, today, clock):
    from app.catalog import services as catalog
    from app.core.db import transaction
    from tests.conftest import edit
    path = new_rows(tmp_path / "migrate.xlsx", ["户籍人口基本信息"], [{FIRST: "2019-03-01", LAST: "2024-06-15"}])
    imports.import_file(path, user=admin, publish_reason="迁移原目录")
    entry = imported("户籍人口基本信息")
    clock("2026-06-10")
    with transaction():
        edit(entry, valid_values(summary="修订后的摘要。"), user=admin)
        catalog.publish_directly([entry], user=admin, reason="修订")
    db.session.refresh(entry)
    assert entry.published_version.original_updated_on is None
    assert entry.published_version.data["release_date"] == "2026-06-10"
    assert entry.last_update_on == dt.date(2026, 6, 10)
    first = entry.versions[0]
    assert (first.original_published_on, first.data["release_date"]) == (dt.date(2019, 3, 1), "2019-03-01")


def test_a_changed_row_published_directly_keeps_the_dates_given(tmp_path, admin, today, make_entry):
    entry = make_entry(user=admin, name="户籍人口基本信息")
    path = edited_export(tmp_path, [entry], {(entry.resource_code, "信息资源摘要"): "迁移时修正的摘要。",
                                             (entry.resource_code, FIRST): "2018-01-02"})
    report, counts = imports.import_file(path, user=admin, publish_reason="迁移原目录")
    assert report.problems == [] and counts["updated"] == 1
    db.session.refresh(entry)
    assert entry.published_version.data["release_date"] == "2018-01-02"
    assert entry.last_update_on == dt.date(2018, 1, 2)


# ---- refused: other users, imports that go to review, bad dates ----------------------------------------------

def test_an_editor_filling_the_dates_is_refused_naming_each_cell(tmp_path, make_user, today):
    editor = make_user("editor", "市公安局")
    path = new_rows(tmp_path / "e.xlsx", ["户籍人口基本信息"], [{FIRST: "2019-03-01", LAST: "2024-06-15"}])
    report, counts = imports.import_file(path, user=editor)
    assert counts == {} and count(Entry) == 0
    assert [(p.header, p.row, p.value) for p in report.problems] == [(FIRST, 2, "2019-03-01"), (LAST, 2, "2024-06-15")]
    assert str(report.problems[0]).startswith("工作表「信息资源」第 2 行 ")
    assert str(report.problems[0]).endswith(f"（{FIRST}）：「{FIRST}」只有平台管理员导入并直接发布时可填写，请清空此单元格")


def test_an_admin_import_going_to_review_refuses_the_dates(tmp_path, admin, today):
    path = new_rows(tmp_path / "e.xlsx", ["户籍人口基本信息"], [{FIRST: "2019-03-01"}])
    report, counts = imports.import_file(path, user=admin)          # no publish reason: submitted for review
    assert counts == {} and count(Entry) == 0
    [problem] = report.problems
    assert (problem.header, problem.row) == (FIRST, 2)
    assert problem.message == f"「{FIRST}」只有直接发布时可填写：请写明直接发布原因，或清空此单元格"


def test_future_dates_and_updates_before_publication_name_the_cell_and_the_value(tmp_path, admin, today):
    path = new_rows(tmp_path / "e.xlsx", ["甲资源", "乙资源", "丙资源"],
                    [{FIRST: "2026-06-02"}, {FIRST: "2024-06-15", LAST: "2019-03-01"}, {LAST: "2024-06-15"}])
    report, counts = imports.import_file(path, user=admin, publish_reason="迁移原目录")
    assert counts == {} and count(Entry) == 0
    assert [(p.row, p.header, p.value, p.message) for p in report.problems] == [
        (2, FIRST, "2026-06-02", f"「{FIRST}」“2026-06-02”晚于今天（2026-06-01），不能是将来的日期"),
        (3, LAST, "2019-03-01", f"「{LAST}」“2019-03-01”早于「{FIRST}」“2024-06-15”：资源不能在首次发布之前更新"),
        (4, LAST, "2024-06-15", f"「{LAST}」“2024-06-15”须与「{FIRST}」一并填写"),
    ]


def test_the_publishing_service_checks_the_dates_itself(admin, make_entry, today):
    from app.catalog import services as catalog
    from app.core.db import transaction
    from app.core.errors import InvalidInput
    entry = make_entry(publish=False)
    with pytest.raises(InvalidInput) as refused, transaction():
        catalog.publish_directly([entry], user=admin, reason="迁移",
                                 original_dates={entry.id: {"first_published_on": "2027-01-01"}})
    assert refused.value.problems[0].message == (
        f"信息资源“{entry.resource_code}”：「{FIRST}」“2027-01-01”晚于今天（2026-06-01），不能是将来的日期")


# ---- the web import ----------------------------------------------------------------------------------------

def test_the_web_import_keeps_the_dates_only_when_the_admin_publishes_directly(tmp_path, admin, client, worker,
                                                                                today):
    login(client, admin)
    path = new_rows(tmp_path / "migrate.xlsx", ["户籍人口基本信息"], [{FIRST: "2019-03-01", LAST: "2024-06-15"}])
    job_id = upload(client, path)
    assert wait(client, job_id)["state"] == "checked"
    page = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert 'id="clean"' in page
    assert re.search(r'id="original-dates">其中 1 条填写了原目录的「首次发布日期」「最近更新日期」', page)
    refused = client.post(f"/imports/{job_id}/commit", data={"csrf_token": token(page)})
    assert refused.status_code == 422
    assert "文件中有 1 条信息资源填写了「首次发布日期」「最近更新日期」：只有直接发布时才能保留这些日期" in \
        refused.get_data(as_text=True)
    response = client.post(f"/imports/{job_id}/commit", data={"csrf_token": token(page), "publish": "1",
                                                               "publish_reason": "迁移原开放数据目录"})
    assert response.status_code == 302
    assert wait(client, job_id)["state"] == "done"
    entry = imported("户籍人口基本信息")
    assert entry.published_version.data["release_date"] == "2019-03-01"
    assert entry.last_update_on == dt.date(2024, 6, 15)


def test_an_editors_web_dry_run_reports_the_date_cells(tmp_path, make_user, client, worker, today):
    editor = make_user("editor", "市公安局")
    login(client, editor)
    path = new_rows(tmp_path / "e.xlsx", ["户籍人口基本信息"], [{FIRST: "2019-03-01"}])
    job_id = upload(client, path)
    wait(client, job_id)
    html = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "只有平台管理员导入并直接发布时可填写" in html and 'id="commit-form"' not in html
