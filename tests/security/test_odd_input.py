"""Odd input never gives a 5xx: every route with an id out of range (PostgreSQL's integer is 32-bit), every page
with NUL and other control characters in its query string, and every route of a retired, never-published entry."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from flask import Flask
from werkzeug.routing.converters import NumberConverter

from app.review import pending_review
from search.fields import facet_keys
from tests.portal.test_portal import login
from tests.security.conftest import csrf_token

#: ids no route may take: 0, one past PostgreSQL's integer, 20 and 5,000 digits (int() refuses > 4,300 digits),
#: a negative number, full-width and Arabic-Indic digits (str.isdigit() and \d accept them, int() too)
BAD_IDS = ["0", "2147483648", "99999999999999999999", "9" * 5000, "-1", "１２", "١٢"]
#: every query-string parameter any page reads
PARAMETERS = ["q", "page", "sort", "department", "sharing_type", "waiting", "a", "b", "next", "category",
              *facet_keys()]
ODD_VALUES = ["\x00", "户籍\x00人口", "\x1b[31m", "%00", "99999999999999999999", "9" * 5000, "-1", "１２"]
SKIP = {"static", "accounts.logout"}


def routes(app: Flask, *, with_ids: bool):
    """(rule, methods) of the app's routes that take a number in their path (or that take none): whatever
    converter a new route uses for its id, it is crawled."""
    for rule in app.url_map.iter_rules():
        numeric = any(isinstance(c, NumberConverter) for c in rule._converters.values())
        if rule.endpoint in SKIP or numeric != with_ids or (not with_ids and rule.arguments):
            continue
        yield rule, sorted(rule.methods - {"HEAD", "OPTIONS"})


def fill(rule, value: str) -> str:
    return re.sub(r"<[^>]+>", quote(value, safe=""), rule.rule)


@pytest.mark.parametrize("who", ["public", "admin", "editor"])
def test_every_route_answers_an_id_out_of_range_with_404(app, client, catalog_kinds, admin, who):
    if who != "public":
        login(client, admin if who == "admin" else catalog_kinds["editor"])
    token = csrf_token(client)
    checked = []
    for rule, methods in routes(app, with_ids=True):
        for method in methods:
            for value in BAD_IDS:
                url = fill(rule, value)
                response = client.open(url, method=method, data={"csrf_token": token})
                assert response.status_code == 404, (method, url[:80], response.status_code)
                checked.append(url)
            # in range but nobody's: the service's 404, the way to sign in, or a page the role may not use
            url = fill(rule, "2147483647")
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code in (302, 403, 404), (method, url, response.status_code)
    assert len({c.split("/")[1] for c in checked}) >= 4  # entries, manage, review, imports
    assert len(checked) >= 15 * len(BAD_IDS)


@pytest.mark.parametrize("who", ["public", "admin", "editor"])
def test_control_characters_and_huge_numbers_in_query_strings_never_give_a_5xx(app, client, catalog_kinds, admin,
                                                                                 who):
    if who != "public":
        login(client, admin if who == "admin" else catalog_kinds["editor"])
    review = pending_review(catalog_kinds["in_review"])
    ids = {"entry_id": catalog_kinds["revised"].id, "review_id": review.id, "job_id": 1,
           "department_id": catalog_kinds["revised"].department_id, "event_id": 1, "task_id": 1,
           "notification_id": 1, "year": 2027, "request_id": 1, "grant_id": 1, "suspension_id": 1,
           "action": "approve", "report_id": 1, "demand_id": 1, "source_id": 1, "run_id": 1, "record_id": 1}
    pages = [re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
             for rule, methods in [*routes(app, with_ids=False), *routes(app, with_ids=True)] if "GET" in methods]
    pages += ["/catalogs/resource", "/catalogs/open"]
    assert len(pages) >= 20
    failures = []
    for page in pages:
        for value in ODD_VALUES:
            query = "&".join(f"{name}={quote(value, safe='%')}" for name in PARAMETERS)
            try:
                with client.get(f"{page}?{query}") as response:
                    status = response.status_code
            except Exception as error:  # the test app propagates what would be a 500
                status = f"{type(error).__name__}: {str(error)[:80]}"
            if not isinstance(status, int) or status >= 500:
                failures.append((page, value[:20], status))
    assert failures == [], "\n".join(map(str, failures))


def test_an_id_out_of_range_in_a_query_string_is_a_clear_message_not_an_error(client, catalog_kinds, make_user):
    login(client, make_user("authority_reviewer", "市政务服务数据管理局"))
    response = client.get("/review/?department=99999999999999999999")
    assert response.status_code == 422
    assert "查询参数「部门」的值无效" in response.get_data(as_text=True)
    assert client.get("/review/?department=2147483647").status_code == 200


def test_an_admins_dashboard_ignores_a_department_id_out_of_range(client, admin):
    login(client, admin)
    for value in ("99999999999999999999", "１２", "0"):
        response = client.get(f"/manage/?department={value}")
        assert response.status_code == 200
        assert "市政务服务数据管理局" in response.get_data(as_text=True)  # the admin's own department


ROUTES_OF_AN_ENTRY = ["/manage/entries/{id}", "/manage/entries/{id}/history", "/manage/entries/{id}/compare?a=1&b=1",
                      "/manage/entries/{id}/edit", "/manage/entries/{id}/retire", "/entries/{id}"]


@pytest.mark.parametrize("kind", ["retired", "retired_published"])
def test_every_route_of_a_retired_entry_answers_without_error(client, catalog_kinds, kind):
    """Editing a retired entry, published or never, is refused with a message, never a 500 or an empty form."""
    entry = catalog_kinds[kind]
    login(client, catalog_kinds["editor"])
    token = csrf_token(client)
    statuses = {path: client.get(path.format(id=entry.id)).status_code for path in ROUTES_OF_AN_ENTRY}
    assert statuses == {"/manage/entries/{id}": 200, "/manage/entries/{id}/history": 200,
                        "/manage/entries/{id}/compare?a=1&b=1": 200, "/manage/entries/{id}/edit": 409,
                        "/manage/entries/{id}/retire": 409, "/entries/{id}": 404}
    edit_page = client.get(f"/manage/entries/{entry.id}/edit").get_data(as_text=True)
    assert "该信息资源已停用，不能修改" in edit_page and 'id="entry-form"' not in edit_page
    posted = client.post(f"/manage/entries/{entry.id}/edit",
                         data={"csrf_token": token, "action": "save", "name": "新名称", "base_version": ""})
    assert posted.status_code == 409 and "该信息资源已停用，不能修改" in posted.get_data(as_text=True)
    assert "该信息资源已停用，不能再次停用" in client.post(
        f"/manage/entries/{entry.id}/retire", data={"csrf_token": token, "reason": "再停一次"}).get_data(as_text=True)
    for action in ("submit", "withdraw"):
        response = client.post(f"/review/entries/{entry.id}/{action}", data={"csrf_token": token})
        assert response.status_code == 409, action


def form_fields() -> list[str]:
    """Every form field any page posts: the schema's fields, the data-item rows, comments, reasons and notes."""
    from catalog_schema import get_schema

    schema = get_schema()
    items = [f"items-0-{f.key}" for f in schema.item_fields]
    return [f.key for f in schema.fields] + items + [
        "items-count", "action", "base_version", "change_note", "comment", "confirm", "reason", "note", "publish",
        "publish_reason", "review", "username", "password", "new_password", "address", "q"]


@pytest.mark.parametrize("who", ["public", "admin", "editor"])
def test_nul_in_every_field_of_every_form_never_gives_a_5xx(app, client, catalog_kinds, admin, who):
    if who != "public":
        login(client, admin if who == "admin" else catalog_kinds["editor"])
    review = pending_review(catalog_kinds["in_review"])
    ids = {"entry_id": catalog_kinds["draft"].id, "review_id": review.id, "job_id": 1, "user_id": admin.id}
    posts = [re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), rule.rule)
             for rule, methods in [*routes(app, with_ids=False), *routes(app, with_ids=True)] if "POST" in methods]
    assert len(posts) >= 10
    failures = []
    for url in posts:
        data = {name: "x\x00y" for name in form_fields()}
        try:
            status = client.post(url, data={**data, "csrf_token": csrf_token(client)}).status_code
        except Exception as error:  # the test app propagates what would be a 500
            status = f"{type(error).__name__}: {str(error)[:80]}"
        if not isinstance(status, int) or status >= 500:
            failures.append((url, status))
    assert failures == [], "\n".join(map(str, failures))
