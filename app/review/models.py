from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import JSONType, utcnow
from app.extensions import db


class ReviewStage(str, enum.Enum):
    """部门审核 (Shandong §15, Baoji §10) then 主管部门审核 (Zhengzhou §15); app/core/legal.py writes them out."""

    department = "department"
    authority = "authority"

    @property
    def label(self) -> str:
        return {"department": "部门审核", "authority": "主管部门审核"}[self.value]

    @property
    def version_state(self) -> str:
        """The version state a pending review of this stage goes with."""
        return f"{self.value}_review"


class ReviewState(str, enum.Enum):
    """The `review` workflow's states (app/review/workflows.py)."""

    pending = "pending"
    approved = "approved"
    returned = "returned"
    cancelled = "cancelled"

    @property
    def label(self) -> str:
        return REVIEW_STATE_LABELS[self.value]


REVIEW_STATE_LABELS = {"pending": "待审核", "approved": "通过", "returned": "退回", "cancelled": "已撤销"}


class Review(db.Model):
    """The record of one review step of one version: who asked, who decided, why it needs attention, the comment.
    The database keeps one pending review per entry and a comment on every return."""

    __tablename__ = "review"
    __table_args__ = (
        Index("uq_review_one_pending", "entry_id", unique=True,
              sqlite_where=text("state = 'pending'"), postgresql_where=text("state = 'pending'")),
        CheckConstraint("state != 'returned' OR (comment IS NOT NULL AND length(comment) > 0)",
                        name="ck_review_return_has_comment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("entry_version.id"), index=True)
    stage: Mapped[ReviewStage] = mapped_column(Enum(ReviewStage, native_enum=False, length=16))
    state: Mapped[ReviewState] = mapped_column(Enum(ReviewState, native_enum=False, length=16), index=True)
    reasons = mapped_column(JSONType, default=list, nullable=False)
    needs_confirmation: Mapped[bool] = mapped_column(default=False)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at = mapped_column(db.DateTime, default=utcnow, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at = mapped_column(db.DateTime)
    comment: Mapped[str | None] = mapped_column(Text)
    # the version's data as this step was asked to review it (a version in review cannot change, so also what was
    # approved or returned): a resubmission after a return is compared with it. NULL on rows older than 0016.
    data = mapped_column(JSONType)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    sharing_type: Mapped[str] = mapped_column(String(16), default="")

    entry = relationship("Entry")
    version = relationship("EntryVersion")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    department = relationship("Department")
