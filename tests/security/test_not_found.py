"""No existence oracle: "no such id" and "exists, but not yours to see" get the same answer (status, text,
headers); the entry page shows only the 关联资源代码 its viewer may see, each linked and named."""
from __future__ import annotations

import re

import pytest

from app.review import pending_review
from tests.portal.test_portal import OPEN, login
from tests.security.conftest import TOKEN, csrf_token

MISSING = 2147483647  # in range, and nobody's
NOT_FOUND = "未找到该信息资源或页面"


def answer(response) -> tuple:
    """What a visitor can observe of a response (the per-request CSRF token of the sign-out form aside)."""
    body = TOKEN.sub('name="csrf_token" value=""', response.get_data(as_text=True))
    return response.status_code, body, sorted(response.headers.items())


def test_the_public_cannot_tell_a_hidden_entry_from_a_missing_one(client, catalog_kinds):
    missing = answer(client.get(f"/entries/{MISSING}"))
    assert missing[0] == 404 and NOT_FOUND in missing[1]
    for kind in ("closed", "draft", "in_review", "revised", "retired", "retired_published"):
        assert answer(client.get(f"/entries/{catalog_kinds[kind].id}")) == missing, kind
    # a mistyped id, an id out of range and a page that does not exist: the same again
    for path in ("/entries/99999999999999999999", "/entries/abc", "/entries/0", "/no-such-page"):
        assert answer(client.get(path)) == missing, path
    assert client.get(f"/entries/{catalog_kinds['open'].id}").status_code == 200


def test_another_department_cannot_tell_an_unpublished_entry_from_a_missing_one(client, catalog_kinds):
    """Drafts and entries in review stay with their department: its pages, its edit form and its submit and
    withdraw buttons answer another department's editor as if the id did not exist."""
    login(client, catalog_kinds["other_editor"])
    token = csrf_token(client)
    for kind in ("draft", "in_review", "retired"):
        entry_id = catalog_kinds[kind].id
        for path in ("/manage/entries/{}", "/manage/entries/{}/edit", "/manage/entries/{}/history",
                     "/manage/entries/{}/compare?a=1&b=1", "/manage/entries/{}/retire", "/entries/{}"):
            assert answer(client.get(path.format(entry_id))) == answer(client.get(path.format(MISSING))), (kind, path)
        for path in ("/review/entries/{}/submit", "/review/entries/{}/withdraw", "/manage/entries/{}/edit"):
            hidden = client.post(path.format(entry_id), data={"csrf_token": token})
            missing = client.post(path.format(MISSING), data={"csrf_token": token})
            assert answer(hidden) == answer(missing) and hidden.status_code == 404, (kind, path)


def test_another_department_cannot_tell_a_review_from_a_missing_one(client, catalog_kinds, make_user):
    review = pending_review(catalog_kinds["in_review"])
    login(client, make_user("department_reviewer", "市民政局"))
    token = csrf_token(client)
    assert answer(client.get(f"/review/{review.id}")) == answer(client.get(f"/review/{MISSING}"))
    for action in ("approve", "return"):
        hidden = client.post(f"/review/{review.id}/{action}", data={"csrf_token": token, "comment": "x"})
        missing = client.post(f"/review/{MISSING}/{action}", data={"csrf_token": token, "comment": "x"})
        assert hidden.status_code == 404 and answer(hidden) == answer(missing), action
    assert pending_review(catalog_kinds["in_review"]) is not None  # nothing was decided


def test_bulk_approval_does_not_name_another_departments_review(client, catalog_kinds, make_user):
    review = pending_review(catalog_kinds["in_review"])
    login(client, make_user("department_reviewer", "市民政局"))

    def bulk(review_id: int) -> str:
        response = client.post("/review/bulk", data={"csrf_token": csrf_token(client), "review": str(review_id)},
                               follow_redirects=True)
        return TOKEN.sub("", response.get_data(as_text=True))

    hidden = bulk(review.id)
    assert "批量通过 0 条" in hidden and "居住证办理信息" not in hidden
    assert catalog_kinds["in_review"].resource_code not in hidden
    assert hidden == bulk(MISSING)


def test_a_published_entry_of_another_department_is_still_named_when_it_may_not_be_edited(client, catalog_kinds):
    """What a user may see is not hidden: editing another department's published entry is a clear 403."""
    login(client, catalog_kinds["other_editor"])
    response = client.get(f"/manage/entries/{catalog_kinds['closed'].id}/edit")
    assert response.status_code == 403 and "您无权修改“市公安局”的信息资源" in response.get_data(as_text=True)


@pytest.fixture
def related(make_entry, make_user, catalog_kinds):
    """An open entry naming in 关联资源代码: an open entry, a published non-open one, a draft and a retired one."""
    editor = catalog_kinds["editor"]
    other_open = make_entry(user=editor, **{**OPEN, "name": "空气质量小时数据"})
    codes = [other_open.resource_code, catalog_kinds["closed"].resource_code, catalog_kinds["draft"].resource_code,
             catalog_kinds["retired_published"].resource_code]
    entry = make_entry(user=editor, **{**OPEN, "name": "环境监测站点名录", "related_codes": codes})
    return entry, other_open


def related_block(html: str) -> str:
    """The 关联资源代码 row of the entry page ('' when the row is not shown)."""
    found = re.search(r'<ul class="list-unstyled mb-0" id="field-related_codes">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def test_the_public_sees_only_the_related_codes_of_open_entries_named_and_linked(client, catalog_kinds, related):
    entry, other_open = related
    html = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    block = related_block(html)
    assert f'<a href="/entries/{other_open.id}">空气质量小时数据</a>' in block
    assert other_open.resource_code in block
    for kind in ("closed", "draft", "retired_published"):
        assert catalog_kinds[kind].resource_code not in html, kind
    assert "户籍人口基本信息" not in html and "户籍迁移登记信息" not in html


def test_comparing_published_versions_does_not_show_the_codes_of_drafts(client, catalog_kinds, admin, make_user):
    """Another department compares two published versions whose 关联资源代码 changed: codes of entries it may see
    are listed, a draft's code is not."""
    from app import catalog
    from app.core.db import transaction
    from tests.conftest import edit, valid_values

    entry, draft, closed = catalog_kinds["open"], catalog_kinds["draft"], catalog_kinds["closed"]
    with transaction():
        edit(entry, valid_values(**{**OPEN, "related_codes": [closed.resource_code, draft.resource_code]}),
             user=catalog_kinds["editor"])
        catalog.publish_directly([entry], user=admin, reason="测试")
    login(client, make_user("seeker", "市民政局"))
    html = client.get(f"/manage/entries/{entry.id}/compare?a=1&b=2").get_data(as_text=True)
    assert closed.resource_code in html and draft.resource_code not in html
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, make_user("editor", "市公安局"))  # the owning department sees its own draft's code
    assert draft.resource_code in client.get(f"/manage/entries/{entry.id}/compare?a=1&b=2").get_data(as_text=True)


def test_a_government_user_sees_the_related_codes_of_published_entries(client, catalog_kinds, related, make_user):
    entry, other_open = related
    login(client, make_user("seeker", "市民政局"))
    html = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    block = related_block(html)
    closed = catalog_kinds["closed"]
    assert f'<a href="/entries/{closed.id}">户籍人口基本信息</a>' in block and closed.resource_code in block
    assert f'<a href="/entries/{other_open.id}">空气质量小时数据</a>' in block
    assert catalog_kinds["draft"].resource_code not in html
    assert catalog_kinds["retired_published"].resource_code not in html
