"""Docking between two registries on loopback (目录对接): a district's registry serves its catalog through the CKAN
Action API; the city's registry (the test's app) harvests it, sees the district change and retire entries on the
next, incremental run, and with an API token of the district also its government catalog."""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app import accounts, catalog, create_app, indexing
from app.core.db import transaction
from app.extensions import db
from app.harvest import (
    HarvestedEntry,
    RunState,
    register_source,
    run_source,
    source_for_url,
)
from search.query import SearchQuery
from tests.conftest import edit, valid_values
from tests.portal.test_portal import OPEN


class District:
    """The district's registry: its own app, database, search index and instance folder, served on 127.0.0.1."""

    def __init__(self, app, url):
        self.app, self.url = app, url

    def do(self, work):
        """Run `work()` as one unit of work of the district (its own app context and session)."""
        with self.app.app_context():
            with transaction():
                result = work()
            db.session.remove()
        return result


@pytest.fixture
def district(app, databases, tmp_path, monkeypatch):
    url, drop = databases.new()
    monkeypatch.setenv("CATALOG_INSTANCE_PATH", str(tmp_path / "district-instance"))
    district_app = create_app({"DATABASE_URL": url, "TESTING": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    server = make_server("127.0.0.1", 0, district_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield District(district_app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with district_app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


def _people():
    admin = accounts.create_user(username="district-admin", display_name="区管理员", roles=["admin"],
                                 department_code="001", password="correct-horse-1")
    seeker = accounts.create_user(username="city-harvester", display_name="市平台对接账号", roles=["seeker"],
                                  department_code="001", password="correct-horse-1")
    return admin.id, seeker.id


def _publish(admin_id: int, **values) -> int:
    admin = db.session.get(accounts.User, admin_id)
    entry = catalog.create_entry(valid_values(**values), user=admin)
    catalog.publish_directly([entry], user=admin, reason="区级目录编制")
    return entry.id


def _records() -> dict[str, HarvestedEntry]:
    db.session.rollback()
    return {r.title: r for r in db.session.scalars(select(HarvestedEntry))}


def _search(text: str, *, public_only: bool) -> list[int]:
    return [h.id for h in indexing.backend().search(SearchQuery(text=text, public_only=public_only)).hits]


def _get(base: str, path: str, **query) -> tuple[int, str]:
    """A page of the city's registry, over HTTP like any visitor's."""
    url = f"{base}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_city_harvests_a_district_sees_its_changes_and_retirements(app, live_server, district, admin):
    city = live_server  # both registries serve on 127.0.0.1
    app.config["HARVEST_OVERLAP_SECONDS"] = 0  # exact counts: nothing asked for again
    admin_id, seeker_id = district.do(_people)
    air = district.do(lambda: _publish(admin_id, **OPEN))
    noise = district.do(lambda: _publish(admin_id, **{**OPEN, "name": "噪声监测月报"}))
    district.do(lambda: _publish(admin_id, name="户籍人口基本信息"))  # for government users only
    codes = district.do(lambda: {db.session.get(catalog.Entry, i).published_version.name:
                                 db.session.get(catalog.Entry, i).resource_code for i in (air, noise)})

    # the city registers the district and harvests its open catalog
    with transaction():
        source = register_source({"name": "金水区政务信息资源目录", "url": district.url, "schedule": "hourly"},
                                 user=admin)
    run = run_source(source.id, trigger="manual", actor=admin)
    assert run.state == RunState.succeeded, run.error
    assert (run.added, run.updated, run.removed, run.errors) == (2, 0, 0, 0)
    found = _records()
    assert set(found) == {"空气质量监测日报", "噪声监测月报"}  # the government-only entry is not open to us
    air_record = found["空气质量监测日报"]
    assert air_record.resource_code == codes["空气质量监测日报"] and air_record.public
    assert air_record.package["url"] == f"{district.url}/entries/{air}"
    assert _search("空气质量", public_only=True) == [-air_record.id]
    _status, html = _get(city, "/search", q="空气质量")
    assert f'href="/harvested/{air_record.id}"' in html and "来源：金水区政务信息资源目录（汇聚）" in html
    hits = json.loads(_get(city, "/search.json", q="空气质量")[1])["hits"]
    assert [(h["url"], h["harvest_source"]) for h in hits] == [(f"/harvested/{air_record.id}", "金水区政务信息资源目录")]
    # the city's CKAN API serves its own catalog only: what it harvested is not published again
    assert json.loads(_get(city, "/api/3/action/package_search", q="空气质量")[1])["result"]["count"] == 0
    _status, page = _get(city, f"/harvested/{air_record.id}")
    assert "本条目录由「金水区政务信息资源目录」汇聚而来，如需修改请联系来源平台" in page
    assert f'href="{district.url}/entries/{air}"' in page

    # the district revises one entry and retires the other
    def revise_and_retire():
        district_admin = db.session.get(accounts.User, admin_id)
        entry = db.session.get(catalog.Entry, air)
        edit(entry, valid_values(**{**OPEN, "summary": "全市各监测站点每日空气质量指数（AQI）及首要污染物。"}),
             user=district_admin)
        catalog.publish_directly([entry], user=district_admin, reason="补充首要污染物")
        catalog.retire([db.session.get(catalog.Entry, noise)], user=district_admin, reason="职能调整")

    district.do(revise_and_retire)
    run = run_source(source.id, trigger="schedule")
    assert run.state == RunState.succeeded, run.error
    assert not run.full and run.since is not None
    assert (run.added, run.updated, run.removed, run.unchanged, run.errors) == (0, 1, 1, 0, 0)
    found = _records()
    assert found["空气质量监测日报"].package["summary"] == "全市各监测站点每日空气质量指数（AQI）及首要污染物。"
    noise_record = found["噪声监测月报"]
    assert noise_record.removed_at is not None
    assert run.changes == {"added": [], "updated": [air_record.id], "removed": [noise_record.id]}
    assert _search("首要污染物", public_only=True) == [-air_record.id]
    assert _search("噪声监测", public_only=False) == []
    assert _get(city, f"/harvested/{noise_record.id}")[0] == 404
    _status, html = _get(city, "/search", q="空气质量")
    assert "首要污染物" in html and "噪声监测月报" not in _get(city, "/search", q="监测")[1]

    # with an API token of the district, the city also harvests its government catalog (not open to the public)
    raw = district.do(lambda: accounts.create_token(db.session.get(accounts.User, seeker_id), "市平台对接")[1])
    with transaction():
        source_for_url(district.url, token=raw)
    run = run_source(source.id, full=True, trigger="command")
    assert run.state == RunState.succeeded, run.error
    assert (run.added, run.removed, run.unchanged) == (1, 0, 1)
    household = _records()["户籍人口基本信息"]
    assert not household.public
    assert _search("户籍人口", public_only=True) == [] and _search("户籍人口", public_only=False) == [-household.id]
    assert _get(city, f"/harvested/{household.id}")[0] == 404  # the public: open records only
