"""Change tracking: change events and each department's update task, quarterly attestations, contacts.

Every deadline is counted in working days by `app.workdays` from the deadline policy in force when it starts,
and kept on the row (a later policy change applies to later deadlines). A deadline that runs into a year whose
holiday arrangement is not entered yet is provisional (暂定) and is recomputed when the arrangement is entered.
Status of a task on a day: due (open, not past), overdue (open, past), on_time or late (closed before or after).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, insert, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app import workdays
from app.catalog import Entry, EntryStatus, EntryVersion, VersionState, overdue_counts, overdue_query
from app.core.clock import today
from app.core.errors import InvalidInput, NotFound
from app.core.fields import date_field as _date
from app.core.fields import text_field as _text
from app.extensions import db
from app.org import CONTACT_ROLES, Department, DepartmentContact, contact_problems, current_contacts, normalize_phone
from catalog_schema import Problem

from . import notices
from .models import EVENT_KINDS, LINK_KINDS, Attestation, ChangeEvent, ChangeTask, ChangeTaskLink, TaskState
from .workflows import CHANGE_EVENT, CHANGE_TASK, CONTACT, MAINTENANCE

# how far back a department's own catalog changes are offered for linking to a task (a change may be made a
# little before the law takes effect)
CANDIDATE_LOOKBACK_DAYS = 90


def _within_a_year(day: dt.date | None, key: str, label: str, problems: list, *, future: bool) -> None:
    if day is None:
        return
    now = today()
    if day < now - dt.timedelta(days=366):
        problems.append(Problem(key, label, f"「{label}」不能早于一年以前", f"{key} is more than a year ago"))
    if future and day > now + dt.timedelta(days=366):
        problems.append(Problem(key, label, f"「{label}」不能晚于一年以后", f"{key} is more than a year ahead"))
    if not future and day > now:
        problems.append(Problem(key, label, f"「{label}」不能晚于今天", f"{key} is in the future"))


# ---- change events and tasks ------------------------------------------------------------------------------

def record_event(user, values: dict, department_ids: list) -> ChangeEvent:
    """登记变更事件: one task per affected department, each with its deadline. All or nothing."""
    problems: list[Problem] = []
    kind = (values.get("kind") or "").strip()
    if kind not in EVENT_KINDS:
        problems.append(Problem("kind", "变更类型", "请选择「变更类型」：法规修订、职能调整或机构变更", "kind is required"))
    title = _text(values, "title", "变更内容", 200, problems, multiline=False)
    source = _text(values, "legal_source", "依据文件", 300, problems, multiline=False)
    description = _text(values, "description", "说明", 2000, problems, required=False, multiline=True)
    effective_on = _date(values, "effective_on", "生效日期", problems)
    _within_a_year(effective_on, "effective_on", "生效日期", problems, future=True)
    ids = _department_ids(department_ids, problems)
    if ids and not any(p.path == "departments" for p in problems):
        CHANGE_EVENT.check_create("record", actor=user, related=[{"own": d} for d in ids])
    if problems:
        raise InvalidInput(problems)

    n = workdays.setting("change_update_days")
    created: list[ChangeEvent] = []

    def insert_event(state: str) -> list[int]:
        event = ChangeEvent(state=state, kind=kind, title=title, legal_source=source, description=description,
                            effective_on=effective_on, recorded_by_id=user.id,
                            recorded_department_id=ids[0] if len(ids) == 1 else None)
        db.session.add(event)
        db.session.flush()
        created.append(event)
        return [event.id]

    CHANGE_EVENT.create("record", actor=user, related=[{"own": d} for d in ids], insert=insert_event,
                        names=[f"{EVENT_KINDS[kind]}：{title}"], departments=[ids[0] if len(ids) == 1 else None])
    event = created[0]
    due = CHANGE_TASK.due("assign", effective_on)
    names = dict(db.session.execute(select(Department.id, Department.name).where(Department.id.in_(ids))).all())

    def insert_tasks(state: str) -> list[int]:
        return list(db.session.scalars(insert(ChangeTask).returning(ChangeTask.id, sort_by_parameter_order=True), [
            {"event_id": event.id, "department_id": d, "state": TaskState(state), "working_days": n,
             "due_on": due.on, "due_provisional": due.provisional} for d in ids]))

    task_ids = CHANGE_TASK.create("assign", actor=user, related=[{"own": d} for d in ids], insert=insert_tasks,
                                  names=[f"{names[d]}：{title}" for d in ids], departments=ids, internal=True)
    for task_id, department_id in zip(task_ids, ids):  # the departments hear of it at once
        notices.task_assigned(task_id, department_id, event, due)
    return event


def _department_ids(raw: list, problems: list) -> list[int]:
    problems_before = len(problems)
    ids: list[int] = []
    for value in raw or []:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            problems.append(Problem("departments", "涉及部门", f"「涉及部门」“{str(value)[:20]}”无效",
                                    "departments has an invalid id"))
    ids = sorted(set(ids))
    if not ids and len(problems) == problems_before:
        problems.append(Problem("departments", "涉及部门", "请至少选择一个「涉及部门」", "departments is required"))
    elif ids:
        found = set(db.session.scalars(select(Department.id).where(Department.id.in_(ids))))
        if found != set(ids):
            problems.append(Problem("departments", "涉及部门", "「涉及部门」中有不存在的部门",
                                    "departments names an unknown department"))
    return ids


def get_task_or_404(task_id: int) -> ChangeTask:
    task = db.session.get(ChangeTask, task_id, options=[joinedload(ChangeTask.event), joinedload(ChangeTask.department),
                                                         selectinload(ChangeTask.links)])
    if task is None:
        raise NotFound("未找到该目录更新任务", "change task not found")
    return task


def get_event_or_404(event_id: int) -> ChangeEvent:
    event = db.session.get(ChangeEvent, event_id)
    if event is None:
        raise NotFound("未找到该变更事件", "change event not found")
    return event


def status_of(task: ChangeTask, on: dt.date | None = None) -> str:
    """due / overdue / on_time / late."""
    if task.state == TaskState.closed:
        return "late" if task.late else "on_time"
    return "overdue" if (on or today()) > task.due_on else "due"


@dataclass(frozen=True)
class Candidate:
    """A catalog update of the department that may be linked to a task."""

    kind: str
    entry_id: int
    version_id: int | None
    name: str
    resource_code: str
    changed_on: dt.date
    state_label: str

    @property
    def token(self) -> str:
        return f"{self.kind}:{self.entry_id}:{self.version_id or 0}"

    @property
    def kind_label(self) -> str:
        return LINK_KINDS[self.kind]


def candidates(task: ChangeTask) -> list[Candidate]:
    """The department's recent catalog updates (since a while before the change took effect), newest first:
    versions submitted or published, new entries, retirements; those already linked are left out."""
    since = task.event.effective_on - dt.timedelta(days=CANDIDATE_LOOKBACK_DAYS)
    since_dt = dt.datetime.combine(since, dt.time())
    linked = {(link.kind, link.entry_id, link.version_id or 0) for link in task.links}
    out: list[Candidate] = []
    states = (VersionState.department_review, VersionState.authority_review, VersionState.published,
              VersionState.superseded)
    rows = db.session.execute(
        select(EntryVersion.id, EntryVersion.entry_id, EntryVersion.number, EntryVersion.name, EntryVersion.state,
               EntryVersion.published_at, EntryVersion.updated_at, Entry.resource_code)
        .join(Entry, Entry.id == EntryVersion.entry_id)
        .where(Entry.department_id == task.department_id, EntryVersion.state.in_(states),
               or_(EntryVersion.published_at >= since_dt,
                   and_(EntryVersion.published_at.is_(None), EntryVersion.updated_at >= since_dt)))
        .order_by(EntryVersion.id.desc()).limit(200)).all()
    for vid, eid, number, name, state, published_at, updated_at, code in rows:
        kind = "new_entry" if number == 1 else "new_version"
        when = (published_at or updated_at).date()
        label = "已发布" if published_at else "审核中"
        out.append(Candidate(kind, eid, vid, f"{name}（第 {number} 版）", code, when, label))
    retired = db.session.execute(
        select(Entry.id, Entry.resource_code, Entry.retired_at, EntryVersion.name)
        .join(EntryVersion, EntryVersion.id == func.coalesce(Entry.published_version_id, Entry.draft_version_id),
              isouter=True)
        .where(Entry.department_id == task.department_id, Entry.status == EntryStatus.retired,
               Entry.retired_at >= since_dt).order_by(Entry.retired_at.desc()).limit(100)).all()
    for eid, code, retired_at, name in retired:
        out.append(Candidate("retirement", eid, None, name or code, code, retired_at.date(), "已停用"))
    out = [c for c in out if (c.kind, c.entry_id, c.version_id or 0) not in linked]
    return sorted(out, key=lambda c: (c.changed_on, c.entry_id), reverse=True)


def link(task: ChangeTask, user, tokens: list[str]) -> int:
    """关联目录更新: link some of the task's candidates (chosen by token). Returns how many were linked."""
    CHANGE_TASK.check("link", task, actor=user)
    offered = {c.token: c for c in candidates(task)}
    chosen = [offered.get(t) for t in tokens or []]
    if not tokens or None in chosen:
        raise InvalidInput([Problem("updates", "目录更新", "请从本部门近期的目录更新中选择要关联的项目",
                                    "choose updates from the department's recent catalog changes")])
    for c in chosen:
        task.links.append(ChangeTaskLink(kind=c.kind, entry_id=c.entry_id, version_id=c.version_id,
                                         changed_on=c.changed_on, linked_by_id=user.id))
    db.session.flush()
    CHANGE_TASK.fire("link", task, actor=user, note="；".join(f"{c.kind_label} {c.name}" for c in chosen)[:500])
    return len(chosen)


