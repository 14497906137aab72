"""Rate limits: anonymous search, suggestions and exports, uploads and sign-in tries; 429 in Chinese with Retry-After;
counters in the catalog database, shared by every worker process, written also by reads, never holding a page up."""
import datetime as dt
import time

import pytest
from sqlalchemy import create_engine, func, select

from app import create_app
from app.accounts import ratelimits
from app.accounts import RateLimitCounter, UserSession
from app.extensions import db
from tests.accounts.helpers import PASSWORD, csrf, try_sign_in
from tests.conftest import FreshContextClient


def counters() -> int:
    """Counters where they live: the catalog database on PostgreSQL, a file of their own beside it on SQLite."""
    with ratelimits._counters(write=False) as connection:
        return connection.scalar(select(func.count()).select_from(RateLimitCounter))


def test_anonymous_search_is_limited_per_address(app, browser_at):
    app.config["SEARCH_RATE_LIMIT_PUBLIC"] = "3 per minute"
    visitor = browser_at("198.51.100.1")
    # one budget for the search page, its JSON and the catalog pages
    assert [visitor.get(url).status_code for url in ("/search?q=户籍", "/search.json?q=户籍", "/catalogs/open")] == [
        200, 200, 200]
    page = visitor.get("/search?q=人口")
    assert page.status_code == 429
    assert 1 <= int(page.headers["Retry-After"]) <= 60
    assert "检索过于频繁，请" in page.get_data(as_text=True) and page.mimetype == "text/html"
    api = visitor.get("/search.json?q=人口")
    assert api.status_code == 429 and "Retry-After" in api.headers
    body = api.get_json()
    assert body["message"].startswith("检索过于频繁") and body["message_en"].startswith("too many searches")
    assert visitor.get("/").status_code == 200  # the home page is not a search
    assert browser_at("198.51.100.2").get("/search?q=人口").status_code == 200  # another address has its own


def test_signed_in_users_are_not_limited_in_search(app, client, make_user):
    app.config["SEARCH_RATE_LIMIT_PUBLIC"] = "2 per minute"
    assert try_sign_in(client, make_user("seeker", "市民政局").username, PASSWORD).status_code == 302
    assert {client.get(f"/search?q=户籍{n}").status_code for n in range(6)} == {200}


def test_anonymous_suggestions_are_limited(app, browser_at):
    app.config["SUGGEST_RATE_LIMIT_PUBLIC"] = "2 per minute"
    visitor = browser_at("198.51.100.3")
    assert [visitor.get("/search/suggest?q=户").status_code for _ in range(2)] == [200, 200]
    refused = visitor.get("/search/suggest?q=户籍")
    assert refused.status_code == 429 and refused.is_json and "Retry-After" in refused.headers
    assert refused.get_json()["message"].startswith("检索过于频繁")


def test_anonymous_exports_are_limited_per_address_and_all_together(app, browser_at, make_user):
    app.config.update(EXPORT_RATE_LIMIT="2 per hour", EXPORT_RATE_LIMIT_PUBLIC_TOTAL="3 per hour")

    def export(browser):
        with browser.get("/imports/export.xlsx?q=户籍") as response:
            text_ = response.get_data(as_text=True) if response.status_code == 429 else ""
            return response.status_code, response.headers.get("Retry-After"), text_

    first = browser_at("198.51.100.4")
    assert [export(first)[0] for _ in range(2)] == [200, 200]
    status, retry_after, html = export(first)
    assert status == 429 and 1 <= int(retry_after) <= 3600 and "导出过于频繁" in html
    assert export(browser_at("198.51.100.5"))[0] == 200  # the third anonymous export of the hour
    assert export(browser_at("198.51.100.6"))[0] == 429  # all anonymous visitors together: no more
    signed_in = browser_at("198.51.100.7")
    assert try_sign_in(signed_in, make_user("seeker", "市民政局").username, PASSWORD).status_code == 302
    assert export(signed_in)[0] == 200  # a government user has their own budget


def test_uploads_are_limited_per_user(app, client, make_user):
    app.config["IMPORT_RATE_LIMIT"] = "1 per hour"
    assert try_sign_in(client, make_user("editor", "市公安局").username, PASSWORD).status_code == 302
    token = csrf(client, "/imports/")
    assert client.post("/imports/", data={"csrf_token": token}).status_code == 422  # counted: it was an upload try
    refused = client.post("/imports/", data={"csrf_token": token})
    assert refused.status_code == 429 and "上传过于频繁" in refused.get_data(as_text=True)


