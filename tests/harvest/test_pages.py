"""The docking pages: admins' sources, form, run now and report; the read-only harvested record; harvested records
in the portal's search (marked with their source), in a full reindex and in the health counts."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import indexing
from app.audit import AuditEntry
from app.extensions import db
from app.harvest import HarvestedEntry, HarvestSource, RunState, tasks
from tests.harvest.conftest import harvest_now
from tests.portal.test_portal import OPEN, login
from tests.security.conftest import csrf_token

TIME = "2026-03-01T08:00:00.000001"


@pytest.fixture
def harvested(ckan, make_source, harvest_settings):
    """A foreign CKAN with an open dataset and a private one (read with a token), harvested once."""
    ckan.token = "token-of-the-city"
    ckan.add("bus-lines", "公交线路信息", TIME,
             resources=[{"id": "r1", "name": "线路表", "format": "CSV", "url": "https://files.example.org/l.csv"},
                        {"id": "r2", "name": "脚本", "format": "JS", "url": "javascript:alert(1)"}])
    ckan.add("inspections", "出租车稽查记录", TIME, private=True)
    source = make_source(ckan.url, name="某市交通数据平台", token="token-of-the-city")
    run = harvest_now(source.id)
    assert run.state == RunState.succeeded and run.added == 2
    found = {r.remote_name: r for r in db.session.scalars(select(HarvestedEntry))}
    return source, found["bus-lines"], found["inspections"], run


def _text(response) -> str:
    return response.get_data(as_text=True)


# ---- who may use the admin pages --------------------------------------------------------------------------------

def test_only_admins_use_the_docking_pages(client, harvested, make_user, admin):
    source, _open, _private, run = harvested
    pages = ["/admin/harvest/", "/admin/harvest/new", f"/admin/harvest/{source.id}",
             f"/admin/harvest/{source.id}/edit", f"/admin/harvest/runs/{run.id}"]
    for page in pages:
        assert client.get(page).status_code == 302  # to sign in
    login(client, make_user(("authority_reviewer", "editor"), "市政务服务数据管理局"))
    token = csrf_token(client)
    for page in pages:
        assert client.get(page).status_code == 403, page
    for action in ("run", "pause"):
        assert client.post(f"/admin/harvest/{source.id}/{action}", data={"csrf_token": token}).status_code == 403
    assert "目录对接" not in _text(client.get("/notifications/"))  # not in their menu
    client.post("/logout", data={"csrf_token": token})
    login(client, admin)
    for page in pages:
        assert client.get(page).status_code == 200, page
    assert 'href="/admin/harvest/"' in _text(client.get("/notifications/"))  # the console menu's 目录对接


# ---- the source form --------------------------------------------------------------------------------------------

def test_the_source_form_names_every_bad_field_in_chinese(client, admin, harvested):
    login(client, admin)
    token = csrf_token(client)
    response = client.post("/admin/harvest/new", data={"csrf_token": token, "name": "", "url": "ftp://data.example.org",
                                                       "schedule": "sometimes", "api_token": "two words"})
    assert response.status_code == 422
    html = _text(response)
    for message in ("「来源名称」为必填项", "「来源地址」须以 http:// 或 https:// 开头", "请选择「对接频率」",
                    "「API 令牌」不能包含空格或控制字符"):
        assert message in html
    assert "two words" not in html  # a secret is never sent back
    for url, message in [("https://", "「来源地址」缺少主机名"), ("https://user:pw@data.example.org", "不能包含用户名或密码"),
                         ("https://data.example.org/?page=2", "不能带查询参数"),
                         ("https://data.example.org/api/3/action", "不含 /api/"),
                         ("https://data.example.org:99999", "不是有效的网址"),
                         (harvested[0].url + "/", "已登记为对接来源")]:
        response = client.post("/admin/harvest/new", data={"csrf_token": token, "name": "新来源", "url": url,
                                                           "schedule": "daily"})
        assert response.status_code == 422 and message in _text(response), url
    response = client.post("/admin/harvest/new", data={"csrf_token": token, "name": "某市交通数据平台",
                                                       "url": "https://other.example.org", "schedule": "daily"})
    assert "已有名为“某市交通数据平台”的对接来源" in _text(response)


def test_an_admin_registers_a_source_and_it_is_audited(client, admin):
    login(client, admin)
    response = client.post("/admin/harvest/new", data={
        "csrf_token": csrf_token(client), "name": "金水区政务信息资源目录", "url": "HTTPS://Jinshui.Example.gov.cn/catalog/",
        "schedule": "hourly", "api_token": "abc123"})
    assert response.status_code == 302
    source = db.session.scalar(select(HarvestSource))
    assert (source.url, source.schedule, source.api_token, source.state.value) == (
        "https://jinshui.example.gov.cn/catalog", "hourly", "abc123", "active")
    row = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "harvest_source.register"))
    assert row.actor_id == admin.id and "abc123" not in str(row.details)
    html = _text(client.get(response.location))
    assert "金水区政务信息资源目录" in html and "abc123" not in html and "已保存" in html


def test_editing_keeps_a_blank_token_and_clears_it_on_request(client, admin, harvested):
    source = harvested[0]
    login(client, admin)
    token = csrf_token(client)
    values = {"csrf_token": token, "name": "某市交通数据平台（新）", "url": source.url, "schedule": "weekly", "api_token": ""}
    assert client.post(f"/admin/harvest/{source.id}/edit", data=values).status_code == 302
    source = db.session.get(HarvestSource, source.id)
    assert (source.name, source.schedule, source.api_token) == ("某市交通数据平台（新）", "weekly", "token-of-the-city")
    assert source.high_water_mark is not None
    client.post(f"/admin/harvest/{source.id}/edit", data={**values, "clear_token": "1",
                                                          "url": "http://127.0.0.1:9/elsewhere"})
    source = db.session.get(HarvestSource, source.id)
    assert source.api_token is None and source.high_water_mark is None  # another address: read it whole
    assert "目录对接" in _text(client.get(f"/admin/harvest/{source.id}/edit"))


def test_pause_and_resume_the_schedule(client, admin, harvested):
    source = harvested[0]
    login(client, admin)
    token = csrf_token(client)
    client.post(f"/admin/harvest/{source.id}/pause", data={"csrf_token": token})
    assert db.session.get(HarvestSource, source.id).state.value == "paused"
    assert client.post(f"/admin/harvest/{source.id}/pause", data={"csrf_token": token}).status_code == 409
    client.post(f"/admin/harvest/{source.id}/resume", data={"csrf_token": token})
    assert db.session.get(HarvestSource, source.id).state.value == "active"


# ---- run now and the report --------------------------------------------------------------------------------------

def test_run_now_queues_a_job_for_the_worker_and_the_report_names_what_changed(app, client, admin, harvested, ckan,
                                                                                monkeypatch):
    source, open_record, private_record, _first = harvested
    queued = []
    monkeypatch.setitem(app.extensions, tasks.TASK_KEY, lambda *args: queued.append(args))
    login(client, admin)
    response = client.post(f"/admin/harvest/{source.id}/run", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert queued == [(source.id, False, "manual", admin.id)]  # after the commit, through the outbox
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "harvest_source",
                                                            AuditEntry.action == "harvest_source.run"))
    ckan.add("bus-lines", "公交线路信息（修订）", "2026-03-09T08:00:00")
    del ckan.packages["inspections"]
    ckan.extra_results = [{"title": "无名"}]
    run = tasks.run_job(*queued[0][:1], full=queued[0][1], trigger=queued[0][2], user_id=queued[0][3])
    html = _text(client.get(f"/admin/harvest/runs/{run.id}"))
    assert "新增 0、更新 1、撤销 1、未变 0、问题 1" in html
    assert f'href="/harvested/{open_record.id}"' in html and "公交线路信息（修订）" in html
    assert f'href="/harvested/{private_record.id}"' in html and "撤销（来源已不再提供）" in html
    assert "来源返回的数据集没有名称（name）" in html and "管理员立即对接" in html
    listing = _text(client.get("/admin/harvest/"))
    assert "某市交通数据平台" in listing and "新增 0、更新 1、撤销 1" in listing


def test_a_failed_run_says_why_on_its_report(client, admin, harvested, ckan):
    source = harvested[0]
    ckan.stop()
    run = harvest_now(source.id)
    login(client, admin)
    html = _text(client.get(f"/admin/harvest/runs/{run.id}"))
    assert "对接失败：" in html and "无法连接来源" in html and "本次未写入任何条目" in html


# ---- the harvested record ---------------------------------------------------------------------------------------

def test_the_record_page_is_read_only_and_names_its_source(client, harvested):
    _source, record, _private, _run = harvested
    html = _text(client.get(f"/harvested/{record.id}"))
    assert "本条目录由「某市交通数据平台」汇聚而来，如需修改请联系来源平台" in html
    assert "来源：某市交通数据平台（汇聚）" in html and "只读" in html
    assert "修订" not in html and "/edit" not in html  # nothing to edit here
    assert f'href="{harvested[0].url}/dataset/bus-lines"' in html  # the original at the source
    assert 'href="https://files.example.org/l.csv"' in html
    assert "javascript:" not in html  # a harvested link that is not http(s) is not a link
    assert "某市交通运输局" in html and "更新频率" in html and "每月" in html  # CKAN's organization and extras


def test_the_public_sees_open_records_only(client, harvested, make_user):
    _source, open_record, private_record, _run = harvested
    assert client.get(f"/harvested/{open_record.id}").status_code == 200
    assert client.get(f"/harvested/{private_record.id}").status_code == 404
    login(client, make_user("seeker", "市民政局"))
    assert client.get(f"/harvested/{private_record.id}").status_code == 200


def test_a_removed_record_is_404_except_to_admins(client, harvested, ckan, make_user, admin):
    source, record, _private, _run = harvested
    del ckan.packages["bus-lines"]
    assert harvest_now(source.id).removed == 1
    assert client.get(f"/harvested/{record.id}").status_code == 404
    login(client, make_user("seeker", "市民政局"))
    assert client.get(f"/harvested/{record.id}").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, admin)
    response = client.get(f"/harvested/{record.id}")
    assert response.status_code == 200 and "已在来源撤销" in _text(response)


def test_our_own_registrys_package_is_shown_with_the_schemas_labels(client, ckan, make_source, harvest_settings):
    from tests.conftest import valid_values

    values = valid_values(**OPEN)
    ckan.add("101001-000007", "户籍人口基本信息", TIME, resource_code="101001/000007", notes=values["summary"],
             **{k: v for k, v in values.items() if k != "name"},
             organization={"id": "3", "name": "006", "title": "金水区公安局", "credit_code": "11410100MB1234567X"},
             url="https://jinshui.example.gov.cn/entries/7")
    source = make_source(ckan.url, name="金水区政务信息资源目录")
    harvest_now(source.id)
    record = db.session.scalar(select(HarvestedEntry))
    assert record.resource_code == "101001/000007" and record.organization_credit_code == "11410100MB1234567X"
    html = _text(client.get(f"/harvested/{record.id}"))
    assert "信息资源代码" in html and "101001/000007" in html
    assert "共享类型" in html and "无条件共享" in html and "更新周期" in html and "实时" in html
    assert "监测站点" in html and "信息项" in html  # the data items table
    assert 'href="https://jinshui.example.gov.cn/entries/7"' in html
    assert record.public  # open_to_public and not secret


# ---- search, reindex, health ------------------------------------------------------------------------------------

def _hits(client, q: str) -> str:
    return _text(client.get("/search", query_string={"q": q}))


def test_the_portal_search_finds_harvested_records_marked_with_their_source(client, harvested, make_user):
    _source, record, private_record, _run = harvested
    html = _hits(client, "公交线路")
    assert f'href="/harvested/{record.id}"' in html and "来源：某市交通数据平台（汇聚）" in html
    assert f'href="/harvested/{private_record.id}"' not in _hits(client, "出租车稽查")  # the public: open only
    login(client, make_user("seeker", "市民政局"))
    assert f'href="/harvested/{private_record.id}"' in _hits(client, "出租车稽查")


def test_a_full_reindex_keeps_harvested_records_and_health_counts_them(harvested):
    _source, record, private_record, _run = harvested
    assert {-record.id, -private_record.id} <= indexing.indexed_ids()
    indexing.reindex()
    assert {-record.id, -private_record.id} <= indexing.indexed_ids()
    report = indexing.health()
    assert report["provided"] == {"harvest": 2} and report["in_step"] and report["documents"] == 2


def test_html_of_the_search_page_links_local_entries_as_before(client, make_entry, harvested):
    entry = make_entry(**{**OPEN, "name": "公交运营信息"})
    html = _hits(client, "公交")
    assert f'href="/entries/{entry.id}"' in html and re.search(r'href="/harvested/\d+"', html)


def test_a_local_entry_page_never_lists_a_harvested_record_among_its_related_entries(client, ckan, make_source,
                                                                                     harvest_settings, make_entry):
    """Harvested documents carry no department and no classification: the pages that list a department's or a
    classification item's entries as local entries (相关信息资源, the department page) never meet one."""
    entry = make_entry(**OPEN)
    ckan.add("201001-000009", "空气质量监测日报", TIME, resource_code="201001/000009", category_code="201001",
             open_to_public=True)
    harvest_now(make_source(ckan.url).id)
    record = db.session.scalar(select(HarvestedEntry))
    assert -record.id in indexing.indexed_ids()
    response = client.get(f"/entries/{entry.id}")
    assert response.status_code == 200 and "/harvested/" not in _text(response)
    assert f'href="/harvested/{record.id}"' in _hits(client, "空气质量")
