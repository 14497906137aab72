"""Error reports (数据疑问): reporting, the provider's verification and answer, the reporter's acceptance or
escalation, the authority's resolution, the hourly overdue check, and the queues.

Every change goes through the workflow in `workflows.py` (permission, state, guards, audit): a report's history
is its audit rows, and with the answer it is the verification record (校核记录) shown on its page. The deadline is
the deadline policy's `error_verify_days`, counted in working days from the day of the report.
"""
from __future__ import annotations

import datetime as dt
import pathlib
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import notifications, workdays
from app.catalog import Entry, EntryStatus, EntryVersion
from app.core.clock import today
from app.core.db import utcnow
from app.core.errors import InvalidInput, NotFound, PermissionDenied
from app.core.fields import text_field
from app.extensions import db
from catalog_schema import Problem

from ..attachments import attachments_root, store_upload
from .models import UNSETTLED, ErrorReport, ReportState
from .workflows import PUBLISHED, REPORT

KINDS = ("data", "metadata")
DESCRIPTION_MAX = 2000
NOTE_MAX = 2000


# ---- parsing --------------------------------------------------------------------------------------------------

def _text(value, key: str, label: str, limit: int, problems: list, *, required=True) -> str:
    return text_field({key: value}, key, label, limit, problems, required=required)

def evidence_file(report: ErrorReport) -> pathlib.Path | None:
    """Where the report's evidence is kept (None: none attached, or the file is gone)."""
    if not report.evidence_path:
        return None
    path = attachments_root() / report.evidence_path
    return path if path.is_file() else None


# ---- who may report --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reporting:
    """Whether a user may report an entry, and if not, why (shown on the entry page instead of the link)."""

    allowed: bool
    reason: str = ""


def reporting(user, entry: Entry) -> Reporting:
    if user is None or not getattr(user, "is_authenticated", False) or not user.role_keys:
        return Reporting(False, "登录后可报告数据疑问")
    if entry.status != EntryStatus.published or entry.published_version is None:
        return Reporting(False, "只能对已发布的信息资源报告数据疑问")
    if entry.department_id == user.department_id:
        return Reporting(False, "这是本部门的信息资源：发现问题请直接修订")
    if not REPORT.may_create("report", user, {"reporter": user.department_id, "provider": entry.department_id}):
        return Reporting(False, "只有使用部门用户、目录编目员或部门审核员可以报告数据疑问")
    return Reporting(True)


# ---- reporting ----------------------------------------------------------------------------------------------

