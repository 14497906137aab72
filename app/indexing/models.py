from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import utcnow
from app.extensions import db


class IndexOutbox(db.Model):
    """"Entry N changed": written in the same transaction as the change, removed once the index has it.

    The applier reads the entry's current state, so rows are idempotent and their order does not matter; a
    crash between updating the index and deleting the row only means the entry is indexed twice.
    """

    __tablename__ = "index_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at = mapped_column(db.DateTime, default=utcnow)
