"""A notice to one person (通知), shown in the portal and, when they have an address, sent by e-mail."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import utcnow
from app.extensions import db

#: what became of a notice's e-mail: none (nobody to send to), pending (in the outbox), sent, failed (refused)
EMAIL_STATES = ("none", "pending", "sent", "failed")


class Notification(db.Model):
    """One notice to one user. `key` names the occasion (e.g. "deadline.reminder:share_request:12:2026-12-01"): the
    same notice never reaches the same person twice, whoever sends it and however often."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_notification_user_key"),
        # the header's unread count and the list page, per user
        Index("ix_notification_user_read", "user_id", "read_at"),
        CheckConstraint("email_state IN ('none', 'pending', 'sent', 'failed')", name="ck_notification_email_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))  # a path inside the portal
    created_at: Mapped[dt.datetime] = mapped_column(db.DateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(db.DateTime)
    email_state: Mapped[str] = mapped_column(String(10), default="none", server_default="none")
    emailed_at: Mapped[dt.datetime | None] = mapped_column(db.DateTime)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def unread(self) -> bool:
        return self.read_at is None
