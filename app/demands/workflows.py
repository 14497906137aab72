"""The demand workflow, declared as data (供需对接).

A department files a need; it goes to the department named as its likely provider, or to the authority, which
assigns one. The target department answers within the answer deadline: an existing entry satisfies it, it will
register a new entry (the demand closes by itself when that entry is published), or it cannot provide (with a
reason and a legal basis). The requester can instead turn a proposed match into a share request at once.
"""
from __future__ import annotations

from app.workflow import Deadline, Grant, Guard, Relation, State, Transition, Workflow
from catalog_schema import Problem

from .models import DEMAND_STATE_LABELS, Demand, DemandState

REQUESTERS = (Grant("seeker", "requester"), Grant("editor", "requester"), Grant("department_reviewer", "requester"))
TARGET = (Grant("responder", "target"), Grant("editor", "target"), Grant("admin"))
AUTHORITY = (Grant("authority_reviewer"), Grant("admin"))
ANSWER_DEADLINE = Deadline("demand_answer_days", "目标部门应在此期限内答复", working_days=True)


def _required(*keys_labels):
    def check(_demand, context):
        return [Problem(key, label, f"「{label}」为必填项", f"{key} is required")
                for key, label in keys_labels if not (context.get(key) or "").strip()]
    return check


DEMAND = Workflow(
    key="demand",
    label="共享需求",
    description=("部门登记所需的信息资源（需求目录）：指明目标部门的，由其答复；未指明的，由主管部门指派。"
                 "目标部门在期限内答复：已有资源可满足、将登记新资源（新资源发布后需求自动办结），或无法提供并说明理由和依据。"
                 "需求部门也可直接把系统推荐的资源转为共享申请。"),
    model=Demand,
    state_attr="state",
    state_enum=DemandState,
    states=tuple(State(key, label, final=key in ("satisfied", "refused", "withdrawn"))
                 for key, label in DEMAND_STATE_LABELS.items()),
    relations={"requester": Relation("需求部门", lambda d: d.requester_department_id),
               "target": Relation("目标部门", lambda d: d.target_department_id)},
    describe=lambda d: f"{d.requester_department.name if d.requester_department else ''}的需求“{d.title}”",
    audit_department=lambda d: d.requester_department_id,
    audit_details=lambda d: {"demand": d.id, "target_department": d.target_department_id},
    transitions=(
        Transition("file", "登记需求", (), "filed", REQUESTERS),
        Transition("route_target", "送目标部门答复", ("filed",), "awaiting", fired_by="需求指明了目标部门",
                   deadline=ANSWER_DEADLINE),
        Transition("route_authority", "送主管部门指派", ("filed",), "unassigned", fired_by="需求未指明目标部门"),
        Transition("assign", "指派目标部门", ("unassigned", "awaiting"), "awaiting", AUTHORITY, deadline=ANSWER_DEADLINE),
        Transition("answer_existing", "答复：已有资源可满足", ("awaiting",), "satisfied", TARGET),
        Transition("answer_register", "答复：将登记新资源", ("awaiting",), "registering", TARGET,
                   deadline=Deadline("demand_register_days", "新资源应在此期限内发布", working_days=True)),
        Transition("link_entry", "关联新登记的资源", ("registering",), None, TARGET),
        Transition("fulfil", "新资源已发布", ("registering",), "satisfied", fired_by="关联的新资源发布"),
        Transition("answer_cannot", "答复：无法提供", ("awaiting",), "refused", TARGET,
                   guards=(Guard("reason", "须说明无法提供的理由和依据",
                                 _required(("reason", "无法提供的理由"), ("basis", "依据"))),)),
        Transition("match", "转为共享申请", ("unassigned", "awaiting"), "satisfied", REQUESTERS),
        Transition("withdraw", "撤回需求", ("unassigned", "awaiting", "registering"), "withdrawn", REQUESTERS),
    ),
)