def report(entry: Entry, user, values: dict, chosen: list[str], evidence=None) -> ErrorReport:
    """报告数据疑问: the items concerned (none for the metadata as a whole), what looks wrong, the kind (data or
    metadata) and, optionally, an evidence file (a werkzeug FileStorage, or anything with `filename` and
    `stream`). The provider's responders are told; its deadline is `error_verify_days` working days."""
    why = reporting(user, entry)
    if not why.allowed:
        raise PermissionDenied(why.reason, "you may not report this entry")
    REPORT.check_create("report", actor=user, related=[{"reporter": user.department_id,
                                                        "provider": entry.department_id}])
    version = entry.published_version
    names = [i.get("name") for i in version.data.get("data_items") or []]
    problems: list[Problem] = []
    kind = (values.get("kind") or "").strip()
    if kind not in KINDS:
        problems.append(Problem("kind", "疑问类型", "请选择疑问类型：数据内容或目录元数据", "kind is data or metadata"))
    chosen = list(dict.fromkeys(chosen or []))
    unknown = [c for c in chosen if c not in names]
    if unknown:
        problems.append(Problem("items", "信息项", f"信息项“{str(unknown[0])[:30]}”不属于该信息资源",
                                "unknown data item"))
    if kind == "data" and not chosen:
        problems.append(Problem("items", "信息项", "数据内容的疑问请至少选择一个信息项", "choose at least one item"))
    description = _text(values.get("description"), "description", "疑问描述", DESCRIPTION_MAX, problems)
    stored = store_upload(evidence, prefix="report", field="evidence", label="证明材料", problems=problems)
    if problems:
        if stored:
            (attachments_root() / stored[0]).unlink(missing_ok=True)
        raise InvalidInput(problems)
    day, days = today(), workdays.setting(REPORT.transition("report").deadline.setting)
    due = workdays.deadline(day, days)
    made: list[ErrorReport] = []

    def insert(state: str) -> list[int]:
        row = ErrorReport(entry_id=entry.id, version_id=version.id, reporter_department_id=user.department_id,
                          reported_by_id=user.id, provider_department_id=entry.department_id, kind=kind,
                          items=[n for n in names if n in chosen], description=description,
                          evidence_path=stored[0] if stored else None, evidence_name=stored[1] if stored else None,
                          evidence_size=stored[2] if stored else None, state=ReportState(state), reported_on=day,
                          due_days=days, due_on=due.on,
                          due_provisional=due.provisional)
        db.session.add(row)
        db.session.flush()
        made.append(row)
        return [row.id]

    REPORT.create("report", actor=user, related=[{"reporter": user.department_id, "provider": entry.department_id}],
                  insert=insert, names=[f"{user.department.name}报告“{version.name}”的数据疑问"],
                  departments=[entry.department_id], note=description)
    row = made[0]
    items = f"（{'、'.join(row.items)}）" if row.items else ""
    notifications.notify(provider_people(row.provider_department_id), key=f"error_report:{row.id}:reported",
                         kind="reports.new", subject=f"数据疑问待核查：{version.name}",
                         body=(f"{row.reporter_department.name}报告“{version.name}”的{row.kind_label}{items}有疑问："
                               f"{description[:200]}。请于 {row.due_on} 前核查并答复。"),
                         link=_path("reports.page", report_id=row.id))
    return row


# ---- the provider's answer ---------------------------------------------------------------------------------

def candidates(row: ErrorReport) -> list[EntryVersion]:
    """The versions that may correct the report: this entry's versions published after it (newest first)."""
    return db.session.scalars(select(EntryVersion).where(
        EntryVersion.entry_id == row.entry_id, EntryVersion.state.in_(PUBLISHED),
        EntryVersion.number > row.version.number).order_by(EntryVersion.number.desc())).all()


def correct(row: ErrorReport, user, version_id: int | None, note: str = "") -> None:
    """已更正: the provider links the version, published after the report, that corrects it."""
    version = db.session.get(EntryVersion, version_id) if version_id else None
    REPORT.check("correct", row, actor=user, version=version)
    problems: list[Problem] = []
    note = _text(note, "note", "更正说明", NOTE_MAX, problems, required=False)
    if problems:
        raise InvalidInput(problems)
    row.answer, row.answer_note, row.correcting_version_id = "corrected", note or None, version.id
    _answered(row, user)
    REPORT.fire("correct", row, actor=user, version=version, note=f"更正为第 {version.number} 版" + (f"：{note}" if note else ""))
    _tell_reporter(row, "数据疑问已更正",
                   f"{row.provider_department.name}已更正“{row.version.name}”（第 {version.number} 版）。"
                   + (f"说明：{note}。" if note else "") + "请确认办结；如仍有异议，可申请主管部门协调。")


def reject(row: ErrorReport, user, note: str) -> None:
    """经核查无误: the provider explains what it verified and why the data stands."""
    REPORT.check("reject", row, actor=user, note=note)
    problems: list[Problem] = []
    note = _text(note, "note", "核查说明", NOTE_MAX, problems)
    if problems:
        raise InvalidInput(problems)
    row.answer, row.answer_note = "no_error", note
    _answered(row, user)
    REPORT.fire("reject", row, actor=user, note=note)
    _tell_reporter(row, "数据疑问经核查无误",
                   f"{row.provider_department.name}核查后认为“{row.version.name}”无误：{note}。"
                   "请确认办结；如仍有异议，可申请主管部门协调。")


def _answered(row: ErrorReport, user) -> None:
    row.answered_by_id, row.answered_at = user.id, utcnow()
    if row.due_on is not None and today() > row.due_on:
        row.late = True


