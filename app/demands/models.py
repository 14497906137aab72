"""Demands (共享需求): a department's need for information, answered by a target department or matched with an entry."""
from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import JSONType, utcnow
from app.extensions import db


class DemandState(str, enum.Enum):
    filed = "filed"
    unassigned = "unassigned"
    awaiting = "awaiting"
    registering = "registering"
    satisfied = "satisfied"
    refused = "refused"
    withdrawn = "withdrawn"


DEMAND_STATE_LABELS = {
    "filed": "已提交",
    "unassigned": "待主管部门指派",
    "awaiting": "待目标部门答复",
    "registering": "待登记新资源",
    "satisfied": "已满足",
    "refused": "无法提供",
    "withdrawn": "已撤回",
}

URGENCY = {"normal": "一般", "urgent": "紧急", "critical": "特急"}
ANSWERS = {"existing": "已有资源可满足", "register": "将登记新资源", "cannot": "无法提供", "matched": "已对接共享申请"}


class Demand(db.Model):
    __tablename__ = "demand"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))  # what information is needed
    description: Mapped[str] = mapped_column(Text, default="")
    items = mapped_column(JSONType, nullable=False)  # the data items needed, by name
    items_text: Mapped[str] = mapped_column(Text, default="")  # the same, joined: what the catalog's search reads
    requester_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    target_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    purpose: Mapped[str] = mapped_column(Text)
    scenario: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(500))
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    state: Mapped[DemandState] = mapped_column(Enum(DemandState, native_enum=False, length=16), index=True)
    due_on = mapped_column(db.Date)
    due_provisional: Mapped[bool] = mapped_column(default=False)
    answer: Mapped[str | None] = mapped_column(String(20))  # existing | register | cannot | matched
    answer_note: Mapped[str | None] = mapped_column(Text)
    answer_basis: Mapped[str | None] = mapped_column(String(500))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id"), index=True)  # the entry that satisfies it
    share_request_id: Mapped[int | None] = mapped_column(ForeignKey("share_request.id"))
    late: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at = mapped_column(db.DateTime, default=utcnow, index=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at = mapped_column(db.DateTime)
    closed_on = mapped_column(db.Date)

    requester_department = relationship("Department", foreign_keys=[requester_department_id])
    target_department = relationship("Department", foreign_keys=[target_department_id])
    entry = relationship("Entry")
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def state_label(self) -> str:
        return DEMAND_STATE_LABELS[self.state.value]

    @property
    def urgency_label(self) -> str:
        return URGENCY.get(self.urgency, self.urgency)
