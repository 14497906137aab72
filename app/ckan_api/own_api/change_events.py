"""GET /api/v1/change-events[/<id>]: change events (变更事件) and their departments' update tasks, as the change
pages show them to the same user: the authority (主管部门审核员, 平台管理员) every event and task; a department's
users the events that concern their department, with its task only (the change policy's `can_see_task`)."""
from __future__ import annotations

from sqlalchemy import func, select, true
from sqlalchemy.orm import joinedload, selectinload

from app import changes
from app.changes import ChangeEvent, ChangeTask
from app.core.clock import today
from app.extensions import db

from . import resources as r
from .params import PAGING, Param

#: the change event's kinds (变更类型) and a task's status, as the change pages name them
KINDS = {"law_revision": "法规修订", "function_change": "职能调整", "org_change": "机构变更"}
STATUSES = {"due": "待办", "overdue": "已逾期", "on_time": "按期办结", "late": "逾期办结"}
TASK_STATES = {s.key: s.label for s in changes.CHANGE_TASK.states}

FILTERS = (
    *PAGING,
    Param("kind", "变更类型", "只看该类型的变更事件", "enum", choices=KINDS),
    Param("department", "部门", "只看涉及该部门（部门编号）的变更事件", "id"),
)


def _scope(user):
    """The events this user may open (those with a task the change policy lets them see), as SQL."""
    r.require_caller(user)
    if changes.policy.oversees(user):
        return true()
    # whether the policy lets this user see their own department's tasks (a government user: yes; an account
    # without roles: no) — asked of an unsaved task, so the rule stays in the policy
    if not changes.policy.can_see_task(user, ChangeTask(department_id=user.department_id)):
        raise r.forbidden("只有政务部门用户可以查看变更事件", "government users only")
    return ChangeEvent.id.in_(select(ChangeTask.event_id).where(ChangeTask.department_id == user.department_id))


def _loaded(stmt):
    return stmt.options(joinedload(ChangeEvent.recorded_by),
                        selectinload(ChangeEvent.tasks).joinedload(ChangeTask.department),
                        selectinload(ChangeEvent.tasks).selectinload(ChangeTask.links))


def list_events(user, args: dict) -> r.Page:
    conditions = [_scope(user)]
    if args["kind"]:
        conditions.append(ChangeEvent.kind == args["kind"])
    if args["department"]:
        conditions.append(ChangeEvent.id.in_(select(ChangeTask.event_id)
                                             .where(ChangeTask.department_id == args["department"])))
    count = db.session.scalar(select(func.count(ChangeEvent.id)).where(*conditions)) or 0
    rows = db.session.scalars(_loaded(select(ChangeEvent)).where(*conditions)
                              .order_by(ChangeEvent.effective_on.desc(), ChangeEvent.id.desc())
                              .limit(args["limit"]).offset(args["offset"])).unique().all()
    return r.Page(count, [as_json(row, user) for row in rows])


def show_event(user, event_id: int) -> dict:
    scope = _scope(user)
    row = db.session.scalars(_loaded(select(ChangeEvent)).where(ChangeEvent.id == event_id, scope)).first()
    out = as_json(row, user) if row is not None else None
    if out is None or not out["tasks"]:
        raise r.not_found("变更事件", "change event")
    return out


def _task(task: ChangeTask, day) -> dict:
    status = changes.status_of(task, day)
    return {
        "id": task.id,
        "department": r.department(task.department),
        "state": task.state.value,
        "status": status,
        "status_label": STATUSES.get(status, status),
        "deadline": r.deadline(task.due_on, task.due_provisional, task.working_days, status == "overdue"),
        "closed_on": r.date(task.closed_on),
        "late": task.late,
        "note": task.note,
        "updates": len(task.links),
        "url": r.page_url("changes.task", task_id=task.id),
    }


def as_json(row: ChangeEvent, user) -> dict:
    day = today()
    return {
        "id": row.id,
        "kind": row.kind,
        "kind_label": row.kind_label,
        "title": row.title,
        "legal_source": row.legal_source,
        "description": row.description or "",
        "effective_on": r.date(row.effective_on),
        "recorded_by": row.recorded_by.display_name if row.recorded_by else None,
        "recorded_at": r.timestamp(row.recorded_at),
        "tasks": [_task(t, day) for t in row.tasks if changes.policy.can_see_task(user, t)],
        "url": r.page_url("changes.event", event_id=row.id),
    }


SCHEMA = r.obj("变更事件：法规修订、职能调整或机构变更，涉及的部门须在期限内更新目录", {
    "id": r.integer("变更事件编号"),
    "kind": r.enum("变更类型：" + "；".join(f"{k}：{v}" for k, v in KINDS.items()), KINDS),
    "kind_label": r.text("变更类型（中文）"),
    "title": r.text("变更内容"),
    "legal_source": r.text("依据文件（含文号）"),
    "description": r.text("说明（可为空字符串）"),
    "effective_on": r.date_schema("生效日期：期限从这一天起算"),
    "recorded_by": r.text("登记人", nullable=True),
    "recorded_at": r.time_schema("登记时间（UTC）"),
    "tasks": {"type": "array", "description": "涉及部门的目录更新任务（只列出调用者可见的：主管部门看到全部，其他部门只看到本部门的）",
              "items": r.obj("目录更新任务", {
                  "id": r.integer("任务编号"),
                  "department": r.department_schema("涉及的部门"),
                  "state": r.enum("任务状态：" + "；".join(f"{k}：{v}" for k, v in TASK_STATES.items()), TASK_STATES),
                  "status": r.enum("期限状态：" + "；".join(f"{k}：{v}" for k, v in STATUSES.items()), STATUSES),
                  "status_label": r.text("期限状态（中文）"),
                  "deadline": r.deadline_schema("更新目录的期限（生效日期起若干个工作日）"),
                  "closed_on": r.date_schema("办结日期", nullable=True),
                  "late": {"type": "boolean", "nullable": True, "description": "是否逾期办结（未办结的为 null）"},
                  "note": r.text("办结说明", nullable=True),
                  "updates": r.integer("已关联的目录更新（修订、新增、停用）条数"),
                  "url": r.text("该任务的页面", format="uri"),
              })},
    "url": r.text("该变更事件的页面", format="uri"),
})

RESOURCE = r.Resource(
    path="change-events", name="change_event", label="变更事件", label_en="change event", id_name="event_id",
    description=("变更事件：法律法规修订、行政职能调整或机构变更后，涉及的部门须在规定的工作日内更新目录（宝鸡 §10）。"
                 "每个事件列出各部门的目录更新任务、期限和办结情况。主管部门（主管部门审核员、平台管理员）看到全部事件和任务；"
                 "其他政务部门用户只看到涉及本部门的事件和本部门的任务；社会公众无权查看。"),
    filters=FILTERS, schema=SCHEMA, list=list_events, show=show_event)
