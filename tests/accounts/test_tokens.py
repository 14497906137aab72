"""API tokens (API 令牌): made on the profile page and shown once, stored hashed, accepted in the three headers CKAN
clients send, refused when expired, revoked or their user deactivated, named in the audit entries of what they do,
and counted by the API's rate limit."""
import datetime as dt
import hashlib
import html
import re

import pytest
from sqlalchemy import String, Text, event, select, update

from app import audit, catalog
from app.accounts import (ApiToken, User, acting_through, create_token, revoke_token, set_active,
                          token_user)
from app.accounts import ratelimits
from app.audit import AuditEntry
from app.core.db import READ_WRITABLE_TABLES, _write_target, transaction, utcnow
from app.core.errors import InvalidInput, NotFound, PermissionDenied
from app.extensions import db
from tests.accounts.helpers import PASSWORD, csrf, post_form, try_sign_in

PAGE = "/account/tokens"


def sign_in(client, user):
    assert try_sign_in(client, user.username, PASSWORD).status_code == 302
    return client


def make_on_page(client, name: str, expires_on: str = ""):
    """Post the page's form; returns the answer and the raw token it shows (None if it shows none)."""
    response = post_form(client, PAGE, PAGE, name=name, expires_on=expires_on)
    found = re.search(r'id="new-token" type="text" value="([^"]+)"', response.get_data(as_text=True))
    return response, html.unescape(found.group(1)) if found else None


def authenticate(app, headers: dict):
    """`token_user` as a request with these headers calls it (a fresh request: its own `g`)."""
    with app.test_request_context("/api/3/action/status_show", headers=headers):
        return token_user(headers)


def refusal(app, headers: dict) -> str:
    with pytest.raises(PermissionDenied) as error:
        authenticate(app, headers)
    return error.value.message


def new_token(user, name: str = "采集程序", **kwargs) -> tuple[ApiToken, str]:
    with transaction():
        return create_token(user, name, **kwargs)


def test_a_token_made_on_the_page_is_shown_once_and_works_in_all_three_headers(app, client, make_user):
    user = make_user("editor", "市公安局")
    sign_in(client, user)
    response, raw = make_on_page(client, "区县目录采集")
    assert response.status_code == 200 and raw.startswith("gcat_") and len(raw) >= 45
    page = response.get_data(as_text=True)
    assert "仅显示这一次" in page and "无法再次查看" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert raw not in response.headers.get("Location", "") and raw not in str(response.headers.get("Set-Cookie"))
    again = client.get(PAGE).get_data(as_text=True)
    assert raw not in again and "区县目录采集" in again  # listed, never shown again

    for headers in ({"Authorization": raw}, {"Authorization": f"Bearer {raw}"}, {"X-CKAN-API-Key": raw},
                    {"Authorization": raw, "X-CKAN-API-Key": raw}):  # ckanapi sends both
        found_user, token = authenticate(app, headers)
        assert (found_user.id, token.name) == (user.id, "区县目录采集"), headers
    assert authenticate(app, {}) is None
    assert authenticate(app, {"Authorization": "Basic dXNlcjpwYXNz"}) is None  # a proxy's password is no token of ours


def test_only_a_hash_of_the_token_is_stored(app, make_user):
    user = make_user("seeker", "市民政局")
    token, raw = new_token(user)
    assert authenticate(app, {"Authorization": f"Bearer {raw}"})[1].id == token.id  # used, counted, audited
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:11] and len(token.prefix) < len(raw) // 3
    secret_part = raw[len(token.prefix):]
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text)) or "JSON" in type(c.type).__name__]
        for row in db.session.execute(select(*columns)) if columns else ():
            assert secret_part not in str(tuple(row)), table.name


def test_tokens_are_refused_when_unknown_or_two_different_ones_are_sent(app, make_user):
    _, raw = new_token(make_user("seeker", "市民政局"))
    assert refusal(app, {"Authorization": raw[:-1] + ("A" if raw[-1] != "A" else "B")}) == "API 令牌无效"
    assert refusal(app, {"Authorization": "Bearer"}) == "API 令牌无效"
    assert refusal(app, {"X-CKAN-API-Key": "x" * 5000}) == "API 令牌无效"
    _, other = new_token(make_user("seeker", "市民政局"))
    assert "不一致" in refusal(app, {"Authorization": raw, "X-CKAN-API-Key": other})


