"""Notices (通知): who a workflow names, writing notices in the caller's unit of work, reading and marking them.

    notify(users_in_department(dept_id, ["editor"]), key=f"deadline.reminder:demand:{id}:{due}",
           kind="deadline.reminder", subject="需求即将到期", body="…", link=f"/demands/{id}")

A notice is written once per (person, key): calling `notify` again with the same key — a retried job, a second
process racing the first — adds nothing (the database's unique constraint decides, with INSERT … ON CONFLICT DO
NOTHING). Its e-mail goes out through the outbox (`mail.py`) only after the caller's unit of work commits.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Iterable

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app import accounts, audit, outbox
from app.accounts import User, UserRole
from app.core.db import utcnow
from app.core.errors import NotFound
from app.extensions import db

from . import policy
from .models import Notification

TOPIC = "notifications.email"
KEY_MAX, KIND_MAX, SUBJECT_MAX, LINK_MAX = 200, 40, 200, 500
_INSERT_CHUNK = 500  # rows per INSERT (SQLite's limit on bound parameters)


# ---- who a workflow names ----------------------------------------------------------------------------------

def _role_keys(roles) -> list[str]:
    roles = [roles] if isinstance(roles, str) or hasattr(roles, "value") else list(roles)
    return [str(getattr(role, "value", role)) for role in roles]


def _holding(roles) -> object:
    return User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(_role_keys(roles))))


def users_in_department(department_id: int, roles) -> list[User]:
    """The active users of a department (部门) holding any of `roles` (role keys, or one key)."""
    return list(db.session.scalars(select(User).where(User.department_id == department_id, User.active.is_(True),
                                                      _holding(roles)).order_by(User.id)))


def users_with_roles(roles) -> list[User]:
    """The active users, of any department, holding any of `roles` (e.g. the authority's reviewers)."""
    return list(db.session.scalars(select(User).where(User.active.is_(True), _holding(roles)).order_by(User.id)))


# ---- writing -----------------------------------------------------------------------------------------------

def _user_ids(recipients) -> list[int]:
    if isinstance(recipients, (int, User)):
        recipients = [recipients]
    ids = (getattr(r, "id", r) for r in recipients)
    return list(dict.fromkeys(i for i in ids if isinstance(i, int) and not isinstance(i, bool)))


def _insert():
    return postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert


def notify(recipients: Iterable[User | int] | User | int, *, key: str, kind: str, subject: str, body: str,
           link: str | None = None) -> int:
    """Give each recipient (users or user ids) the notice `key`, unless they already have it; returns how many
    were new. Runs in the caller's unit of work and never commits.

    For each new notice whose user is active and has an e-mail address, when SMTP_HOST is configured, an outbox
    message (topic ``notifications.email``) sends it after the commit. `link` is a path inside the portal
    ("/entries/12"); `key` names the occasion, so calling again with the same key adds nothing."""
    if not key or len(key) > KEY_MAX:
        raise ValueError(f"a notice's key must have 1 to {KEY_MAX} characters")
    if not kind or len(kind) > KIND_MAX:
        raise ValueError(f"a notice's kind must have 1 to {KIND_MAX} characters")
    if link is not None and (len(link) > LINK_MAX or accounts.safe_next(link, None) is None):
        raise ValueError(f"a notice's link must be a path inside the portal, got {link!r}")
    if len(subject) > SUBJECT_MAX:  # it may quote a name someone typed: shorten, never fail the caller's work
        subject = subject[:SUBJECT_MAX - 1] + "…"
    ids = _user_ids(recipients)
    if not ids:
        return 0
    emailing = set()
    if current_app.config["SMTP_HOST"]:
        emailing = set(db.session.scalars(select(User.id).where(
            User.id.in_(ids), User.active.is_(True), User.email.is_not(None), User.email != "")))
    now, insert, created = utcnow(), _insert(), []
    for start in range(0, len(ids), _INSERT_CHUNK):
        rows = [{"user_id": user_id, "key": key, "kind": kind, "subject": subject, "body": body, "link": link,
                 "created_at": now, "email_state": "pending" if user_id in emailing else "none", "email_attempts": 0}
                for user_id in ids[start:start + _INSERT_CHUNK]]
        statement = (insert(Notification).values(rows)
                     .on_conflict_do_nothing(index_elements=["user_id", "key"])
                     .returning(Notification.id, Notification.email_state))
        created += db.session.execute(statement).all()
    outbox.emit_many(TOPIC, [(f"notification:{notification_id}", {"notification_id": notification_id})
                             for notification_id, state in sorted(created) if state == "pending"])
    return len(created)


# ---- reading and marking -----------------------------------------------------------------------------------

def _user_id(user) -> int:
    return getattr(user, "id", user)


def unread_count(user) -> int:
    """How many of the user's notices are unread (one COUNT on an index)."""
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == _user_id(user), Notification.read_at.is_(None))) or 0


@dataclasses.dataclass(frozen=True)
class NoticePage:
    items: list[Notification]
    total: int
    page: int
    pages: int
    unread: int


def notices_of(user, page: int = 1) -> NoticePage:
    """One page (PAGE_SIZE) of the user's notices, newest first."""
    size = current_app.config["PAGE_SIZE"]
    mine = Notification.user_id == _user_id(user)
    total = db.session.scalar(select(func.count(Notification.id)).where(mine)) or 0
    pages = max(1, math.ceil(total / size))
    page = min(max(1, page), pages)
    items = list(db.session.scalars(select(Notification).where(mine)
                                    .order_by(Notification.created_at.desc(), Notification.id.desc())
                                    .offset((page - 1) * size).limit(size)))
    return NoticePage(items, total, page, pages, unread_count(user))


def get_own_or_404(user, notification_id: int) -> Notification:
    """The user's notice with this id; another's, or none, is the same 404."""
    notification = db.session.get(Notification, notification_id)
    if not policy.may_see(user, notification):
        raise NotFound("未找到该信息资源或页面", "not found")
    return notification


def mark_read(user, notification: Notification) -> None:
    """The recipient has opened the notice (已阅): recorded once, with the time, in the audit log too — for a
    deadline reminder, when the person responsible saw it matters."""
    if not policy.may_see(user, notification):
        raise NotFound("未找到该信息资源或页面", "not found")
    if notification.read_at is not None:
        return
    notification.read_at = utcnow()
    audit.record("notification.read", notification, actor=user, department_id=user.department_id,
                 summary=f"阅读通知“{notification.subject}”", details={"kind": notification.kind})
    db.session.flush()


def mark_all_read(user) -> int:
    """Mark every unread notice of the user read; returns how many."""
    if not policy.has_notices(user):
        raise NotFound("未找到该信息资源或页面", "not found")
    count = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow())).rowcount
    if count:
        audit.record("notification.read_all", user, actor=user, department_id=user.department_id,
                     summary=f"将 {count} 条通知标为已读", details={"count": count})
        db.session.flush()
    return count
