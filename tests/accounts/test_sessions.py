"""Server-side sessions: signing out, a password change, deactivation and timeouts end them; a copied cookie is then
worth nothing; a user sees where they are signed in and ends the sessions they do not recognise."""
import datetime as dt

from sqlalchemy import event, func, select, update

from app.accounts import UserSession
from app.catalog.models import Entry
from app.core.db import READ_WRITABLE_TABLES, _write_target, utcnow
from app.extensions import db
from tests.accounts.helpers import PASSWORD, csrf, post_form, signed_in_as, try_sign_in
from tests.catalog.test_views import GOOD


def sign_in(browser, user):
    assert try_sign_in(browser, user.username, PASSWORD).status_code == 302
    return browser


def age_sessions(user, **shift):
    """Move the user's sessions back in time (minutes or hours): what waiting that long would do."""
    delta = dt.timedelta(**shift)
    for row in db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)):
        row.created_at, row.last_seen_at = row.created_at - delta, row.last_seen_at - delta
    db.session.commit()


def entries() -> int:
    return db.session.scalar(select(func.count(Entry.id)))


def test_a_cookie_copied_before_logout_is_worth_nothing_after(client, browser_at, make_user):
    editor = make_user("editor", "市公安局")
    sign_in(client, editor)
    form_token = csrf(client, "/manage/entries/new")
    copied = client.get_cookie("session").value
    assert client.post("/logout", data={"csrf_token": csrf(client, "/")}).status_code == 302

    thief = browser_at("203.0.113.9")
    thief.set_cookie("session", copied)
    page = thief.get("/manage/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    created = thief.post("/manage/entries/new", data={**GOOD, "csrf_token": form_token})
    assert created.status_code == 302 and "/login" in created.headers["Location"]
    assert entries() == 0
    assert signed_in_as(thief) == ""


def test_a_session_ends_after_the_idle_timeout(client, make_user, app):
    user = make_user("seeker", "市民政局")
    sign_in(client, user)
    age_sessions(user, minutes=app.config["SESSION_IDLE_MINUTES"] - 1)
    assert signed_in_as(client) == user.display_name  # used within the idle time: still signed in
    age_sessions(user, minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    assert signed_in_as(client) == ""
    page = client.get("/manage/")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_a_busy_session_still_ends_after_the_absolute_timeout(client, make_user, app):
    user = make_user("seeker", "市民政局")
    sign_in(client, user)
    db.session.execute(update(UserSession).where(UserSession.user_id == user.id).values(
        created_at=utcnow() - dt.timedelta(hours=app.config["SESSION_MAX_HOURS"], minutes=1)))
    db.session.commit()
    assert signed_in_as(client) == ""


def test_last_seen_is_recorded_by_reads_at_most_once_a_minute(client, make_user, app):
    """Recording "last seen" is a write in a GET: allowed for this one table, and done at most once a minute."""
    user = make_user("editor", "市公安局")
    sign_in(client, user)
    session_row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    writes = []

    def record(_conn, _cursor, statement, *_args):
        verb, table = _write_target(statement)
        if verb:
            writes.append(table)

    def read_three_pages():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            for _ in range(3):
                assert client.get("/manage/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    read_three_pages()
    assert writes == []  # seen less than a minute ago: nothing written
    age_sessions(user, minutes=5)
    before = utcnow()
    read_three_pages()
    assert writes == ["user_session"]  # once, not three times
    db.session.refresh(session_row)
    assert session_row.last_seen_at >= before - dt.timedelta(seconds=1)
    assert {"user_session", "rate_limit_counter"} <= READ_WRITABLE_TABLES


def test_changing_the_password_ends_every_other_session(client, browser_at, make_user):
    user = make_user("editor", "市公安局")
    office, laptop = sign_in(client, user), sign_in(browser_at("198.51.100.20"), user)
    old_cookie = office.get_cookie("session").value
    response = post_form(office, "/account/password", "/account/password",
                         current=PASSWORD, new="brand-new-phrase-7", repeat="brand-new-phrase-7")
    assert response.status_code == 302
    assert signed_in_as(office) == user.display_name  # this browser goes on with a new session
    assert signed_in_as(laptop) == ""
    stale = browser_at("127.0.0.1")
    stale.set_cookie("session", old_cookie)
    assert signed_in_as(stale) == ""
    reasons = db.session.scalars(select(UserSession.ended_reason).where(UserSession.user_id == user.id)).all()
    assert sorted(reasons, key=str) == [None, "password_changed", "password_changed"]


def test_deactivating_a_user_ends_their_sessions(client, browser_at, make_user, admin):
    user = make_user("editor", "市公安局")
    theirs = sign_in(browser_at("198.51.100.21"), user)
    sign_in(client, admin)
    assert post_form(client, "/admin/users/", f"/admin/users/{user.id}/deactivate").status_code == 302
    assert signed_in_as(theirs) == ""
    assert try_sign_in(theirs, user.username, PASSWORD).status_code == 401
    assert db.session.scalars(select(UserSession.ended_reason).where(UserSession.user_id == user.id)).all() == [
        "deactivated"]


def test_a_user_sees_their_sessions_and_ends_one_they_do_not_recognise(client, browser_at, make_user):
    user, other = make_user("editor", "市公安局"), make_user("editor", "市公安局")
    sign_in(client, user)
    stranger = sign_in(browser_at("203.0.113.77"), user)
    others_session = sign_in(browser_at("203.0.113.78"), other)
    page = client.get("/account/sessions").get_data(as_text=True)
    assert "203.0.113.77" in page and "127.0.0.1" in page and "当前会话" in page
    assert "203.0.113.78" not in page  # another user's session is not listed
    ids = dict(db.session.execute(select(UserSession.client_address, UserSession.id)).all())

    # someone else's session cannot be ended from here
    post_form(client, "/account/sessions", "/account/sessions/end", session_id=str(ids["203.0.113.78"]))
    assert signed_in_as(others_session) == other.display_name
    response = post_form(client, "/account/sessions", "/account/sessions/end", session_id=str(ids["203.0.113.77"]))
    assert response.status_code == 302
    assert signed_in_as(stranger) == ""
    assert signed_in_as(client) == user.display_name
    assert "203.0.113.77" not in client.get("/account/sessions").get_data(as_text=True)


def test_ending_all_other_sessions_keeps_this_one(client, browser_at, make_user):
    user = make_user("seeker", "市民政局")
    sign_in(client, user)
    phones = [sign_in(browser_at(f"198.51.100.{n}"), user) for n in (30, 31)]
    response = post_form(client, "/account/sessions", "/account/sessions/end", others="1")
    assert response.status_code == 302
    assert "已结束 2 个会话" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert [signed_in_as(p) for p in phones] == ["", ""]
    assert signed_in_as(client) == user.display_name
