"""Error report fixtures: a provider (市公安局) with a published eight-item entry, a reporting department (市民政局),
a third department (市教育局) that must see nothing, the authority, and a clock the test moves."""
from __future__ import annotations

import re

import pytest

from app.core.db import transaction
from tests.conftest import edit

PROVIDER, REPORTER, THIRD, AUTHORITY = "市公安局", "市民政局", "市教育局", "市政务服务数据管理局"
from tests.sharing.conftest import ITEMS, eight_items  # noqa: F401  (the same 8-item entry as the sharing tests)


@pytest.fixture
def people(make_user):
    return {
        "seeker": make_user("seeker", REPORTER),
        "reporter_editor": make_user("editor", REPORTER),
        "responder": make_user("responder", PROVIDER),
        "editor": make_user("editor", PROVIDER),
        "authority": make_user("authority_reviewer", AUTHORITY),
        "admin": make_user("admin", AUTHORITY),
        "third": make_user("seeker", THIRD),
    }


@pytest.fixture
def entry(make_entry, people, clock):
    clock("2026-11-02")  # a Monday: ten working days later is 2026-11-16
    return make_entry(user=people["editor"], **eight_items())


def file_report(entry, user, items=("公民身份号码",), kind="data", description="张三的公民身份号码少一位", evidence=None):
    from app.sharing import reports

    with transaction():
        return reports.report(entry, user, {"kind": kind, "description": description}, list(items), evidence)


def publish_revision(entry, people, summary="更正后的摘要。"):
    """The provider revises the entry and the admin publishes the revision: a version published after a report."""
    from app import catalog
    from app.catalog import Entry
    from app.extensions import db

    with transaction():
        current = db.session.get(Entry, entry.id)
        edit(current, eight_items(summary=summary), user=db.session.merge(people["editor"]))
        catalog.publish_directly([current], user=db.session.merge(people["admin"]), reason="更正数据疑问")
    return db.session.get(Entry, entry.id).published_version


def token(client, path):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def logout(client):
    assert client.post("/logout", data={"csrf_token": token(client, "/")}).status_code == 302
