"""Notifications (消息通知): in-app notices and e-mail, sent from the outbox. What other modules may use.

    notify(users_in_department(department_id, ["editor"]), key=…, kind="deadline.reminder", subject=…, body=…,
           link="/…")                                 # in the caller's unit of work; idempotent per (user, key)
"""
from flask import Flask

from . import mail  # noqa: F401  (registers the outbox consumer of notifications.email)
from .models import Notification
from .services import TOPIC, notify, unread_count, users_in_department, users_with_roles
from .views import bp


def init_app(app: Flask) -> None:
    """The header's 通知 item: `unread_notifications()` in every template, one COUNT when a page calls it."""
    from flask_login import current_user

    from . import policy

    @app.context_processor
    def _unread():
        def unread_notifications() -> int:
            return unread_count(current_user) if policy.has_notices(current_user) else 0

        return {"unread_notifications": unread_notifications}


__all__ = ["TOPIC", "Notification", "bp", "init_app", "notify", "unread_count", "users_in_department",
           "users_with_roles"]
