from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import JSONType, utcnow
from app.extensions import db


class JobState(str, enum.Enum):
    """queued → checking → checked (clean or with problems) → committing → done; or failed / cancelled."""

    queued = "queued"
    checking = "checking"
    checked = "checked"
    committing = "committing"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"

    @property
    def label(self) -> str:
        return {"queued": "排队中", "checking": "校验中", "checked": "校验完成", "committing": "导入中",
                "done": "已导入", "failed": "失败", "cancelled": "已取消"}[self.value]

    @property
    def running(self) -> bool:
        return self in (JobState.queued, JobState.checking, JobState.committing)


class ImportJob(db.Model):
    """One uploaded workbook: its dry-run report and, once clean and confirmed, its import."""

    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_as: Mapped[str] = mapped_column(String(255))
    state: Mapped[JobState] = mapped_column(Enum(JobState, native_enum=False, length=16), default=JobState.queued)
    publish_reason: Mapped[str | None] = mapped_column(Text)
    report = mapped_column(JSONType, default=dict, nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    # set while a worker runs the job: a task delivered twice finds it taken and does nothing
    worker_token: Mapped[str | None] = mapped_column(String(32))
    created_at = mapped_column(db.DateTime, default=utcnow, index=True)
    finished_at = mapped_column(db.DateTime)

    user = relationship("User")

    @property
    def clean(self) -> bool:
        return self.state == JobState.checked and not self.report.get("problems")