def unlink(task: ChangeTask, user, link_id: int) -> None:
    CHANGE_TASK.check("link", task, actor=user)
    row = next((link for link in task.links if link.id == link_id), None)
    if row is None:
        raise NotFound("该任务没有这项关联", "no such link on this task")
    name = row.entry.resource_code if row.entry else str(row.entry_id)
    task.links.remove(row)
    db.session.flush()
    CHANGE_TASK.fire("link", task, actor=user, note=f"取消关联 {name}")


def close(task: ChangeTask, user, note: str = "") -> None:
    """办结: on time when closed on or before the deadline, late otherwise (recorded, and counted)."""
    note = (note or "").strip()
    problems: list[Problem] = []
    _text({"note": note}, "note", "办结说明", 2000, problems, required=False, multiline=True)
    if problems:
        raise InvalidInput(problems)
    CHANGE_TASK.fire("close", task, actor=user, note=note)
    day = today()
    task.closed_on, task.closed_by_id, task.note = day, user.id, note or None
    task.late = day > task.due_on


def reopen(task: ChangeTask, user, reason: str) -> None:
    """重新打开 (the authority, when the update did not do what the change needed); the deadline stays."""
    problems: list[Problem] = []
    reason = _text({"reason": reason}, "reason", "重新打开原因", 1000, problems, required=False, multiline=True)
    if problems:
        raise InvalidInput(problems)
    CHANGE_TASK.fire("reopen", task, actor=user, reason=reason)
    task.closed_on = task.closed_by_id = task.late = None


