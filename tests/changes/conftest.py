"""Change-tracking fixtures: a clock the test moves (config TODAY), people of two departments and the authority."""
from __future__ import annotations


import pytest
from sqlalchemy import select

from app.extensions import db

OWN, OTHER, AUTHORITY = "市公安局", "市民政局", "市政务服务数据管理局"


@pytest.fixture
def people(make_user):
    return {
        "editor": make_user("editor", OWN),
        "reviewer": make_user("department_reviewer", OWN),
        "other_editor": make_user("editor", OTHER),
        "authority": make_user("authority_reviewer", AUTHORITY),
        "admin": make_user("admin", AUTHORITY),
        "seeker": make_user("seeker", OTHER),
    }


def notices(user, kind: str | None = None):
    """(key, subject) of a user's notifications, oldest first."""
    from app.notifications import Notification

    stmt = select(Notification.key, Notification.subject).where(Notification.user_id == user.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return [tuple(r) for r in db.session.execute(stmt.order_by(Notification.id)).all()]


from tests.notifications.conftest import mail_server  # noqa: E402,F401  (a real SMTP server on 127.0.0.1)
