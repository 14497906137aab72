"""Fixtures of the security tests: a catalog with something behind every kind of id, and CSRF tokens."""
from __future__ import annotations

import re

import pytest

from app import catalog
from app.core.db import transaction
from tests.conftest import edit, valid_values
from tests.portal.test_portal import OPEN

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client) -> str:
    """The session's CSRF token: from the sign-out button of a signed-in user (or whatever form the home page
    sends them to), else from the sign-in form."""
    found = TOKEN.search(client.get("/", follow_redirects=True).get_data(as_text=True)) or TOKEN.search(
        client.get("/login", follow_redirects=True).get_data(as_text=True))
    return found.group(1)


@pytest.fixture
def catalog_kinds(make_entry, make_user, admin):
    """One entry of each kind the public must not tell apart from a missing id, and one open entry.

    {"open", "closed" (published, not open), "draft", "in_review", "revised", "retired" (never published),
     "retired_published", "editor", "other_editor"}.
    """
    editor = make_user("editor", "市公安局")
    kinds = {
        "open": make_entry(user=editor, **OPEN),
        "closed": make_entry(user=editor, name="户籍人口基本信息"),
        "draft": make_entry(publish=False, user=editor, name="户籍迁移登记信息"),
        "in_review": make_entry(publish=False, user=editor, name="居住证办理信息"),
        "revised": make_entry(user=editor, name="出入境证件信息"),
        "retired": make_entry(publish=False, user=editor, name="已停用的草稿"),
        "retired_published": make_entry(user=editor, name="已停用的资源"),
    }
    with transaction():
        catalog.submit([kinds["in_review"]], user=editor)
        edit(kinds["revised"], valid_values(name="出入境证件信息", summary="修订中。"), user=editor)
        catalog.retire([kinds["retired"], kinds["retired_published"]], user=admin, reason="测试停用")
    return {**kinds, "editor": editor, "other_editor": make_user("editor", "市民政局")}