# ---- the reporter, then the authority -----------------------------------------------------------------------

def accept(row: ErrorReport, user) -> None:
    """确认办结: the reporter accepts the answer."""
    REPORT.check("accept", row, actor=user)
    row.accepted_at = utcnow()
    REPORT.fire("accept", row, actor=user)
    notifications.notify(provider_people(row.provider_department_id), key=f"error_report:{row.id}:closed",
                         kind="reports.answer", subject=f"数据疑问已办结：{row.version.name}",
                         body=f"{row.reporter_department.name}已确认第 {row.id} 号数据疑问的答复，校核办结。",
                         link=_path("reports.page", report_id=row.id))


def escalate(row: ErrorReport, user, reason: str) -> None:
    """申请主管部门协调: the reporter disputes the answer, or the provider let the deadline pass."""
    REPORT.check("escalate", row, actor=user, reason=reason)
    problems: list[Problem] = []
    reason = _text(reason, "reason", "协调理由", NOTE_MAX, problems)
    if problems:
        raise InvalidInput(problems)
    if row.overdue(today()):
        row.late = True
    row.escalation_reason, row.escalated_at = reason, utcnow()
    REPORT.fire("escalate", row, actor=user, reason=reason)
    notifications.notify(authority_people(), key=f"error_report:{row.id}:escalated", kind="reports.authority",
                         subject=f"数据疑问请求协调：{row.version.name}",
                         body=(f"{row.reporter_department.name}就{row.provider_department.name}的“{row.version.name}”"
                               f"申请协调（{row.state_label}）：{reason}"),
                         link=_path("reports.page", report_id=row.id))


def resolve(row: ErrorReport, user, resolution: str) -> None:
    """主管部门处理: the authority's resolution, published to both departments."""
    REPORT.check("resolve", row, actor=user, resolution=resolution)
    problems: list[Problem] = []
    resolution = _text(resolution, "resolution", "处理结论", NOTE_MAX, problems)
    if problems:
        raise InvalidInput(problems)
    row.resolution, row.resolved_by_id, row.resolved_at = resolution, user.id, utcnow()
    REPORT.fire("resolve", row, actor=user, resolution=resolution, note=resolution)
    people = [*_reporters(row), *provider_people(row.provider_department_id)]
    notifications.notify(people, key=f"error_report:{row.id}:resolved", kind="reports.resolution",
                         subject=f"数据疑问处理结论：{row.version.name}", body=resolution,
                         link=_path("reports.page", report_id=row.id))


# ---- the hourly check ---------------------------------------------------------------------------------------

def flag_overdue(on: dt.date | None = None) -> int:
    """Reports the provider left unanswered past their deadline: each flagged once (an audit row in its history)
    and its provider's responders and the authority told once. Returns how many notices were sent."""
    day = on or today()
    rows = db.session.scalars(select(ErrorReport).where(
        ErrorReport.state == ReportState.open, ErrorReport.due_on < day,
        ErrorReport.overdue_flagged.is_(False)).order_by(ErrorReport.id)).all()
    if not rows:
        return 0
    REPORT.fire_internal("flag_overdue", rows, actor=None)
    sent, authority = 0, authority_people()
    for row in rows:
        row.overdue_flagged = True
        sent += notifications.notify(
            [*provider_people(row.provider_department_id), *authority], key=f"error_report:{row.id}:overdue",
            kind="deadline.overdue", subject=f"数据疑问逾期未答复：{row.provider_department.name}（第 {row.id} 号）",
            body=(f"{row.reporter_department.name}报告“{row.version.name}”的数据疑问，核查答复期限 {row.due_on} 已过。"
                  "逾期情况计入年度考核；报告部门可申请主管部门协调。"),
            link=_path("reports.page", report_id=row.id))
    return sent


# ---- reading ------------------------------------------------------------------------------------------------

def get_report_or_404(report_id: int) -> ErrorReport:
    row = db.session.get(ErrorReport, report_id) if 0 < report_id < 2 ** 31 else None
    if row is None:
        raise NotFound("未找到该数据疑问", "error report not found")
    return row