def test_a_token_works_through_its_last_day_and_is_refused_after(app, make_user, clock):
    clock("2027-03-01")
    _, raw = new_token(make_user("seeker", "市民政局"), expires_on=dt.date(2027, 3, 10))
    clock("2027-03-10")
    assert authenticate(app, {"Authorization": raw}) is not None
    clock("2027-03-11")
    error = refusal(app, {"Authorization": raw})
    assert error == "API 令牌已过期"


def test_a_token_made_without_an_end_date_ends_after_the_longest_lifetime(app, make_user, clock):
    clock("2027-03-01")
    user = make_user("seeker", "市民政局")
    token, _ = new_token(user)
    assert token.expires_on == dt.date(2027, 3, 1) + dt.timedelta(days=app.config["API_TOKEN_MAX_DAYS"])
    app.config["API_TOKEN_MAX_DAYS"] = 0  # no maximum: a token without an end date never ends
    assert new_token(user, "长期")[0].expires_on is None


def test_a_revoked_token_is_refused_and_listed_as_revoked(app, client, make_user):
    user = make_user("editor", "市公安局")
    sign_in(client, user)
    _, raw = make_on_page(client, "一次性脚本")
    token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
    response = post_form(client, PAGE, f"/account/tokens/{token_id}/revoke")
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert refusal(app, {"Authorization": raw}) == "API 令牌已撤销"
    page = client.get(PAGE).get_data(as_text=True)
    row = re.search(rf'<tr data-token="{token_id}">(.*?)</tr>', page, re.S).group(1)
    assert "已撤销" in row and "revoke" not in row  # no second revoke button
    assert "此前已撤销" in client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf(client, PAGE)},
                                     follow_redirects=True).get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.api_token_revoke"))
    assert entry.actor_id == user.id and entry.details["token_name"] == "一次性脚本"


def test_nobody_revokes_another_users_token(app, client, make_user):
    owner, other = make_user("editor", "市公安局"), make_user("editor", "市公安局")
    token, raw = new_token(owner)
    sign_in(client, other)
    assert post_form(client, PAGE, f"/account/tokens/{token.id}/revoke").status_code == 404
    with pytest.raises(NotFound):
        revoke_token(other, token.id)
    assert authenticate(app, {"Authorization": raw}) is not None


def test_a_deactivated_users_token_is_refused(app, client, make_user, admin):
    user = make_user("editor", "市公安局")
    _, raw = new_token(user)
    db.session.execute(update(User).where(User.id == user.id).values(active=False))
    db.session.commit()
    assert refusal(app, {"Authorization": raw}) == "API 令牌所属的账号已停用"
    db.session.execute(update(User).where(User.id == user.id).values(active=True))
    db.session.commit()
    assert authenticate(app, {"Authorization": raw}) is not None

    sign_in(client, admin)  # the users page: deactivating revokes the tokens too, so reactivating does not revive them
    assert post_form(client, "/admin/users/", f"/admin/users/{user.id}/deactivate").status_code == 302
    assert refusal(app, {"Authorization": raw}) == "API 令牌已撤销"
    with transaction():
        set_active(db.session.get(User, user.id), True, actor=db.session.get(User, admin.id))
    assert refusal(app, {"Authorization": raw}) == "API 令牌已撤销"


@pytest.mark.parametrize("name, message", [
    ("", "「令牌名称」不能为空"),
    ("   ", "「令牌名称」不能为空"),
    ("长" * 51, "「令牌名称」不能超过 50 个字符"),
    ("采集\x00程序", "「令牌名称」含有不可见的控制字符"),
    ("采集\t程序", "「令牌名称」含有不可见的控制字符"),
])
def test_a_token_name_is_required_short_and_printable(make_user, name, message):
    with pytest.raises(InvalidInput) as error:
        new_token(make_user("seeker", "市民政局"), name)
    assert [p.path for p in error.value.problems] == ["name"]
    assert error.value.problems[0].message.startswith(message)


