from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import JSONType, utcnow
from app.extensions import db


class JobState(str, enum.Enum):
    """The `import_job` workflow's states (app/imports/workflows.py)."""

    queued = "queued"
    checking = "checking"
    checked = "checked"
    commit_queued = "commit_queued"
    committing = "committing"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"
    discarded = "discarded"

    @property
    def label(self) -> str:
        return JOB_STATE_LABELS[self.value]

    @property
    def running(self) -> bool:
        return self.value in RUNNING_STATES


JOB_STATE_LABELS = {"queued": "排队中", "checking": "校验中", "checked": "校验完成", "commit_queued": "等待导入",
                    "committing": "导入中", "done": "已导入", "failed": "失败", "cancelled": "已取消",
                    "discarded": "已放弃"}
RUNNING_STATES = ("queued", "checking", "commit_queued", "committing")
WORKING_STATES = ("checking", "committing")  # a worker holds the job: it must keep its heartbeat


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
    # which worker run holds the job (set when a worker takes it, cleared when it lets go)
    worker_token: Mapped[str | None] = mapped_column(String(32))
    created_at = mapped_column(db.DateTime, default=utcnow, index=True)
    finished_at = mapped_column(db.DateTime)

    user = relationship("User")

    @property
    def clean(self) -> bool:
        return self.state == JobState.checked and not self.report.get("problems")