def tasks_query(*, department_id: int | None = None, status: str | None = None, on: dt.date | None = None):
    day = on or today()
    stmt = (select(ChangeTask).options(joinedload(ChangeTask.event), joinedload(ChangeTask.department))
            .join(ChangeEvent, ChangeEvent.id == ChangeTask.event_id)
            .order_by(ChangeTask.state, ChangeTask.due_on, ChangeTask.id))
    if department_id:
        stmt = stmt.where(ChangeTask.department_id == department_id)
    if status == "due":
        stmt = stmt.where(ChangeTask.state == TaskState.open, ChangeTask.due_on >= day)
    elif status == "overdue":
        stmt = stmt.where(ChangeTask.state == TaskState.open, ChangeTask.due_on < day)
    elif status == "on_time":
        stmt = stmt.where(ChangeTask.state == TaskState.closed, ChangeTask.late.is_(False))
    elif status == "late":
        stmt = stmt.where(ChangeTask.state == TaskState.closed, ChangeTask.late.is_(True))
    return stmt


def open_task_count(department_id: int) -> int:
    """A department's change tasks not yet closed (the menu's 待办事项 count): one COUNT."""
    return db.session.scalar(select(func.count(ChangeTask.id)).where(ChangeTask.department_id == department_id,
                                                                    ChangeTask.state == TaskState.open)) or 0


