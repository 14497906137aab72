"""Who a notice goes to, where it links, and the notice a department gets when a task is assigned to it."""
from __future__ import annotations

import datetime as dt

from flask import current_app

from app import notifications, workdays

from .models import ChangeEvent
from .workflows import BAOJI_10, CHANGE_TASK

AUTHORITY_ROLES = ("authority_reviewer",)


def path(endpoint: str, **values) -> str:
    """A portal path, also outside a request (the sweep runs in the worker)."""
    return current_app.url_map.bind("").build(endpoint, values)


def people(workflow, transition: str, department_id: int):
    """The department's users who may fire the transition (the roles its grants name for "own department")."""
    roles = sorted({g.role for g in workflow.transition(transition).grants if g.relation == "own"})
    return notifications.users_in_department(department_id, roles)


def authority():
    return notifications.users_with_roles(AUTHORITY_ROLES)


def offset(left: int) -> int | None:
    """The reminder level a deadline with `left` working days has reached (None: too early for one)."""
    reached = [k for k in (*workdays.setting("reminder_offsets"), 0) if left <= k]
    return min(reached) if reached else None


def when(day: dt.date, provisional: bool) -> str:
    return f"{day.isoformat()}{'（暂定）' if provisional else ''}"


def task_assigned(task_id: int, department_id: int, event: ChangeEvent, due) -> None:
    notifications.notify(
        people(CHANGE_TASK, "close", department_id), key=f"change_task:{task_id}:assigned", kind="deadline.assigned",
        subject=f"目录更新任务：{event.title}",
        body=(f"{event.kind_label}“{event.title}”（{event.legal_source}）自 {event.effective_on.isoformat()} 起生效，"
              f"涉及本部门。{BAOJI_10}。请于 {when(due.on, due.provisional)} 前更新本部门目录，"
              "并在任务中关联所做的更新后办结。"),
        link=path("changes.task", task_id=task_id))