def test_a_token_name_is_unique_among_the_users_tokens_not_revoked(make_user):
    user, other = make_user("seeker", "市民政局"), make_user("seeker", "市民政局")
    first, _ = new_token(user, "采集程序")
    with pytest.raises(InvalidInput) as error:
        new_token(user, " 采集程序 ")
    assert "「令牌名称」“采集程序”已被您的另一个令牌使用" in error.value.problems[0].message
    assert new_token(other, "采集程序")[0].name == "采集程序"  # another user's names are theirs
    with transaction():
        revoke_token(user, first.id)
    assert new_token(user, "采集程序")[0].id != first.id  # a revoked token's name is free again


def test_an_end_date_in_the_past_or_beyond_the_longest_lifetime_is_refused(app, make_user, clock):
    clock("2027-03-01")
    user = make_user("seeker", "市民政局")
    for day, message in ((dt.date(2027, 2, 28), "「有效期至」不能早于今天（2027-03-01）"),
                         (dt.date(2028, 3, 1), "「有效期至」不能晚于 2028-02-29（令牌最长有效 365 天）")):
        with pytest.raises(InvalidInput) as error:
            new_token(user, expires_on=day)
        assert [(p.path, p.message) for p in error.value.problems] == [("expires_on", message)]
    assert new_token(user, expires_on=dt.date(2027, 3, 1))[0].expires_on == dt.date(2027, 3, 1)  # today is fine


def test_the_page_names_the_field_of_every_problem_in_chinese(client, make_user, clock):
    clock("2027-03-01")
    sign_in(client, make_user("editor", "市公安局"))
    response, raw = make_on_page(client, "", "2027-02-01")
    assert response.status_code == 422 and raw is None
    page = response.get_data(as_text=True)
    assert "「令牌名称」不能为空" in page and "「有效期至」不能早于今天" in page
    assert 'aria-invalid="true"' in page and 'id="token-name-error"' in page
    response, _ = make_on_page(client, "脚本", "明天")
    assert response.status_code == 422 and "「有效期至」须为日期" in response.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken.id)) is None


def test_the_page_lists_the_users_tokens_with_their_state(client, make_user, clock):
    clock("2027-03-01")
    user, other = make_user("editor", "市公安局"), make_user("editor", "市公安局")
    active, _ = new_token(user, "采集程序")
    ending, _ = new_token(user, "临时脚本", expires_on=dt.date(2027, 3, 2))
    gone, _ = new_token(user, "旧脚本")
    with transaction():
        revoke_token(user, gone.id)
    new_token(other, "别人的令牌")
    clock("2027-03-05")
    sign_in(client, user)
    page = client.get(PAGE).get_data(as_text=True)
    states = {int(token_id): re.search(r'data-label="状态">.*?>([^<]+)</span>', row, re.S).group(1)
              for token_id, row in re.findall(r'<tr data-token="(\d+)">(.*?)</tr>', page, re.S)}
    assert states == {active.id: "有效", ending.id: "已过期", gone.id: "已撤销"}
    assert active.prefix in page and "别人的令牌" not in page and "从未使用" in page
    assert "不支持限定令牌的权限范围" in page  # tokens carry all the user's roles, and the page says so
    assert 'href="/account/tokens"' in client.get("/account/sessions").get_data(as_text=True)


def test_the_tokens_page_has_no_inline_script_or_style(client, make_user):
    sign_in(client, make_user("editor", "市公安局"))
    response, _ = make_on_page(client, "采集程序")
    for body in (response.get_data(as_text=True), client.get(PAGE).get_data(as_text=True)):
        assert "<script>" not in body and not re.search(r"<script(?![^>]*\bsrc=)", body)
        assert " style=" not in body and "<style" not in body
        for field in re.findall(r'<input[^>]+id="([^"]+)"', body):
            if field not in ("console-q",):
                assert f'for="{field}"' in body, field  # every field has a label


