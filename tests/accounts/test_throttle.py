"""Failed sign-ins slow the guesser, never lock out the owner: a growing wait per client address, a shared budget for
the addresses an account has not signed in from, and an admin who can clear both."""
import datetime as dt

import pytest

from sqlalchemy import select

from app.accounts import LoginFailure
from app.accounts import services as account_services
from app.audit import AuditEntry
from app.core.db import transaction
from app.core.errors import PermissionDenied
from app.extensions import db
from tests.accounts.helpers import PASSWORD, post_form, signed_in_as, try_sign_in


def shift_failures(seconds: float) -> None:
    """Move every failed sign-in back in time: what waiting that long would do."""
    for row in db.session.scalars(select(LoginFailure)):
        row.at = row.at - dt.timedelta(seconds=seconds)
    db.session.commit()


def sign_out(browser, page: str = "/"):
    assert post_form(browser, page, "/logout").status_code == 302


def test_five_wrong_passwords_do_not_lock_the_admin_out(browser_at, admin):
    """The finding: five wrong passwords locked any account for 15 minutes, even for the right password."""
    attacker = browser_at("203.0.113.66")
    assert [try_sign_in(attacker, admin.username, f"guess-number-{n}").status_code for n in range(6)] == [401] * 6
    owner = browser_at("10.20.0.5")
    assert try_sign_in(owner, admin.username, PASSWORD).status_code == 302
    assert signed_in_as(owner) == admin.display_name


def test_an_address_that_keeps_failing_waits_longer_and_longer(app, browser_at, make_user):
    app.config.update(LOGIN_ADDRESS_FREE_FAILURES=3, LOGIN_ADDRESS_DELAY_SECONDS=20,
                      LOGIN_RATE_LIMIT_ACCOUNT="1000 per minute")
    user = make_user("editor", "市公安局")
    guesser = browser_at("203.0.113.10")
    assert [try_sign_in(guesser, user.username, "wrong-password-x").status_code for _ in range(3)] == [401] * 3

    refused = try_sign_in(guesser, user.username, PASSWORD)  # even the right password must wait from there
    assert refused.status_code == 429
    assert 19 <= int(refused.headers["Retry-After"]) <= 20
    assert "该网络地址登录失败次数过多，请 20 秒后再试" in refused.get_data(as_text=True)
    assert signed_in_as(guesser) == ""

    shift_failures(21)  # the wait is over: one more try, and the next wait doubles
    assert try_sign_in(guesser, "someone-else", "wrong-password-y").status_code == 401
    again = try_sign_in(guesser, user.username, "wrong-password-z")
    assert again.status_code == 429 and 39 <= int(again.headers["Retry-After"]) <= 40

    # another address is not slowed by this one
    assert try_sign_in(browser_at("10.20.0.6"), user.username, PASSWORD).status_code == 302


def test_guessing_from_many_addresses_is_slowed_but_the_owner_still_signs_in(app, browser_at, make_user):
    app.config["LOGIN_RATE_LIMIT_ACCOUNT"] = "5 per 10 minutes"
    user = make_user("seeker", "市民政局")
    desk = browser_at("10.20.0.7")
    # the owner's usual address (their first sign-in there, from a then unknown address, used one of the five)
    assert try_sign_in(desk, user.username, PASSWORD).status_code == 302
    sign_out(desk)

    botnet = [browser_at(f"198.18.0.{n}") for n in range(1, 9)]
    answers = [try_sign_in(bot, user.username, f"guess-{n}-abcdef") for n, bot in enumerate(botnet)]
    assert [a.status_code for a in answers] == [401] * 4 + [429] * 4
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 600
    assert "登录尝试过于频繁" in answers[-1].get_data(as_text=True)

    # the owner at their usual address is never refused for what others did …
    assert try_sign_in(desk, user.username, PASSWORD).status_code == 302
    # … while a new address shares the strangers' budget for a while (at most the window)
    traveller = browser_at("192.0.2.44")
    late = try_sign_in(traveller, user.username, PASSWORD)
    assert late.status_code == 429 and int(late.headers["Retry-After"]) <= 600
    assert signed_in_as(traveller) == ""


def test_the_strangers_budget_answers_alike_for_unknown_user_names(app, browser_at, make_user):
    """Whether an account exists does not change how the limits answer."""
    app.config["LOGIN_RATE_LIMIT_ACCOUNT"] = "3 per 10 minutes"
    user = make_user("seeker", "市民政局")
    real = [try_sign_in(browser_at(f"198.18.1.{n}"), user.username, "guess-abcdefgh").status_code for n in range(5)]
    fake = [try_sign_in(browser_at(f"198.18.2.{n}"), "no-such-user", "guess-abcdefgh").status_code for n in range(5)]
    assert real == fake == [401, 401, 401, 429, 429]


