"""The change-tracking workflows, declared as data: change events, each department's update task, quarterly
attestations and contact registrations. Permissions come from these grants (`policy.py` reads them)."""
from __future__ import annotations

from app.org import DepartmentContact
from app.workflow import Deadline, Grant, Guard, Relation, State, Transition, Workflow
from catalog_schema import Problem

from .models import TASK_STATE_LABELS, Attestation, ChangeEvent, ChangeTask, TaskState

BAOJI_10 = ("依据《宝鸡市政务信息资源共享管理暂行办法》第十条：法律法规修订或行政管理职能发生变化之日起15个工作日内"
            "更新目录，每季度至少全面维护一次")
GUANGZHOU_34 = ("依据《广州市政府信息共享管理规定实施细则》第三十四条：部门负责信息共享的分管领导、信息共享责任人、"
                "技术实施责任人在共享平台发布，变更后5个工作日内告知")

DEPARTMENT = (Grant("editor", "own"), Grant("department_reviewer", "own"))
AUTHORITY = (Grant("authority_reviewer"), Grant("admin"))


def _closing_note(task: ChangeTask, context: dict) -> list[Problem]:
    note = (context.get("note") or "").strip()
    if not task.links and not note:
        return [Problem("note", "办结说明", "「办结说明」为必填项：没有关联任何目录更新时，须说明为何无需更新",
                        "a note is required when no catalog update is linked")]
    return []


def _reason(_task, context: dict) -> list[Problem]:
    if not (context.get("reason") or "").strip():
        return [Problem("reason", "重新打开原因", "「重新打开原因」为必填项", "a reason is required")]
    return []


CHANGE_EVENT = Workflow(
    key="change_event",
    label="变更事件",
    description=("法规修订、职能调整或机构变更：由主管部门、平台管理员或部门自己登记（部门只能登记涉及本部门的），"
                 "登记时为每个涉及的部门生成一项目录更新任务，期限按工作日计算。"),
    model=ChangeEvent,
    state_attr="state",
    state_enum=None,
    states=(State("recorded", "已登记", final=True),),
    relations={"own": Relation("涉及本部门", lambda event: event.recorded_department_id)},
    describe=lambda event: f"{event.kind_label}：{event.title}",
    audit_department=lambda event: event.recorded_department_id,
    audit_details=lambda event: {"change_event": event.id},
    transitions=(
        Transition("record", "登记变更事件", (), "recorded", (*DEPARTMENT, *AUTHORITY), basis=BAOJI_10),
    ),
)

CHANGE_TASK = Workflow(
    key="change_task",
    label="目录更新任务",
    description=("变更事件涉及的每个部门各有一项任务：在期限内更新目录（修订、新增或停用信息资源），"
                 "把所做的更新关联到任务上并办结；无需更新的，写明原因后办结。超过期限办结的记为逾期办结。"),
    model=ChangeTask,
    state_attr="state",
    state_enum=TaskState,
    states=tuple(State(key, label) for key, label in TASK_STATE_LABELS.items()),  # the authority may reopen
    relations={"own": Relation("本部门", lambda task: task.department_id)},
    describe=lambda task: f"{task.department.name if task.department else ''}：{task.event.title if task.event else ''}",
    audit_department=lambda task: task.department_id,
    audit_details=lambda task: {"change_event": task.event_id, "change_task": task.id},
    transitions=(
        Transition("assign", "生成更新任务", (), "open", fired_by="登记变更事件时，为每个涉及的部门生成",
                   deadline=Deadline("change_update_days", "自变更生效之日起，部门应在此期限内更新目录并办结任务",
                                     working_days=True), basis=BAOJI_10),
        Transition("link", "关联目录更新", ("open",), None, (*DEPARTMENT, Grant("admin"))),
        Transition("close", "办结", ("open",), "closed", (*DEPARTMENT, Grant("admin")),
                   guards=(Guard("note", "没有关联目录更新时须写明为何无需更新", _closing_note),), basis=BAOJI_10),
        Transition("reopen", "重新打开", ("closed",), "open", AUTHORITY,
                   guards=(Guard("reason", "须写明重新打开的原因", _reason),)),
    ),
)

MAINTENANCE = Workflow(
    key="maintenance",
    label="季度维护确认",
    description="每个部门每季度至少全面维护一次本部门目录，并确认已维护；确认时附上本季度目录变化的统计。季度结束仍未确认的为逾期。",
    model=Attestation,
    state_attr="state",
    state_enum=None,
    states=(State("attested", "已确认", final=True),),
    relations={"own": Relation("本部门", lambda a: a.department_id)},
    describe=lambda a: f"{a.department.name if a.department else ''} {a.period_start}～{a.period_end} 维护确认",
    audit_department=lambda a: a.department_id,
    audit_details=lambda a: {"attestation": a.id},
    transitions=(
        Transition("attest", "确认已全面维护", (), "attested", (*DEPARTMENT, Grant("admin")), basis=BAOJI_10),
    ),
)

CONTACT = Workflow(
    key="department_contact",
    label="部门联系人",
    description="部门登记分管领导、信息共享责任人、技术实施责任人；人员变更后须在期限内（工作日）登记，逾期登记的记为逾期。",
    model=DepartmentContact,
    state_attr="state",
    state_enum=None,
    states=(State("registered", "已登记", final=True),),
    relations={"own": Relation("本部门", lambda c: c.department_id)},
    describe=lambda c: f"{c.role_label} {c.name}",
    audit_department=lambda c: c.department_id,
    audit_details=lambda c: {"contact": c.id},
    transitions=(
        Transition("register", "登记或变更联系人", (), "registered", (*DEPARTMENT, Grant("admin")),
                   deadline=Deadline("contacts_change_days", "自人员变更之日起，应在此期限内登记", working_days=True),
                   basis=GUANGZHOU_34),
    ),
)