def events_query():
    return select(ChangeEvent).options(selectinload(ChangeEvent.tasks).joinedload(ChangeTask.department)) \
        .order_by(ChangeEvent.effective_on.desc(), ChangeEvent.id.desc())


# ---- provisional deadlines --------------------------------------------------------------------------------

@workdays.calendar_changed.connect
def _recompute(_sender=None, **_kwargs) -> None:
    """The holiday table changed: every provisional deadline is computed again (and may become final)."""
    tasks = db.session.scalars(select(ChangeTask).join(ChangeEvent)
                               .where(ChangeTask.due_provisional.is_(True))
                               .options(joinedload(ChangeTask.event))).all()
    for task in tasks:
        due = workdays.deadline(task.event.effective_on, task.working_days)
        task.due_on, task.due_provisional = due.on, due.provisional
        if task.state == TaskState.closed:
            task.late = task.closed_on > task.due_on
    contacts = db.session.scalars(select(DepartmentContact).where(DepartmentContact.due_provisional.is_(True))).all()
    n = workdays.setting("contacts_change_days")
    for row in contacts:
        due = workdays.deadline(row.changed_on, n)
        row.due_on, row.due_provisional = due.on, due.provisional
        row.on_time = row.reported_on <= due.on


def _provisional_counts() -> dict[int, int]:
    out: dict[int, int] = {}
    for (day,) in db.session.execute(select(ChangeTask.due_on).where(ChangeTask.due_provisional.is_(True),
                                                                      ChangeTask.state == TaskState.open)):
        out[day.year] = out.get(day.year, 0) + 1
    return out


workdays.register_provisional_counter(_provisional_counts)


# ---- quarterly maintenance --------------------------------------------------------------------------------

def period_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The maintenance period (a quarter by default) holding a day: its first and last day."""
    months = workdays.setting("maintenance_period_months")
    first_month = (day.month - 1) // months * months + 1
    start = dt.date(day.year, first_month, 1)
    end_month0 = first_month - 1 + months
    end = dt.date(day.year + end_month0 // 12, end_month0 % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def period_label(start: dt.date, end: dt.date) -> str:
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months == 3:
        return f"{start.year} 年第 {(start.month - 1) // 3 + 1} 季度"
    if months == 12:
        return f"{start.year} 年"
    return f"{start.year} 年 {start.month}～{end.month} 月" if months > 1 else f"{start.year} 年 {start.month} 月"


def period_summary(department_id: int, start: dt.date, end: dt.date) -> dict:
    """What changed in a department's catalog during a period, computed from versions and retirements."""
    lo, hi = dt.datetime.combine(start, dt.time()), dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    first = case((EntryVersion.number == 1, 1), else_=0)
    published = dict(db.session.execute(
        select(first, func.count(EntryVersion.id)).join(Entry, Entry.id == EntryVersion.entry_id)
        .where(Entry.department_id == department_id, EntryVersion.published_at >= lo, EntryVersion.published_at < hi)
        .group_by(first)).all())
    new_entries, revisions = published.get(1, 0), published.get(0, 0)
    retired = db.session.scalar(select(func.count(Entry.id)).where(
        Entry.department_id == department_id, Entry.retired_at >= lo, Entry.retired_at < hi)) or 0
    total = db.session.scalar(select(func.count(Entry.id)).where(
        Entry.department_id == department_id, Entry.status == EntryStatus.published)) or 0
    return {"new_entries": new_entries, "revisions": revisions, "retired": retired, "published_total": total}


def catalog_since(department_ids=None) -> dict[int, dt.date]:
    """Department id → the day its first entry was published. Maintenance is owed only for periods that end
    after that: an empty catalog has nothing to maintain (and a new deployment does not owe the past)."""
    stmt = (select(Entry.department_id, func.min(EntryVersion.published_at))
            .join(EntryVersion, EntryVersion.entry_id == Entry.id)
            .where(EntryVersion.published_at.is_not(None)).group_by(Entry.department_id))
    if department_ids is not None:
        stmt = stmt.where(Entry.department_id.in_(list(department_ids)))
    return {d: first.date() for d, first in db.session.execute(stmt) if first is not None}


