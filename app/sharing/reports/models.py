"""Error reports (数据疑问 / 纠错): a consumer department challenges the data or the metadata of a published entry;
the provider verifies it (校核) and answers; an unsettled one goes to the authority."""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import JSONType, utcnow
from app.extensions import db


class ReportState(str, enum.Enum):
    open = "open"
    corrected = "corrected"
    no_error = "no_error"
    closed = "closed"
    escalated = "escalated"
    resolved = "resolved"


REPORT_STATE_LABELS = {
    "open": "待核查",
    "corrected": "已更正",
    "no_error": "经核查无误",
    "closed": "已办结",
    "escalated": "主管部门协调中",
    "resolved": "主管部门已处理",
}
#: not settled yet: the provider, the reporter or the authority still has something to do
UNSETTLED = (ReportState.open, ReportState.corrected, ReportState.no_error, ReportState.escalated)

KIND_LABELS = {"data": "数据内容", "metadata": "目录元数据"}
ANSWER_LABELS = {"corrected": "已更正", "no_error": "经核查无误"}


class ErrorReport(db.Model):
    """One report of doubtful data (数据疑问): which entry and version, which items, what looks wrong, the evidence;
    the provider's answer (corrected, with the version that corrects it, or no error, with an explanation); the
    reporter's escalation and the authority's resolution."""

    __tablename__ = "error_report"
    __table_args__ = (
        CheckConstraint("kind IN ('data', 'metadata')", name="ck_error_report_kind"),
        # an answer always carries its proof: the correcting version, or the explanation of "no error"
        CheckConstraint("answer IS NULL"
                        " OR (answer = 'corrected' AND correcting_version_id IS NOT NULL)"
                        " OR (answer = 'no_error' AND answer_note IS NOT NULL AND answer_note <> '')",
                        name="ck_error_report_answer"),
        CheckConstraint("state NOT IN ('corrected', 'no_error') OR COALESCE(answer, '') = state",
                        name="ck_error_report_answered"),
        CheckConstraint("state NOT IN ('escalated', 'resolved')"
                        " OR (escalation_reason IS NOT NULL AND escalation_reason <> '')",
                        name="ck_error_report_escalation_reason"),
        CheckConstraint("state <> 'resolved' OR (resolution IS NOT NULL AND resolution <> '')",
                        name="ck_error_report_resolution"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("entry_version.id"))  # the version reported on
    reporter_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # data | metadata
    items = mapped_column(JSONType, nullable=False)  # names of the data items concerned (none: the whole entry)
    description: Mapped[str] = mapped_column(Text)  # what looks wrong
    evidence_path: Mapped[str | None] = mapped_column(String(300))  # under ATTACHMENTS_PATH
    evidence_name: Mapped[str | None] = mapped_column(String(200))  # the name it was uploaded with
    evidence_size: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[ReportState] = mapped_column(Enum(ReportState, native_enum=False, length=16), index=True)
    reported_on = mapped_column(db.Date, nullable=False)  # the day the deadline counts from
    due_days: Mapped[int | None] = mapped_column(Integer)  # working days it was given (the policy's, then)
    due_on = mapped_column(db.Date)  # the provider answers by then
    due_provisional: Mapped[bool] = mapped_column(default=False)
    overdue_flagged: Mapped[bool] = mapped_column(default=False)  # the sweep flagged it (once)
    late: Mapped[bool] = mapped_column(default=False)  # answered (or escalated unanswered) after the deadline
    answer: Mapped[str | None] = mapped_column(String(16))  # corrected | no_error
    answer_note: Mapped[str | None] = mapped_column(Text)  # the verification's explanation
    correcting_version_id: Mapped[int | None] = mapped_column(ForeignKey("entry_version.id"))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at = mapped_column(db.DateTime)
    accepted_at = mapped_column(db.DateTime)
    escalation_reason: Mapped[str | None] = mapped_column(Text)
    escalated_at = mapped_column(db.DateTime)
    resolution: Mapped[str | None] = mapped_column(Text)  # the authority's, published to both departments
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at = mapped_column(db.DateTime)
    created_at = mapped_column(db.DateTime, default=utcnow, index=True)
    updated_at = mapped_column(db.DateTime, default=utcnow, onupdate=utcnow)

    entry = relationship("Entry")
    version = relationship("EntryVersion", foreign_keys=[version_id])
    correcting_version = relationship("EntryVersion", foreign_keys=[correcting_version_id])
    reporter_department = relationship("Department", foreign_keys=[reporter_department_id])
    provider_department = relationship("Department", foreign_keys=[provider_department_id])
    reported_by = relationship("User", foreign_keys=[reported_by_id])
    answered_by = relationship("User", foreign_keys=[answered_by_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])

    @property
    def state_label(self) -> str:
        return REPORT_STATE_LABELS[self.state.value]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def answer_label(self) -> str:
        return ANSWER_LABELS.get(self.answer or "", "")

    def overdue(self, on: dt.date) -> bool:
        """Still waiting for the provider's answer after its deadline."""
        return self.state == ReportState.open and self.due_on is not None and on > self.due_on

    @classmethod
    def awaiting_verification(cls, department_id: int, on: dt.date) -> Awaiting:
        """What a provider department must still verify (its desk's to-do item): how many reports wait for its
        answer, how many are past the deadline, and the nearest deadline."""
        waiting = (select(func.count(cls.id), func.min(cls.due_on))
                   .where(cls.provider_department_id == department_id, cls.state == ReportState.open))
        count, nearest = db.session.execute(waiting).one()
        overdue = db.session.scalar(select(func.count(cls.id)).where(
            cls.provider_department_id == department_id, cls.state == ReportState.open, cls.due_on < on)) or 0
        provisional = bool(nearest is not None and db.session.scalar(select(func.count(cls.id)).where(
            cls.provider_department_id == department_id, cls.state == ReportState.open, cls.due_on == nearest,
            cls.due_provisional.is_(True))))
        return Awaiting(count or 0, overdue, nearest, provisional)


@dataclass(frozen=True)
class Awaiting:
    count: int
    overdue: int
    due_on: dt.date | None
    provisional: bool

    @property
    def status(self) -> str:
        """As the desk's to-do items say it: overdue, or due."""
        return "overdue" if self.overdue else "due"
