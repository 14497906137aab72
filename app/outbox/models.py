from __future__ import annotations

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import JSONType, utcnow
from app.extensions import db


class OutboxMessage(db.Model):
    """Work to do after a commit (index an entry, start a job, later notify someone, call an adapter).

    Written in the same transaction as the change it follows, so it exists exactly when the change does.
    Messages with the same `key` (one object) are handled in the order they were written.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_ready", "available_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    key: Mapped[str] = mapped_column(String(128), index=True)
    payload = mapped_column(JSONType, nullable=False, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    available_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    # a drainer's claim: set while one process handles the message, so two never handle it at once
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_until = mapped_column(db.DateTime)