def owes(since: dt.date | None, period_end: dt.date) -> bool:
    return since is not None and since <= period_end


def attestation_for(department_id: int, start: dt.date) -> Attestation | None:
    return db.session.scalar(select(Attestation).where(Attestation.department_id == department_id,
                                                       Attestation.period_start == start))


def attestable_periods(department_id: int, on: dt.date | None = None) -> list[tuple[dt.date, dt.date]]:
    """The periods a department may attest now: the current one, and the previous one if it owed it and missed it."""
    day = on or today()
    current = period_of(day)
    previous = period_of(current[0] - dt.timedelta(days=1))
    since = catalog_since([department_id]).get(department_id)
    periods = [previous, current] if owes(since, previous[1]) else [current]
    return [p for p in periods if attestation_for(department_id, p[0]) is None]


def attest(department_id: int, user, *, period_start, note: str = "") -> Attestation:
    """季度维护确认, for the current period or a missed previous one (late)."""
    MAINTENANCE.check_create("attest", actor=user, related=[{"own": department_id}])
    problems: list[Problem] = []
    note = _text({"note": note}, "note", "维护说明", 2000, problems, required=False, multiline=True)
    start = _date({"period_start": period_start}, "period_start", "维护周期", problems)
    allowed = {p[0]: p for p in attestable_periods(department_id)}
    if start is not None and start not in allowed:
        problems.append(Problem("period_start", "维护周期", "只能确认本期或上一期（尚未确认的）维护",
                                "only the current or a missed previous period can be attested"))
    if problems:
        raise InvalidInput(problems)
    period = allowed[start]
    day = today()
    made: list[Attestation] = []

    def insert_row(state: str) -> list[int]:
        row = Attestation(department_id=department_id, state=state, period_start=period[0], period_end=period[1],
                          attested_on=day, late=day > period[1], note=note,
                          summary=period_summary(department_id, *period), attested_by_id=user.id)
        db.session.add(row)
        db.session.flush()
        made.append(row)
        return [row.id]

    MAINTENANCE.create("attest", actor=user, related=[{"own": department_id}], insert=insert_row,
                       names=[period_label(*period)], departments=[department_id])
    return made[0]


@dataclass
class PeriodStatus:
    start: dt.date
    end: dt.date
    attestation: Attestation | None
    status: str  # due / overdue / on_time / late

    @property
    def label(self) -> str:
        return period_label(self.start, self.end)


def maintenance_status(department_id: int, on: dt.date | None = None, periods: int = 4) -> list[PeriodStatus]:
    """The last few periods of a department, newest first, with their attestation and status."""
    day = on or today()
    since = catalog_since([department_id]).get(department_id)
    out, start, end = [], *period_of(day)
    for _ in range(periods):
        row = attestation_for(department_id, start)
        if row is not None:
            status = "late" if row.late else "on_time"
        elif not owes(since, end):
            status = "not_owed"
        else:
            status = "overdue" if day > end else "due"
        out.append(PeriodStatus(start, end, row, status))
        start, end = period_of(start - dt.timedelta(days=1))
    return out


# ---- contacts ---------------------------------------------------------------------------------------------

