"""notify(): one notice per person and key, in the caller's unit of work; who a workflow names."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app import accounts, notifications
from app.core.db import transaction
from app.extensions import db
from app.notifications import Notification
from app.outbox import OutboxMessage


def notices() -> list[tuple]:
    db.session.rollback()
    return [tuple(r) for r in db.session.execute(
        select(Notification.user_id, Notification.key, Notification.kind, Notification.link).order_by(
            Notification.user_id, Notification.key))]


def test_each_recipient_gets_one_notice_and_the_count_of_new_ones_is_returned(person, send):
    first, second = person(email=None), person(email=None)
    assert send([first, second.id, first]) == 2
    assert notices() == [(first.id, "deadline.reminder:demand:1:2026-12-01", "deadline.reminder", "/demands/1"),
                         (second.id, "deadline.reminder:demand:1:2026-12-01", "deadline.reminder", "/demands/1")]


def test_the_same_notice_never_reaches_the_same_person_twice(person, send):
    first, second = person(email=None), person(email=None)
    assert send([first]) == 1
    assert send([first, second]) == 1  # only the second is new
    assert send([first, second]) == 0
    assert send([first], key="deadline.overdue:demand:1", kind="deadline.overdue") == 1
    assert len(notices()) == 3


def test_mail_is_written_once_per_new_notice(mail_server, person):
    user = person()
    with transaction():
        notifications.notify([user], key="k", kind="deadline.reminder", subject="s", body="b")
        notifications.notify([user], key="k", kind="deadline.reminder", subject="s", body="b")
        # in the unit of work, before the commit: one message for the one notice
        assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.topic == notifications.TOPIC)) == 1


def test_a_notice_rolls_back_with_the_work_that_wrote_it(person):
    user = person(email=None)
    with pytest.raises(RuntimeError), transaction():
        notifications.notify([user], key="k", kind="deadline.reminder", subject="提醒", body="正文")
        raise RuntimeError("the caller's work failed")
    assert notices() == []


def test_two_writers_racing_with_the_same_notices_write_each_once(app, person):
    """Two processes notify the same people of the same occasions at once: the unique constraint decides."""
    users = [person(email=None).id for _ in range(3)]
    created, errors = [], []
    start = threading.Barrier(2)

    def writer():
        try:
            with app.app_context():
                start.wait()
                for n in range(10):
                    with transaction():
                        created.append(notifications.notify(users, key=f"occasion:{n}", kind="deadline.reminder",
                                                            subject="提醒", body="正文"))
                db.session.remove()
        except Exception as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(created) == 30
    assert len(notices()) == 30


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                                  "demands/1", "/a\nb"])
def test_a_link_must_be_a_path_inside_the_portal(person, link):
    user = person(email=None)
    with pytest.raises(ValueError), transaction():
        notifications.notify([user], key="k", kind="deadline.reminder", subject="提醒", body="正文", link=link)


def test_a_long_subject_is_shortened_not_refused(person, send):
    user = person(email=None)
    send([user], subject="很长的名称" * 100)
    db.session.rollback()
    subject = db.session.scalar(select(Notification.subject))
    assert len(subject) == 200 and subject.endswith("…")


def test_users_in_department_are_its_active_holders_of_any_of_the_roles(make_user, admin, department):
    editor = make_user("editor", "市公安局")
    both = make_user(("editor", "department_reviewer"), "市公安局")
    reviewer = make_user("department_reviewer", "市公安局")
    make_user("editor", "市民政局")
    retired = make_user("editor", "市公安局")
    with transaction():
        accounts.set_active(retired, False, actor=admin)
    police = department("市公安局").id
    assert [u.id for u in notifications.users_in_department(police, ["editor"])] == [editor.id, both.id]
    assert [u.id for u in notifications.users_in_department(police, "department_reviewer")] == [both.id, reviewer.id]
    assert [u.id for u in notifications.users_in_department(police, ["editor", "department_reviewer"])] == [
        editor.id, both.id, reviewer.id]


def test_users_with_roles_are_the_active_holders_in_any_department(make_user, admin):
    first = make_user("authority_reviewer", "市政务服务数据管理局")
    second = make_user(("editor", "authority_reviewer"), "市公安局")
    make_user("editor", "市公安局")
    assert [u.id for u in notifications.users_with_roles(["authority_reviewer"])] == [first.id, second.id]
    assert [u.id for u in notifications.users_with_roles(accounts.Role.admin)] == [admin.id]


def test_unread_count_counts_only_the_users_unread_notices(person, send):
    user, other = person(email=None), person(email=None)
    send([user], key="a")
    send([user, other], key="b")
    assert notifications.unread_count(user) == 2
    assert notifications.unread_count(other.id) == 1