def test_last_use_is_recorded_by_reads_at_most_once_a_minute(app, make_user):
    token, raw = new_token(make_user("seeker", "市民政局"))
    writes = []

    def record(_conn, _cursor, statement, *_args):
        verb, table = _write_target(statement)
        if verb:
            writes.append(table)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for _ in range(3):
            authenticate(app, {"Authorization": raw})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert writes == ["api_token"]  # the first use, once
    db.session.refresh(token)
    assert token.last_used_at is not None and token.last_used_at >= utcnow() - dt.timedelta(minutes=1)
    assert "api_token" in READ_WRITABLE_TABLES  # a GET may write it, as it may a session's last-seen time


def test_audit_entries_written_inside_acting_through_name_the_token(app, make_user, make_entry):
    editor = make_user("editor", "市公安局")
    token, _ = new_token(editor, "编目脚本")
    entry = make_entry(publish=False, user=editor)
    with transaction(), acting_through(token):
        audit.record("test.note", entry, actor=editor, summary="经令牌写入")
        catalog.submit([entry], user=editor)  # a workflow transition: the engine's rows
    with transaction():
        audit.record("test.after", entry, actor=editor)
    through = {"api_token": "编目脚本", "api_token_id": token.id}
    rows = {action: (details, to_state) for action, details, to_state in db.session.execute(
        select(AuditEntry.action, AuditEntry.details, AuditEntry.to_state))}
    note, _ = rows["test.note"]
    transition, state = rows["entry_version.submit"]  # written by the workflow engine (record_many)
    assert state == "department_review"
    for details in (note, transition):
        assert {key: details.get(key) for key in through} == through
    assert rows["test.after"] == ({}, None)  # the block ended: nothing added
    with acting_through(None):  # a call without a token adds nothing
        assert audit.record("test.none", None).details == {}


API = "/api/3/action/status_show"


def test_the_api_is_rate_limited_per_token_with_a_json_429(app, client, make_user):
    """Against the Action API's status_show (ckan_api.action): the limit is attached to the blueprint, so every
    action and every endpoint of the ckan_api and own_api blueprints shares one budget per token."""
    app.config["API_RATE_LIMIT"] = "2 per minute"
    _, raw = new_token(make_user("seeker", "市民政局"))
    _, other = new_token(make_user("seeker", "市民政局"))
    mine = app.test_client()
    mine.environ_base["REMOTE_ADDR"] = "198.51.100.30"
    assert [mine.get(API, headers={"Authorization": raw}).status_code for _ in range(2)] == [200, 200]
    refused = mine.get(API, headers={"Authorization": raw})
    assert refused.status_code == 429 and refused.is_json
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    body = refused.get_json()
    assert body["success"] is False and body["error"]["__type"] == "Rate Limit Error"
    assert body["error"]["message"].startswith("接口调用过于频繁")
    # another token from the same address has its own budget; the address without a token too
    assert mine.get(API, headers={"X-CKAN-API-Key": other}).status_code == 200
    assert mine.get(API).status_code == 200
    # made-up tokens are counted by address, so they do not each get a budget
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "198.51.100.31"
    made_up = [stranger.get(API, headers={"Authorization": f"gcat_{n:043d}"}).status_code for n in range(3)]
    assert made_up[-1] == 429


def test_an_api_read_with_a_token_records_its_last_use(app, client, make_user):
    """A GET is a read (its unit of work may not write): the last use is written beside it, before the view."""
    token, raw = new_token(make_user("seeker", "市民政局"))
    assert client.get(API, headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    db.session.refresh(token)
    assert token.last_used_at is not None
    assert client.get(API, headers={"Authorization": "gcat_made-up"}).status_code == 403


def test_the_api_limit_covers_both_api_blueprints_and_counts_by_token_not_by_its_value(app, make_user):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    manager = app.extensions[ratelimits.EXTENSION].limit_manager
    for blueprint in ("ckan_api", "own_api"):
        assert [str(limit.limit) for limit in manager.blueprint_limits(app, blueprint)] == ["2 per 1 minute"]
    token, raw = new_token(make_user("seeker", "市民政局"))
    with app.test_request_context(API, headers={"Authorization": raw}):
        key = ratelimits.by_token()
    assert key == f"api-token:{token.id}" and raw not in key and token.token_hash not in key
