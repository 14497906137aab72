"""The 通知 pages: the list, opening a notice, marking all read, the header's unread count."""
from __future__ import annotations

import re

from sqlalchemy import insert, select

from app.audit import AuditEntry
from app.core.db import transaction, utcnow
from app.extensions import db
from app.notifications import Notification
from tests.accounts.helpers import csrf
from tests.portal.test_portal import login


def post(client, action: str, **fields):
    return client.post(action, data={"csrf_token": csrf(client, "/notifications/"), **fields})


def notice_id(user, key: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(Notification.id).where(Notification.user_id == user.id, Notification.key == key))


def items(html: str) -> list[tuple[str, str]]:
    """(state, subject) of each notice on the page, in order."""
    return re.findall(r'data-state="(\w+)">.*?<span class="notice-subject">(.*?)</span>', html, re.S)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/notifications/read-all").status_code in (302, 400)


def test_the_list_shows_ones_own_notices_newest_first_and_marks_the_unread(client, person, send):
    user, other = person(email=None), person(email=None)
    send([user], key="old", subject="较早的通知")
    send([user], key="new", subject="较新的通知")
    send([other], key="theirs", subject="别人的通知")
    with transaction():
        db.session.get(Notification, notice_id(user, "old")).read_at = utcnow()
    login(client, user)
    html = client.get("/notifications/").get_data(as_text=True)
    assert items(html) == [("unread", "较新的通知"), ("read", "较早的通知")]
    assert "别人的通知" not in html
    unread = re.search(r'<li class="[^"]*fw-bold[^"]*"[^>]*data-state="unread">(.*?)</li>', html, re.S).group(1)
    assert "未读" in unread and "较新的通知" in unread  # bold and the word, not colour alone
    assert 'href="/demands/1"' in html  # the read one links straight to its page
    assert f'action="/notifications/{notice_id(user, "new")}/read"' in html


def test_the_list_is_paged(app, client, person, send):
    app.config["PAGE_SIZE"] = 3
    user = person(email=None)
    for n in range(7):
        send([user], key=f"k{n}", subject=f"通知{n}")
    login(client, user)
    assert [s for _, s in items(client.get("/notifications/").get_data(as_text=True))] == ["通知6", "通知5", "通知4"]
    third = client.get("/notifications/?page=3").get_data(as_text=True)
    assert [s for _, s in items(third)] == ["通知0"]
    assert 'href="/notifications/?page=2"' in third
    assert [s for _, s in items(client.get("/notifications/?page=99").get_data(as_text=True))] == ["通知0"]
    assert client.get("/notifications/?page=abc").status_code == 200


def test_opening_a_notice_marks_it_read_and_goes_to_its_link(client, person, send):
    user = person(email=None)
    send([user], key="k", link="/search?q=户籍")
    login(client, user)
    response = post(client, f"/notifications/{notice_id(user, 'k')}/read")
    assert response.status_code == 302
    assert response.headers["Location"] == "/search?q=%E6%88%B7%E7%B1%8D"
    notice = db.session.get(Notification, notice_id(user, "k"))
    assert notice.read_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "notification.read"))
    assert (entry.actor_id, entry.object_type, entry.object_id) == (user.id, "notification", notice.id)


def test_a_notice_without_a_link_goes_back_to_the_list(client, person, send):
    user = person(email=None)
    send([user], key="k", link=None)
    login(client, user)
    response = post(client, f"/notifications/{notice_id(user, 'k')}/read")
    assert response.headers["Location"] == "/notifications/"


def test_a_link_that_leaves_the_site_is_never_followed(client, person):
    """notify() refuses such links; should one be in the table anyway, opening the notice stays on the site."""
    user = person(email=None)
    with transaction():
        db.session.execute(insert(Notification).values(user_id=user.id, key="k", kind="x", subject="s", body="b",
                                                       link="//evil.example/", created_at=utcnow()))
    login(client, user)
    response = post(client, f"/notifications/{notice_id(user, 'k')}/read")
    assert response.headers["Location"] == "/notifications/"


def test_another_persons_notice_is_not_found(client, person, send):
    user, other = person(email=None), person(email=None)
    send([other], key="theirs")
    login(client, user)
    response = post(client, f"/notifications/{notice_id(other, 'theirs')}/read")
    assert response.status_code == 404
    assert post(client, "/notifications/999999/read").status_code == 404
    assert db.session.get(Notification, notice_id(other, "theirs")).read_at is None


def test_marking_all_read_reads_only_ones_own(client, person, send):
    user, other = person(email=None), person(email=None)
    send([user, other], key="a")
    send([user], key="b")
    login(client, user)
    response = post(client, "/notifications/read-all")
    assert response.status_code == 302
    db.session.rollback()
    assert all(db.session.scalars(select(Notification.read_at).where(Notification.user_id == user.id)))
    assert db.session.scalar(select(Notification.read_at).where(Notification.user_id == other.id)) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "notification.read_all"))
    assert (entry.details, entry.object_type, entry.object_id, entry.actor_id) == ({"count": 2}, "user", user.id, user.id)
    assert "已将 2 条通知标为已读" in client.get("/notifications/").get_data(as_text=True)


def test_the_header_shows_the_unread_count_for_screen_readers_too(client, person, send):
    user = person(email=None)
    login(client, user)
    header = lambda: re.search(r'<a [^>]*id="nav-notifications"[^>]*>(.*?)</a>',  # noqa: E731
                               client.get("/").get_data(as_text=True), re.S).group(1)
    assert "通知" in header() and "badge" not in header()
    send([user], key="a")
    send([user], key="b")
    assert re.search(r'<span class="badge[^"]*" id="unread-count">2<span class="visually-hidden">条未读</span></span>',
                     header())
    post(client, "/notifications/read-all")
    assert "badge" not in header()


def test_anonymous_pages_have_no_notifications_item(client):
    assert 'id="nav-notifications"' not in client.get("/").get_data(as_text=True)


def test_subject_and_body_are_shown_as_text_never_as_markup(client, person, send):
    user = person(email=None)
    send([user], key="k", subject="<script>alert('主题')</script>", body="<script>alert('正文')</script>\n<b>第二行</b>")
    login(client, user)
    html = client.get("/notifications/").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>第二行" not in html
    assert "&lt;script&gt;alert(&#39;主题&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;第二行&lt;/b&gt;" in html