def register_contacts(department_id: int, user, values: dict) -> list[DepartmentContact]:
    """登记或变更联系人: the roles whose details changed get a new row, with the date the change took effect and
    whether it is reported within the deadline. Nothing changed is an error, not a silent success."""
    CONTACT.check_create("register", actor=user, related=[{"own": department_id}])
    problems: list[Problem] = []
    changed_on = _date(values, "changed_on", "变更日期", problems, default=today())
    _within_a_year(changed_on, "changed_on", "变更日期", problems, future=False)
    current = current_contacts(department_id)
    wanted = {}
    for role in CONTACT_ROLES:
        fields = {k: (values.get(f"{role}-{k}") or "").strip() for k in ("name", "position", "phone", "email")}
        if not any(fields.values()) and role not in current:
            continue  # not registered yet, and still not: the desk lists it as to do
        problems.extend(contact_problems(role, fields))
        fields["phone"] = normalize_phone(fields["phone"])
        old = current.get(role)
        if old is None or any(getattr(old, k) != v for k, v in fields.items()):
            wanted[role] = fields
    if not problems and not wanted:
        problems.append(Problem("contacts", "联系人", "联系人信息没有变化：无需登记", "nothing changed"))
    if problems:
        raise InvalidInput(problems)
    due = CONTACT.due("register", changed_on)
    day = today()
    made: list[DepartmentContact] = []

    def insert_rows(state: str) -> list[int]:
        for role, fields in wanted.items():
            row = DepartmentContact(department_id=department_id, state=state, role=role, changed_on=changed_on,
                                    reported_on=day, due_on=due.on, due_provisional=due.provisional,
                                    on_time=day <= due.on, recorded_by_id=user.id, **fields)
            db.session.add(row)
            made.append(row)
        db.session.flush()
        return [row.id for row in made]

    CONTACT.create("register", actor=user, related=[{"own": department_id} for _ in wanted], insert=insert_rows,
                   names=[f"{CONTACT_ROLES[r]} {f['name']}" for r, f in wanted.items()],
                   departments=[department_id for _ in wanted])
    return made


# ---- overviews ----------------------------------------------------------------------------------------------

@dataclass
class DepartmentRow:
    department: Department
    open: int = 0
    overdue: int = 0
    on_time: int = 0
    late: int = 0
    overdue_entries: int = 0
    maintenance: str = "due"
    contacts_missing: int = 0
    contacts_late: int = 0

    @property
    def problems(self) -> int:
        return self.overdue + self.late + self.overdue_entries + (self.maintenance == "overdue") + self.contacts_late


SORTS = {"department": "部门", "open": "待办", "overdue": "已逾期", "late": "逾期办结", "on_time": "按期办结",
         "overdue_entries": "逾期未更新资源", "problems": "问题合计"}


def overview(on: dt.date | None = None, sort: str = "overdue", descending: bool = True) -> list[DepartmentRow]:
    """Every department with its counts (the authority's dashboard), in a few grouped queries."""
    day = on or today()
    rows = {d.id: DepartmentRow(d) for d in db.session.scalars(select(Department).order_by(Department.code))}
    for department_id, state, late, due_on in db.session.execute(
            select(ChangeTask.department_id, ChangeTask.state, ChangeTask.late, ChangeTask.due_on)):
        row = rows.get(department_id)
        if row is None:
            continue
        if state == TaskState.open:
            row.open += 1
            row.overdue += due_on < day
        else:
            row.late += bool(late)
            row.on_time += not late
    for department_id, n in overdue_counts(day).items():
        if department_id in rows:
            rows[department_id].overdue_entries = n
    start, end = period_of(day)
    previous = period_of(start - dt.timedelta(days=1))
    attested = {(d, s): late for d, s, late in db.session.execute(
        select(Attestation.department_id, Attestation.period_start, Attestation.late)
        .where(Attestation.period_start.in_([start, previous[0]])))}
    since = catalog_since()
    for department_id, row in rows.items():
        if (department_id, previous[0]) not in attested and owes(since.get(department_id), previous[1]):
            row.maintenance = "overdue"
        elif (department_id, start) in attested:
            row.maintenance = "late" if attested[(department_id, start)] else "on_time"
        else:
            row.maintenance = "due" if owes(since.get(department_id), end) else "not_owed"
    registered = {}
    for department_id, role, on_time in db.session.execute(
            select(DepartmentContact.department_id, DepartmentContact.role, DepartmentContact.on_time)
            .order_by(DepartmentContact.id)):
        registered.setdefault(department_id, {})[role] = on_time
    for department_id, row in rows.items():
        roles = registered.get(department_id, {})
        row.contacts_missing = sum(role not in roles for role in CONTACT_ROLES)
        row.contacts_late = sum(not ok for ok in roles.values())
    key = sort if sort in SORTS else "overdue"
    if key == "department":
        return sorted(rows.values(), key=lambda r: r.department.code, reverse=descending)
    return sorted(rows.values(), key=lambda r: (getattr(r, key), r.department.code if descending else ""),
                  reverse=descending)


