from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import utcnow
from app.extensions import db


class SearchVocabulary(db.Model):
    """One saved version of a search word list (同义词 or 政务词典), edited by an admin. The newest row of a kind
    is in force; none means the shipped defaults (`search/synonyms.txt`, `search/dictionary.txt`). Rows are never
    changed, so the list of saves is the history."""

    __tablename__ = "search_vocabulary"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    body: Mapped[str] = mapped_column(Text)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    saved_at = mapped_column(db.DateTime, default=utcnow, nullable=False)
    note: Mapped[str] = mapped_column(String(200), default="")

    saved_by = relationship("User")
