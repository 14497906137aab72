"""Reminders and overdue notices: the sweep.

The sweep (`sweep()`, run every hour by the background worker's scheduler, and by `flask catalog sweep-deadlines`)
looks at every open deadline: a reminder goes out when the working days left reach one of the configured
offsets (期限设置: 提前提醒), a notice when the day is due, and another when it has passed. Each notice has a key,
so a person gets it once however often the sweep runs; e-mail follows from the notification module's outbox.
The people told are those the workflow names: the department's users who may do the next step, and for
overdue items the authority's reviewers as well.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import notifications, outbox, workdays
from app.catalog import Entry, flag_overdue, newly_overdue
from app.core.clock import today
from app.extensions import db
from app.org import CONTACT_ROLES, Department, DepartmentContact

from . import notices
from .models import Attestation, ChangeTask, TaskState
from .services import catalog_since, owes, period_label, period_of
from .workflows import BAOJI_10, CHANGE_TASK, GUANGZHOU_34, MAINTENANCE

@dataclass
class SweepResult:
    reminders: int = 0
    overdue: int = 0
    entries_flagged: int = 0


def sweep(on: dt.date | None = None) -> SweepResult:
    """Send what is due today (idempotent: run it as often as you like). Runs in the caller's transaction."""
    day = on or today()
    result = SweepResult()
    _tasks(day, result)
    departments = db.session.scalars(select(Department).order_by(Department.id)).all()
    _maintenance(day, departments, result)
    _contacts(day, departments, result)
    _freshness(day, result)
    return result


def _tasks(day: dt.date, result: SweepResult) -> None:
    tasks = db.session.scalars(select(ChangeTask).where(ChangeTask.state == TaskState.open)
                               .options(joinedload(ChangeTask.event), joinedload(ChangeTask.department))).all()
    for task in tasks:
        link = notices.path("changes.task", task_id=task.id)
        event = task.event
        if day > task.due_on:
            body = (f"{task.department.name}对“{event.title}”的目录更新已超过期限 {notices.when(task.due_on, task.due_provisional)}"
                    f"（{task.working_days} 个工作日）。{BAOJI_10}。逾期更新将计入年度考核。")
            result.overdue += notifications.notify(
                [*notices.people(CHANGE_TASK, "close", task.department_id), *notices.authority()],
                key=f"change_task:{task.id}:overdue", kind="deadline.overdue",
                subject=f"已逾期：{task.department.name} 目录更新（{event.title}）", body=body, link=link)
            continue
        left = workdays.working_days_between(day, task.due_on)
        level = notices.offset(left)
        if level is None:
            continue
        when = "今天到期" if left == 0 else f"还剩 {left} 个工作日"
        result.reminders += notifications.notify(
            notices.people(CHANGE_TASK, "close", task.department_id), key=f"change_task:{task.id}:remind:{level}",
            kind="deadline.reminder", subject=f"目录更新{when}：{event.title}",
            body=(f"“{event.title}”的目录更新期限为 {notices.when(task.due_on, task.due_provisional)}，{when}。"
                  "请更新目录并在任务中办结。"), link=link)


def _maintenance(day: dt.date, departments, result: SweepResult) -> None:
    start, end = period_of(day)
    previous = period_of(start - dt.timedelta(days=1))
    attested = set(db.session.execute(select(Attestation.department_id, Attestation.period_start)
                                      .where(Attestation.period_start.in_([start, previous[0]]))).all())
    link = notices.path("changes.desk", _anchor="maintenance")
    left = workdays.working_days_between(day, end)
    level = notices.offset(left)
    since = catalog_since()
    for department in departments:
        people = None
        if (department.id, previous[0]) not in attested and owes(since.get(department.id), previous[1]):
            people = notices.people(MAINTENANCE, "attest", department.id)
            result.overdue += notifications.notify(
                [*people, *notices.authority()], key=f"maintenance:{department.id}:{previous[0]}:overdue",
                kind="deadline.overdue", subject=f"已逾期：{department.name} {period_label(*previous)}维护确认",
                body=(f"{department.name}尚未确认{period_label(*previous)}（截至 {previous[1].isoformat()}）的目录全面维护。"
                      f"{BAOJI_10}。"), link=link)
        if level is not None and (department.id, start) not in attested and owes(since.get(department.id), end):
            people = people if people is not None else notices.people(MAINTENANCE, "attest", department.id)
            when = "今天到期" if left == 0 else f"还剩 {left} 个工作日"
            result.reminders += notifications.notify(
                people, key=f"maintenance:{department.id}:{start}:remind:{level}", kind="deadline.reminder",
                subject=f"{period_label(start, end)}目录维护确认{when}",
                body=f"请在 {end.isoformat()} 前全面维护本部门目录并确认（{when}）。{BAOJI_10}。", link=link)


def _contacts(day: dt.date, departments, result: SweepResult) -> None:
    """A department with a contact role never registered is reminded once a period."""
    start, _end = period_of(day)
    registered: dict[int, set[str]] = defaultdict(set)
    for department_id, role in db.session.execute(select(DepartmentContact.department_id, DepartmentContact.role)):
        registered[department_id].add(role)
    for department in departments:
        missing = [label for role, label in CONTACT_ROLES.items() if role not in registered[department.id]]
        if not missing:
            continue
        result.reminders += notifications.notify(
            notices.people(MAINTENANCE, "attest", department.id), key=f"contacts:{department.id}:missing:{start}",
            kind="deadline.reminder", subject="请登记部门联系人：" + "、".join(missing),
            body=f"本部门尚未登记{'、'.join(missing)}。{GUANGZHOU_34}。", link=notices.path("changes.contacts"))


def _freshness(day: dt.date, result: SweepResult) -> None:
    """Entries whose expected update passed: flagged, reindexed (the 更新状态 facet), their department told."""
    entries = newly_overdue(day)
    if not entries:
        return
    by_department: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_department[entry.department_id].append(entry)
    flag_overdue(entries)
    outbox.emit_many("search.index", [(f"entry:{e.id}", {"entry_id": e.id}) for e in entries])
    result.entries_flagged += len(entries)
    for department_id, rows in by_department.items():
        names = "、".join(e.published_version.name for e in rows[:10] if e.published_version is not None)
        more = f"等 {len(rows)} 条" if len(rows) > 10 else f"共 {len(rows)} 条"
        result.overdue += notifications.notify(
            notices.people(CHANGE_TASK, "close", department_id), key=f"freshness:{department_id}:{day.isoformat()}",
            kind="deadline.overdue", subject=f"{len(rows)} 条信息资源已超过按更新周期预计的更新日期",
            body=f"{names}{more}信息资源已超过预计更新日期。请更新资源并登记数据更新，或修订其更新周期。",
            link=notices.path("changes.desk", _anchor="freshness"))