def test_an_admin_unlocks_an_account_and_an_address(app, client, browser_at, make_user, admin):
    app.config.update(LOGIN_RATE_LIMIT_ACCOUNT="2 per 10 minutes", LOGIN_ADDRESS_FREE_FAILURES=2,
                      LOGIN_ADDRESS_DELAY_SECONDS=300)
    user = make_user("editor", "市公安局")
    for n in range(3):
        try_sign_in(browser_at(f"198.18.3.{n}"), user.username, "guess-abcdefgh")
    newcomer = browser_at("192.0.2.50")
    assert try_sign_in(newcomer, user.username, PASSWORD).status_code == 429
    guesser = browser_at("203.0.113.20")
    for n in range(2):
        try_sign_in(guesser, f"someone-{n}", "guess-abcdefgh")
    assert try_sign_in(guesser, "someone-2", "guess-abcdefgh").status_code == 429

    assert try_sign_in(client, admin.username, PASSWORD).status_code == 302
    page = client.get("/admin/users/").get_data(as_text=True)
    assert user.username in page and "203.0.113.20" in page
    assert post_form(client, "/admin/users/", f"/admin/users/{user.id}/unlock").status_code == 302
    unlocked = post_form(client, "/admin/users/", "/admin/users/addresses/unlock", address="203.0.113.20")
    assert unlocked.status_code == 302

    assert try_sign_in(newcomer, user.username, PASSWORD).status_code == 302
    assert try_sign_in(guesser, "someone-3", "guess-abcdefgh").status_code == 401  # may try again
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == admin.id)).all()
    assert {"user.unlock", "user.unlock_address"} <= set(actions)


def test_the_users_page_lists_roles_and_departments_for_admins_only(client, make_user, admin):
    editor = make_user(("editor", "department_reviewer"), "市公安局")
    assert try_sign_in(client, editor.username, PASSWORD).status_code == 302
    assert "用户管理" not in client.get("/").get_data(as_text=True)
    assert client.get("/admin/users/").status_code == 403
    assert post_form(client, "/", f"/admin/users/{admin.id}/end-sessions").status_code == 403
    sign_out(client)

    assert try_sign_in(client, admin.username, PASSWORD).status_code == 302
    assert "用户管理" in client.get("/").get_data(as_text=True)
    page = client.get("/admin/users/").get_data(as_text=True)
    row = page.split(f'data-user="{editor.username}"')[1].split("</tr>")[0]
    assert "目录编目员、部门审核员" in row and "市公安局" in row


def test_admin_actions_need_a_post_with_a_csrf_token(client, make_user, admin):
    user = make_user("editor", "市公安局")
    assert try_sign_in(client, admin.username, PASSWORD).status_code == 302
    assert client.get(f"/admin/users/{user.id}/end-sessions").status_code == 405
    assert client.post(f"/admin/users/{user.id}/end-sessions").status_code == 400


def test_an_admin_ends_all_sessions_of_a_user(client, browser_at, make_user, admin):
    user = make_user("editor", "市公安局")
    theirs = browser_at("10.20.0.8")
    assert try_sign_in(theirs, user.username, PASSWORD).status_code == 302
    assert try_sign_in(client, admin.username, PASSWORD).status_code == 302
    assert post_form(client, "/admin/users/", f"/admin/users/{user.id}/end-sessions").status_code == 302
    assert signed_in_as(theirs) == ""
    assert db.session.scalar(select(AuditEntry.summary).where(AuditEntry.action == "user.end_sessions")) == (
        f"结束用户 {user.username} 的全部会话（1 个）")


def test_a_demanded_password_change_comes_before_anything_else(client, browser_at, make_user, admin):
    user = make_user("editor", "市公安局")
    theirs = browser_at("10.20.0.9")
    assert try_sign_in(theirs, user.username, PASSWORD).status_code == 302
    assert try_sign_in(client, admin.username, PASSWORD).status_code == 302
    assert post_form(client, "/admin/users/", f"/admin/users/{user.id}/require-password-change").status_code == 302

    # already signed in: sent to the password page from anywhere
    for url in ("/manage/", "/", "/search?q=户籍", "/account/sessions"):
        page = theirs.get(url)
        assert page.status_code == 302 and page.headers["Location"] == "/account/password", url
    refused = theirs.get("/search.json?q=户籍")
    assert refused.status_code == 403 and refused.get_json()["message"] == "请先修改密码"
    assert "管理员要求您修改密码" in theirs.get("/account/password").get_data(as_text=True)

    # signing in again: sent there at once
    sign_out(theirs, "/account/password")
    signing_in = try_sign_in(theirs, user.username, PASSWORD, next="/manage/")
    assert signing_in.headers["Location"] == "/account/password"
    done = post_form(theirs, "/account/password", "/account/password",
                     current=PASSWORD, new="a-fresh-start-42", repeat="a-fresh-start-42")
    assert done.status_code == 302
    assert theirs.get("/manage/").status_code == 200
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "user.require_password_change"))


def test_the_account_services_refuse_non_admins_whoever_calls_them(app, make_user):
    """Unlock, demand a new password, end sessions, deactivate: checked in the services, not only on the page."""
    target, editor = make_user("editor", "市公安局"), make_user("editor", "市公安局")
    for action in (lambda: account_services.unlock(user=target, actor=editor),
                   lambda: account_services.require_password_change(target, actor=editor),
                   lambda: account_services.end_sessions(target, actor=editor),
                   lambda: account_services.set_active(target, False, actor=editor)):
        with pytest.raises(PermissionDenied), transaction():
            action()
    assert target.active and not target.must_change_password