BOXES = {"mine": "本部门报告的", "provider": "待本部门核查", "authority": "主管部门督办"}


def reports_query(box: str, user, *, overdue_only: bool = False):
    stmt = (select(ErrorReport).options(joinedload(ErrorReport.version), joinedload(ErrorReport.entry),
                                        joinedload(ErrorReport.reporter_department),
                                        joinedload(ErrorReport.provider_department))
            .order_by(ErrorReport.id.desc()))
    if box == "mine":
        stmt = stmt.where(ErrorReport.reporter_department_id == user.department_id)
    elif box == "provider":
        stmt = stmt.where(ErrorReport.provider_department_id == user.department_id)
    else:
        stmt = stmt.where(ErrorReport.state.in_(UNSETTLED))
    if overdue_only:
        stmt = stmt.where(ErrorReport.state == ReportState.open, ErrorReport.due_on < today())
    return stmt


def overdue_count(box: str, user) -> int:
    return db.session.scalar(select(func.count()).select_from(
        reports_query(box, user, overdue_only=True).order_by(None).subquery())) or 0


def unsettled_for_entry(entry: Entry) -> list[ErrorReport]:
    """The entry's reports not settled yet (the entry page shows them to the provider and the authority)."""
    return db.session.scalars(select(ErrorReport).where(ErrorReport.entry_id == entry.id,
                                                        ErrorReport.state.in_(UNSETTLED))
                              .options(joinedload(ErrorReport.reporter_department))
                              .order_by(ErrorReport.id.desc())).all()


def reported_by_department(entry: Entry, department_id: int) -> list[ErrorReport]:
    """A department's own reports on an entry (the entry page shows them to the reporter)."""
    return db.session.scalars(select(ErrorReport).where(ErrorReport.entry_id == entry.id,
                                                        ErrorReport.reporter_department_id == department_id)
                              .order_by(ErrorReport.id.desc()).limit(20)).all()


def history_of(row: ErrorReport):
    """The report's audit rows, oldest first: with the answer, its verification record (校核记录)."""
    from app.audit import AuditEntry

    return db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == REPORT.key,
                                                       AuditEntry.object_id == row.id)
                              .order_by(AuditEntry.id)).all()


# ---- telling people -------------------------------------------------------------------------------------------

def _path(endpoint: str, **values) -> str:
    return current_app.url_map.bind("").build(endpoint, values)


def provider_people(department_id: int):
    """Who answers for the provider: its 信息共享责任人, or its editors where it has none."""
    return (notifications.users_in_department(department_id, ["responder"])
            or notifications.users_in_department(department_id, ["editor"]))


def authority_people():
    return notifications.users_with_roles(["authority_reviewer"])


def _reporters(row: ErrorReport) -> list:
    return [row.reported_by_id]


def _tell_reporter(row: ErrorReport, subject: str, body: str) -> None:
    notifications.notify(_reporters(row), key=f"error_report:{row.id}:{row.state.value}", kind="reports.answer",
                         subject=f"{subject}：{row.version.name}", body=body,
                         link=_path("reports.page", report_id=row.id))


# ---- provisional deadlines ----------------------------------------------------------------------------------

@workdays.calendar_changed.connect
def _recompute(_sender=None, **_kwargs) -> None:
    """The holiday table changed: the provisional deadlines of reports still waiting are computed again."""
    rows = db.session.scalars(select(ErrorReport).where(ErrorReport.due_provisional.is_(True),
                                                        ErrorReport.state == ReportState.open)).all()
    for row in rows:
        due = workdays.deadline(row.reported_on, row.due_days or workdays.setting("error_verify_days"))
        row.due_on, row.due_provisional = due.on, due.provisional


@workdays.register_provisional_counter
def _provisional_counts() -> dict[int, int]:
    out: dict[int, int] = {}
    for (day,) in db.session.execute(select(ErrorReport.due_on).where(ErrorReport.due_provisional.is_(True),
                                                                       ErrorReport.state == ReportState.open)):
        out[day.year] = out.get(day.year, 0) + 1
    return out
