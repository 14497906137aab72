"""A long import while other people sign in, save and search, against a live server: never a 500.

On SQLite one writer holds the lock at a time. The import reads and checks its file without the lock and writes
in one short transaction; a save that cannot get the lock in time is answered 503 "系统繁忙，请稍后重试" with
Retry-After; reads never wait. On PostgreSQL nothing waits at all.
"""
from __future__ import annotations

import http.client
import re
import statistics
import threading
import time
import urllib.parse

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.accounts import User
from app.catalog import Entry
from app.extensions import db
from app.imports import services as imports
from tests.catalog.test_views import GOOD
from tests.imports.test_worker_crash import workbook

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
BASE = re.compile(r'name="base_version" value="([^"]*)"')


class Browser:
    """A signed-in (or anonymous) visitor over one HTTP connection, with its own cookies."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, text, time.perf_counter() - started

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *_exc) -> None:
        self.connection.close()


@pytest.fixture
def live(app):
    app.config["REQUEST_LOCK_WAIT_MS"] = 300  # give up on the lock quickly, so the 503 path is exercised
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def test_a_long_import_never_gives_other_users_a_500(app, live, make_user, make_entry, department, tmp_path):
    police = department("市公安局")
    editors = [make_user("editor", "市公安局") for _ in range(3)]
    usernames = [editor.username for editor in editors]  # the threads below have no database session
    admin_id = make_user("admin", "市政务服务数据管理局").id
    entry_ids = [make_entry(user=editors[0], name=f"户籍资源{n}").id for n in range(3)]
    path = workbook(tmp_path / "大批量.xlsx", police)
    before = db.session.scalar(select(func.count(Entry.id)))
    db.session.commit()

    outcome: dict = {}
    statuses: dict[str, list[int]] = {"sign-in": [], "save": [], "search": []}
    search_times: list[float] = []
    retry_after: list[str] = []
    problems: list[str] = []

    def importing():  # what the worker does with a confirmed job
        with app.app_context():
            report, counts = imports.import_file(path, user=db.session.get(User, admin_id), publish_reason="集中发布")
            outcome.update(problems=len(report.problems), counts=counts)

    def saving(n: int):
        try:
            with Browser(live) as visitor:
                _save_rounds(visitor, n)
        except Exception as error:  # reported by the assertion below
            problems.append(repr(error))

    def _save_rounds(visitor: Browser, n: int):
        page = visitor.request("GET", "/login")[2]
        status = visitor.request("POST", "/login", {"username": usernames[n], "password": "correct-horse-1",
                                                    "csrf_token": TOKEN.search(page).group(1)})[0]
        statuses["sign-in"].append(status)
        if status != 302:
            return
        url = f"/manage/entries/{entry_ids[n]}/edit"
        for round_ in range(15):
            status, _headers, form, _took = visitor.request("GET", url)
            if status != 200:
                statuses["save"].append(status)
                continue
            fields = {**GOOD, "name": f"户籍资源{n}", "summary": f"第 {round_} 次保存的摘要。", "action": "save",
                      "csrf_token": TOKEN.search(form).group(1), "base_version": BASE.search(form).group(1)}
            status, headers, _text, _took = visitor.request("POST", url, fields)
            statuses["save"].append(status)
            if status == 503:
                retry_after.append(headers.get("Retry-After", ""))

    def searching():
        with Browser(live) as visitor:
            for _ in range(40):
                status, _headers, _text, took = visitor.request("GET", "/search?" + urllib.parse.urlencode({"q": "户籍"}))
                statuses["search"].append(status)
                search_times.append(took)

    threads = [threading.Thread(target=importing)] + [threading.Thread(target=saving, args=(n,)) for n in range(3)] \
        + [threading.Thread(target=searching)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert not problems, problems
    assert outcome.get("problems") == 0 and outcome["counts"]["created"] == 3000, outcome
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Entry.id))) == before + 3000  # the import, whole
    every = [status for values in statuses.values() for status in values]
    assert every and not [status for status in every if status >= 500 and status != 503], statuses
    assert set(statuses["sign-in"]) <= {302, 503} and set(statuses["save"]) <= {302, 503}, statuses
    assert 302 in statuses["save"]  # saves went through around the import's write
    assert all(value.isdigit() for value in retry_after), retry_after
    assert set(statuses["search"]) == {200}
    assert statistics.median(search_times) < 0.5 and max(search_times) < 3, search_times


def test_a_save_that_cannot_get_the_write_lock_is_a_calm_503_and_reads_do_not_wait(
        app, client, make_user, make_entry, database_url):
    """Another writer holds the database (on SQLite, the one write lock; on PostgreSQL, a row of another entry)."""
    from tests.catalog.test_views import form_for
    from tests.portal.test_portal import login

    app.config["REQUEST_LOCK_WAIT_MS"] = 200
    editor = make_user("editor", "市公安局")
    mine, other = make_entry(user=editor, name="户籍资源甲"), make_entry(user=editor, name="户籍资源乙")
    login(client, editor)
    url = f"/manage/entries/{mine.id}/edit"
    form = form_for(client, url, **{**GOOD, "name": "户籍资源甲", "summary": "锁被占用时保存的摘要。"})
    holder = _hold_a_write(database_url, other.id)
    try:
        started = time.perf_counter()
        assert client.get(f"/entries/{mine.id}").status_code == 200  # reads never wait on a writer
        assert time.perf_counter() - started < 1
        response = client.post(url, data=form)
        if database_url.startswith("sqlite"):
            assert response.status_code == 503
            assert response.headers["Retry-After"] == str(app.config["BUSY_RETRY_AFTER_SECONDS"])
            assert "系统繁忙，请稍后重试" in response.get_data(as_text=True)
        else:  # PostgreSQL: a row of another entry being written holds nobody else up
            assert response.status_code == 302
    finally:
        holder.rollback()
        holder.close()
    db.session.rollback()
    summaries = [v.data["summary"] for v in db.session.get(Entry, mine.id).versions]
    if database_url.startswith("sqlite"):
        assert "锁被占用时保存的摘要。" not in summaries  # refused whole
        form = form_for(client, url, **{**GOOD, "name": "户籍资源甲", "summary": "锁释放后保存的摘要。"})
        assert client.post(url, data=form).status_code == 302  # and the next try, once free, goes through
    else:
        assert "锁被占用时保存的摘要。" in summaries


def _hold_a_write(database_url: str, entry_id: int):
    """An open transaction of another client that has written (and not committed) another entry's row."""
    if database_url.startswith("sqlite"):
        import sqlite3
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE entry SET updated_at = updated_at WHERE id = ?", (entry_id,))
        return connection
    import psycopg
    connection = psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"))
    connection.execute("UPDATE entry SET updated_at = updated_at WHERE id = %s", (entry_id,))
    return connection
