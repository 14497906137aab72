"""Change events (变更事件), each affected department's task to update its catalog, and quarterly attestations."""
from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import JSONType, utcnow
from app.extensions import db

EVENT_KINDS = {
    "law_revision": "法规修订",
    "function_change": "职能调整",
    "org_change": "机构变更",
}

LINK_KINDS = {
    "new_version": "修订（新版本）",
    "new_entry": "新增信息资源",
    "retirement": "停用信息资源",
}


class TaskState(str, enum.Enum):
    open = "open"
    closed = "closed"


TASK_STATE_LABELS = {"open": "待更新", "closed": "已办结"}

# what a department sees of a task (the state and the deadline together)
STATUS_LABELS = {"due": "待办", "overdue": "已逾期", "on_time": "按期办结", "late": "逾期办结",
                 "not_owed": "无需确认"}


class ChangeEvent(db.Model):
    """A revised law, an adjusted function or a reorganisation that obliges departments to update their catalog
    (宝鸡 §10, 四川 §10: within 15 working days of the date it takes effect)."""

    __tablename__ = "change_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="recorded")
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))  # what changed
    legal_source: Mapped[str] = mapped_column(String(300))  # the law, decision or notice (with its 文号)
    description: Mapped[str] = mapped_column(Text, default="")
    effective_on = mapped_column(db.Date, nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    recorded_at = mapped_column(db.DateTime, default=utcnow)

    recorded_by = relationship("User")
    tasks = relationship("ChangeTask", back_populates="event", order_by="ChangeTask.id")

    @property
    def kind_label(self) -> str:
        return EVENT_KINDS.get(self.kind, self.kind)


class ChangeTask(db.Model):
    """One affected department's obligation to update its catalog after a change event."""

    __tablename__ = "change_task"
    __table_args__ = (UniqueConstraint("event_id", "department_id", name="uq_change_task_event_department"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("change_event.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    state: Mapped[TaskState] = mapped_column(Enum(TaskState, native_enum=False, length=16), index=True)
    working_days: Mapped[int]  # the deadline in force when the event was recorded
    due_on = mapped_column(db.Date, nullable=False, index=True)
    due_provisional: Mapped[bool] = mapped_column(default=False)  # a year of the span had no holiday arrangement
    closed_on = mapped_column(db.Date)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    late: Mapped[bool | None] = mapped_column()  # recorded when closed
    note: Mapped[str | None] = mapped_column(Text)  # the closing note (why nothing needed changing, say)

    event = relationship(ChangeEvent, back_populates="tasks")
    department = relationship("Department")
    closed_by = relationship("User")
    links = relationship("ChangeTaskLink", back_populates="task", order_by="ChangeTaskLink.id",
                         cascade="all, delete-orphan")


class ChangeTaskLink(db.Model):
    """A catalog update a department made in response to a change event: a new version, a new entry, a retirement."""

    __tablename__ = "change_task_link"
    __table_args__ = (UniqueConstraint("task_id", "kind", "entry_id", "version_id", name="uq_change_task_link"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("change_task.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("entry_version.id"))
    changed_on = mapped_column(db.Date)  # when the update was made (published, registered or retired)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    linked_at = mapped_column(db.DateTime, default=utcnow)

    task = relationship(ChangeTask, back_populates="links")
    entry = relationship("Entry")
    version = relationship("EntryVersion")

    @property
    def kind_label(self) -> str:
        return LINK_KINDS.get(self.kind, self.kind)


class Attestation(db.Model):
    """季度维护确认 (宝鸡 §10): a department attests that it reviewed its whole catalog in one period."""

    __tablename__ = "maintenance_attestation"
    __table_args__ = (UniqueConstraint("department_id", "period_start", name="uq_attestation_department_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="attested")
    period_start = mapped_column(db.Date, nullable=False)
    period_end = mapped_column(db.Date, nullable=False)
    attested_on = mapped_column(db.Date, nullable=False)
    late: Mapped[bool] = mapped_column(default=False)
    summary = mapped_column(JSONType, nullable=False)  # the period's changes, computed from versions
    note: Mapped[str] = mapped_column(Text, default="")
    attested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    attested_at = mapped_column(db.DateTime, default=utcnow)

    department = relationship("Department")
    attested_by = relationship("User")
