"""GET requests never write: every page reachable by following links, as the public, a government user of
another department, the owning department's editor and an admin, while drafts, reviews, a pending index
message and an import job exist. SQLAlchemy's cursor hook records every statement that reaches the database;
the sign-in session's "last seen" and the rate-limit counters are the only tables a read may write."""
from __future__ import annotations

import html as html_lib
import re
from collections import deque

import pytest
from sqlalchemy import event, insert

from app import catalog
from app.core.db import READ_WRITABLE_TABLES, ReadOnlyViolation, _write_target, transaction
from app.extensions import db
from app.outbox import OutboxMessage
from tests.conftest import edit, valid_values
from tests.portal.test_portal import OPEN, login

# links a crawler must not follow: signing out is a POST anyway; static files never touch the database
SKIP = re.compile(r"^/(static/|logout|downloads/)")  # a download is audited (a write), by design
LIMIT = 250


@pytest.fixture
def busy_catalog(make_entry, make_user, admin):
    """Published, open, draft, in-review and under-revision entries, and work waiting after commit."""
    editor = make_user("editor", "市公安局")
    published = make_entry(user=editor)
    make_entry(**OPEN)
    draft = make_entry(publish=False, user=editor, name="户籍迁移登记信息")
    revised = make_entry(user=editor, name="居住证办理信息")
    with transaction():
        catalog.submit([draft], user=editor)
        edit(revised, valid_values(name="居住证办理信息", summary="修订中。"), user=editor)
    # an index message nobody has handled yet: reads used to apply such rows
    db.session.execute(insert(OutboxMessage).values(topic="search.index", key=f"entry:{published.id}",
                                                    payload={"entry_id": published.id}, attempts=0))
    db.session.commit()
    return editor


@pytest.fixture
def writes(app):
    """Every INSERT, UPDATE or DELETE that reaches the database while recording."""
    recorded: list[str] = []
    state = {"on": False}

    def record(_conn, _cursor, statement, _params, _context, _executemany):
        verb, table = _write_target(statement)
        if state["on"] and verb and table not in READ_WRITABLE_TABLES:
            recorded.append(f"{verb} {table}")

    event.listen(db.engine, "before_cursor_execute", record)
    yield recorded, state
    event.remove(db.engine, "before_cursor_execute", record)


def crawl(client, starts: list[str]) -> dict[str, int]:
    """Follow every same-site link breadth first (up to LIMIT pages); the status of each page."""
    seen: dict[str, int] = {}
    queue = deque(starts)
    while queue and len(seen) < LIMIT:
        url = queue.popleft()
        if url in seen or SKIP.match(url):
            continue
        with client.get(url) as response:  # downloads are streamed files: close them
            seen[url] = response.status_code
            if response.mimetype == "text/html":
                for href in re.findall(r'href="(/[^"#]*)"', response.get_data(as_text=True)):
                    queue.append(html_lib.unescape(href))
    return seen


EXTRA = ["/search.json?q=户籍", "/search/suggest?q=户籍", "/imports/template.xlsx", "/imports/export.xlsx?q=户籍",
         "/entries/999999", "/manage/entries/999999", "/review/999999", "/admin/workflows"]


@pytest.mark.parametrize("who", ["public", "other department", "owning department's editor", "admin"])
def test_no_get_writes_anything(app, client, busy_catalog, make_user, writes, who):
    users = {"other department": lambda: make_user("seeker", "市民政局"),
             "owning department's editor": lambda: busy_catalog,
             "admin": lambda: make_user("admin", "市政务服务数据管理局")}
    app.config.update(SEARCH_RATE_LIMIT_PUBLIC="10000 per minute", SUGGEST_RATE_LIMIT_PUBLIC="10000 per minute",
                      EXPORT_RATE_LIMIT="10000 per hour", EXPORT_RATE_LIMIT_PUBLIC_TOTAL="10000 per hour")
    # a session's or an API token's "last seen", and rate-limit counters: nothing of the catalog
    assert READ_WRITABLE_TABLES <= {"user_session", "rate_limit_counter", "api_token"}
    if who in users:
        login(client, users[who]())
    recorded, state = writes
    state["on"] = True
    pages = crawl(client, ["/", "/manage/", "/review/", "/imports/"] + EXTRA)
    state["on"] = False
    assert recorded == [], f"GET requests wrote: {sorted(set(recorded))}"
    assert not [url for url, status in pages.items() if status >= 500]
    assert len(pages) >= (20 if who == "public" else 60), sorted(pages)  # the crawl reached the site


def test_a_read_that_tries_to_write_is_refused(app, client, make_entry):
    """The guard behind the crawl: inside a GET, an INSERT, UPDATE or DELETE raises and nothing is written."""
    entry = make_entry()

    @app.get("/test-only/write-in-a-read")
    def write_in_a_read():
        db.session.execute(insert(OutboxMessage).values(topic="search.index", key="x", payload={}, attempts=0))
        return "written"

    with pytest.raises(ReadOnlyViolation):
        client.get("/test-only/write-in-a-read")
    from app import outbox
    assert outbox.pending() == 0 and entry.id