def test_sign_in_tries_are_limited_per_address(app, browser_at, make_user):
    app.config["LOGIN_RATE_LIMIT_ADDRESS"] = "3 per 10 minutes"
    user = make_user("editor", "市公安局")
    busy = browser_at("198.51.100.8")
    assert [try_sign_in(busy, f"user-{n}", "guess-abcdefgh").status_code for n in range(3)] == [401, 401, 401]
    refused = try_sign_in(busy, user.username, PASSWORD)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 600
    assert "登录尝试过于频繁" in refused.get_data(as_text=True) and 'name="username"' in refused.get_data(as_text=True)
    assert try_sign_in(browser_at("198.51.100.9"), user.username, PASSWORD).status_code == 302


def test_counters_are_in_the_database_shared_by_every_worker_process(app, browser_at, database_url, tmp_path):
    """gunicorn runs several processes: a second app on the same database sees the first one's counts."""
    app.config["SEARCH_RATE_LIMIT_PUBLIC"] = "3 per minute"
    assert app.extensions["catalog_limiter"]._storage.__class__.__name__ == "DatabaseStorage"
    assert [browser_at("198.51.100.10").get("/search?q=户籍").status_code for _ in range(2)] == [200, 200]
    assert counters() == 1  # written by GET requests (an allowed table)

    other = create_app({"DATABASE_URL": database_url, "TESTING": True, "SEARCH_RATE_LIMIT_PUBLIC": "3 per minute"})
    other.test_client_class = FreshContextClient
    try:
        worker = other.test_client()
        worker.environ_base["REMOTE_ADDR"] = "198.51.100.10"
        assert [worker.get("/search?q=户籍").status_code for _ in range(2)] == [200, 429]
    finally:
        with other.app_context():
            db.engine.dispose()


def test_a_storage_url_puts_the_counters_elsewhere(database_url, monkeypatch, tmp_path):
    """`CATALOG_RATE_LIMIT_STORAGE` (redis://… in production) replaces the database as the counters' store."""
    monkeypatch.setenv("CATALOG_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("CATALOG_RATE_LIMIT_STORAGE", "memory://")
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SEARCH_RATE_LIMIT_PUBLIC": "1 per minute"})
    app.test_client_class = FreshContextClient
    with app.app_context():
        try:
            visitor = app.test_client()
            assert [visitor.get("/search?q=户籍").status_code for _ in range(2)] == [200, 429]
            assert counters() == 0
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def hold_locks(database_url):
    """`hold_locks()`: from then on until the test ends, another connection holds the locks the counters and the
    last-seen times need (SQLite: the write lock, as a long import does; PostgreSQL: their tables' locks)."""
    engine = create_engine(database_url)
    connection = engine.connect()

    def hold():
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("LOCK TABLE rate_limit_counter, user_session IN EXCLUSIVE MODE")

    yield hold
    connection.rollback()
    connection.close()
    engine.dispose()


def test_a_busy_database_does_not_hold_pages_up(app, client, browser_at, make_user, hold_locks):
    """While another writer holds the catalog database, pages do not wait: on SQLite the counters are not in it
    (they keep counting), on PostgreSQL a counter whose row is locked is skipped; last-seen times are skipped."""
    app.config["SEARCH_RATE_LIMIT_PUBLIC"] = "1 per minute"
    user = make_user("editor", "市公安局")
    assert try_sign_in(client, user.username, PASSWORD).status_code == 302
    session_row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    session_row.last_seen_at -= dt.timedelta(minutes=5)  # due for a "last seen" write
    db.session.commit()
    before = counters()  # the sign-in's
    hold_locks()

    started = time.monotonic()
    visitor = browser_at("198.51.100.11")
    statuses = [visitor.get("/search?q=户籍").status_code for _ in range(3)]
    assert client.get("/manage/").status_code == 200
    assert time.monotonic() - started < 3
    if db.engine.dialect.name == "sqlite":
        assert statuses == [200, 429, 429] and counters() == before + 1
    else:
        assert statuses == [200, 200, 200] and counters() == before


def test_behind_a_reverse_proxy_each_client_has_its_own_budget(app, browser_at):
    """With `TRUSTED_PROXIES` set, the address the proxy saw counts; without it, X-Forwarded-For is not believed."""
    app.config["SEARCH_RATE_LIMIT_PUBLIC"] = "1 per minute"
    proxy = browser_at("10.0.0.2")
    forged = {"X-Forwarded-For": "203.0.113.1"}
    assert proxy.get("/search?q=户籍", headers=forged).status_code == 200
    assert proxy.get("/search?q=户籍", headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 429

    app.config["TRUSTED_PROXIES"] = 1
    assert proxy.get("/search?q=户籍", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.3"}).status_code == 200
    assert proxy.get("/search?q=户籍", headers={"X-Forwarded-For": "203.0.113.4"}).status_code == 200
    assert proxy.get("/search?q=户籍", headers={"X-Forwarded-For": "203.0.113.4"}).status_code == 429