CHART_SERIES = (("on_time", "按期办结"), ("late", "逾期办结"), ("due", "待办"), ("overdue", "已逾期"))


def chart(rows: list[DepartmentRow]) -> dict:
    """The dashboard chart's data: one stacked bar per department that has any task (due = open, not overdue)."""
    shown = [r for r in rows if r.open or r.on_time or r.late]
    value = {"on_time": lambda r: r.on_time, "late": lambda r: r.late, "due": lambda r: r.open - r.overdue,
             "overdue": lambda r: r.overdue}
    return {"labels": [r.department.short_name or r.department.name for r in shown],
            "series": [{"key": key, "label": label, "values": [value[key](r) for r in shown]}
                       for key, label in CHART_SERIES]}


@dataclass
class TodoItem:
    """One thing a department should do next, with its deadline."""

    kind: str
    title: str
    due_on: dt.date | None
    status: str
    link: str
    provisional: bool = False
    detail: str = ""


@dataclass
class DepartmentDesk:
    department: Department
    tasks: list = field(default_factory=list)
    periods: list = field(default_factory=list)
    contacts: dict = field(default_factory=dict)
    overdue_entries: list = field(default_factory=list)
    overdue_entry_count: int = 0
    todo: list = field(default_factory=list)


def department_desk(department: Department, on: dt.date | None = None) -> DepartmentDesk:
    """A department's own items and what to do next, most urgent first."""
    from flask import url_for

    day = on or today()
    desk = DepartmentDesk(department)
    desk.tasks = db.session.scalars(tasks_query(department_id=department.id, on=day)).unique().all()
    desk.periods = maintenance_status(department.id, day)
    desk.contacts = current_contacts(department.id)
    overdue = overdue_query(day).where(Entry.department_id == department.id)
    desk.overdue_entry_count = db.session.scalar(select(func.count()).select_from(overdue.subquery())) or 0
    desk.overdue_entries = db.session.scalars(overdue.options(joinedload(Entry.published_version)).limit(20)).all()
    for task in desk.tasks:
        if task.state == TaskState.open:
            desk.todo.append(TodoItem("task", f"更新目录：{task.event.title}", task.due_on, status_of(task, day),
                                      url_for("changes.task", task_id=task.id), task.due_provisional,
                                      task.event.kind_label))
    for period in desk.periods[:2]:
        if period.status in ("due", "overdue"):
            desk.todo.append(TodoItem("maintenance", f"季度维护确认：{period.label}", period.end, period.status,
                                      url_for("changes.desk", _anchor="maintenance")))
    missing = [label for role, label in CONTACT_ROLES.items() if role not in desk.contacts]
    if missing:
        desk.todo.append(TodoItem("contacts", "登记联系人：" + "、".join(missing), None, "due",
                                  url_for("changes.contacts")))
    if desk.overdue_entry_count:
        desk.todo.append(TodoItem("freshness", f"{desk.overdue_entry_count} 条信息资源逾期未更新", None, "overdue",
                                  url_for("changes.desk", _anchor="freshness")))
    # error reports (数据疑问) to verify: app.sharing is a sibling layer, so it is found through the workflow registry
    from app.workflow import REGISTRY

    reports = REGISTRY.get("error_report")
    waiting = reports.model.awaiting_verification(department.id, day) if reports is not None else None
    if waiting is not None and waiting.count:
        desk.todo.append(TodoItem("error_report", f"核查数据疑问：{waiting.count} 件待答复"
                                  + (f"（{waiting.overdue} 件已逾期）" if waiting.overdue else ""),
                                  waiting.due_on, waiting.status, url_for("reports.queue", box="provider"),
                                  waiting.provisional))
    rank = {"overdue": 0, "due": 1}
    desk.todo.sort(key=lambda t: (rank.get(t.status, 2), t.due_on or dt.date.max))
    return desk


def days_left(due_on: dt.date, on: dt.date | None = None) -> int:
    """Working days from a day (today) to a deadline: positive before it, negative once it passed."""
    return workdays.working_days_between(on or today(), due_on)
