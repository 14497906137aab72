"""Notices by e-mail, through a real SMTP server on the loopback interface: who gets what, exactly once, nothing
lost when the server is down."""
from __future__ import annotations

import datetime as dt
import email.utils
import time

from sqlalchemy import select, update

from app import accounts, notifications, outbox
from app.core.db import transaction, utcnow
from app.extensions import db
from app.notifications import Notification
from app.outbox import OutboxMessage


def notice_of(user) -> Notification:
    db.session.rollback()
    return db.session.scalar(select(Notification).where(Notification.user_id == user.id))


def waiting() -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.topic == notifications.TOPIC)))


def make_ready_now() -> None:
    """The retry's backoff has passed (instead of sleeping through it)."""
    db.session.execute(update(OutboxMessage).values(available_at=dt.datetime(2000, 1, 1)))
    db.session.commit()


def test_each_recipient_with_an_address_gets_the_mail_with_subject_body_and_link(mail_server, person, send):
    first, second = person(), person("department_reviewer")
    assert send([first, second.id]) == 2
    outbox.drain()

    assert sorted(m.rcpt_tos[0] for m in mail_server.messages) == sorted([first.email, second.email])
    received = mail_server.to(first.email)[0]
    assert received.mail_from == "catalog@portal.example.gov.cn"
    assert received.message["Subject"] == "需求“人口数据”将于 12 月 1 日到期"
    assert email.utils.parseaddr(received.message["To"])[1] == first.email
    assert first.display_name in received.message["To"]
    assert "请于 2026-12-01 前答复需求。" in received.body
    assert "https://portal.example.gov.cn/demands/1" in received.body
    assert received.message["Content-Type"].params["charset"] == "utf-8"
    notice = notice_of(first)
    assert received.message["Message-ID"] == f"<notification-{notice.id}.{notice.created_at:%Y%m%d%H%M%S}@portal.example.gov.cn>"
    assert (notice.email_state, notice.email_attempts) == ("sent", 1)
    assert notice.emailed_at is not None
    assert waiting() == []


def test_draining_again_or_notifying_again_sends_nothing_more(mail_server, person, send):
    user = person()
    assert send([user]) == 1
    outbox.drain()
    outbox.drain()
    assert send([user]) == 0
    outbox.drain()
    assert len(mail_server.to(user.email)) == 1


def test_a_message_handed_out_again_after_the_mail_went_does_not_send_it_twice(mail_server, person, send):
    """The crash between our 'sent' commit and the outbox deleting its message: the message comes back."""
    user = person()
    send([user])
    notice = notice_of(user)
    with transaction():
        outbox.emit(notifications.TOPIC, key=f"notification:{notice.id}", payload={"notification_id": notice.id})
    outbox.drain()
    assert len(mail_server.to(user.email)) == 1
    assert waiting() == []


def test_a_server_down_at_first_loses_nothing_and_delivers_once_it_is_up(down_mail_server, person, send):
    user = person()
    send([user])
    assert outbox.drain().failed == 1  # the worker tries, and the server is down
    [message] = waiting()
    assert message.attempts == 1 and "ConnectionRefusedError" in message.last_error
    assert message.available_at > utcnow()  # retried after a backoff
    assert (notice_of(user).email_state, notice_of(user).email_attempts) == ("pending", 1)
    assert outbox.drain().handled == 0  # still backing off

    down_mail_server.start()
    make_ready_now()
    assert outbox.drain().handled == 1
    outbox.drain()
    assert len(down_mail_server.to(user.email)) == 1
    assert (notice_of(user).email_state, notice_of(user).email_attempts) == ("sent", 2)
    assert waiting() == []


def test_a_user_without_an_address_gets_only_the_notice_in_the_portal(mail_server, person, send):
    with_address, without = person(), person(email=None)
    assert send([with_address, without]) == 2
    outbox.drain()
    assert [m.rcpt_tos for m in mail_server.messages] == [[with_address.email]]
    assert notice_of(without).email_state == "none"
    assert notifications.unread_count(without) == 1


def test_an_inactive_user_gets_no_mail(mail_server, person, send, admin):
    user = person()
    with transaction():
        accounts.set_active(user, False, actor=admin)
    send([user])
    outbox.drain()
    assert mail_server.messages == [] and waiting() == []
    assert notice_of(user).email_state == "none"


def test_without_a_mail_server_configured_notices_stay_in_the_portal(app, person, send):
    assert app.config["SMTP_HOST"] == ""
    user = person()
    assert send([user]) == 1
    assert waiting() == []
    assert notice_of(user).email_state == "none"
    assert notifications.unread_count(user) == 1


def test_the_mail_goes_to_the_address_the_user_has_when_it_is_sent(down_mail_server, person, send):
    user = person()
    send([user])
    outbox.drain()  # the server is down: the mail waits
    with transaction():
        accounts.set_email(user, "new-address@example.gov.cn", actor=user)
    down_mail_server.start()
    make_ready_now()
    outbox.drain()
    assert [m.rcpt_tos for m in down_mail_server.messages] == [["new-address@example.gov.cn"]]


def test_a_mailbox_refused_for_good_marks_that_mail_failed_and_the_others_still_go(mail_server, person, send):
    refused, fine = person(email="refused@example.gov.cn"), person()
    send([refused, fine])
    outbox.drain()
    assert [m.rcpt_tos for m in mail_server.messages] == [[fine.email]]
    assert notice_of(refused).email_state == "failed"
    assert notice_of(fine).email_state == "sent"
    assert waiting() == []
    outbox.drain()
    assert len(mail_server.messages) == 1


def test_after_a_request_commits_the_mail_is_left_to_the_worker(app, mail_server, person, send):
    """A click never waits for the mail server: the commit leaves e-mail to the worker's drain."""
    user = person()
    with app.test_request_context("/", method="POST"):
        send([user])
    assert mail_server.messages == []
    assert [m.topic for m in waiting()] == ["notifications.email"]
    outbox.drain()
    assert [m.rcpt_tos for m in mail_server.messages] == [[user.email]]


def test_the_worker_sends_what_a_request_left(app, mail_server, person, send, worker):
    user = person()
    with app.test_request_context("/", method="POST"):
        send([user])  # committed inside a request: its own drain hands the mail back to the worker
    deadline = time.monotonic() + 10
    while not mail_server.messages and time.monotonic() < deadline:
        time.sleep(0.05)  # the worker polls every OUTBOX_POLL_SECONDS
    assert [m.rcpt_tos for m in mail_server.messages] == [[user.email]]
