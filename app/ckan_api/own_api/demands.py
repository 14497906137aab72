"""GET /api/v1/demands[/<id>]: the demand catalog (需求目录) as its pages show it: every government user sees every
demand (the demand policy's `can_read`); the public none."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app import demands
from app.catalog import Entry
from app.core.clock import today
from app.demands import ANSWERS, DEMAND, Demand, DemandState
from app.extensions import db

from . import resources as r
from .params import PAGING, Param

STATES = {s.key: s.label for s in DEMAND.states}
URGENCY = {"normal": "一般", "urgent": "紧急", "critical": "特急"}
#: the state a deadline counts in → the deadline setting it came from (read from the workflow)
DEADLINE_SETTINGS = {t.target: t.deadline.setting for t in DEMAND.transitions if t.deadline is not None}

FILTERS = (
    *PAGING,
    Param("q", "关键词", "在需求名称、需求说明和所需信息项中查找", max_length=100),
    Param("state", "状态", "只看该状态的需求", "enum", choices=STATES),
    Param("requester", "需求部门", "只看该部门（部门编号）提出的需求", "id"),
    Param("target", "目标部门", "只看须由该部门（部门编号）答复的需求", "id"),
)


def _require_reader(user) -> None:
    r.require_caller(user)
    if not demands.policy.can_read(user):
        raise r.forbidden("需求目录仅向政务部门用户开放", "the demand catalog is for government users")


def _loaded(stmt):
    return stmt.options(joinedload(Demand.requester_department), joinedload(Demand.target_department),
                        joinedload(Demand.created_by),
                        joinedload(Demand.entry).joinedload(Entry.published_version),
                        joinedload(Demand.entry).joinedload(Entry.draft_version))


def list_demands(user, args: dict) -> r.Page:
    _require_reader(user)
    conditions = []
    if args["q"]:
        like = f"%{args['q'].strip()}%"
        conditions.append(or_(Demand.title.like(like), Demand.description.like(like), Demand.items_text.like(like)))
    if args["state"]:
        conditions.append(Demand.state == DemandState(args["state"]))
    if args["requester"]:
        conditions.append(Demand.requester_department_id == args["requester"])
    if args["target"]:
        conditions.append(Demand.target_department_id == args["target"])
    count = db.session.scalar(select(func.count(Demand.id)).where(*conditions)) or 0
    rows = db.session.scalars(_loaded(select(Demand)).where(*conditions)
                              .order_by(Demand.created_at.desc(), Demand.id.desc())
                              .limit(args["limit"]).offset(args["offset"])).unique().all()
    return r.Page(count, [as_json(row) for row in rows])


def show_demand(user, demand_id: int) -> dict:
    _require_reader(user)
    row = db.session.scalars(_loaded(select(Demand)).where(Demand.id == demand_id)).first()
    if row is None:
        raise r.not_found("共享需求", "demand")
    return as_json(row)


def _entry(entry: Entry | None) -> dict | None:
    if entry is None:
        return None
    version = entry.current
    return {"id": entry.id, "resource_code": entry.resource_code, "name": version.name if version else None,
            "published": entry.published_version is not None}


def as_json(row: Demand) -> dict:
    return {
        "id": row.id,
        "title": row.title,
        "description": row.description or "",
        "items": list(row.items),
        "state": row.state.value,
        "state_label": row.state_label,
        "urgency": row.urgency,
        "urgency_label": row.urgency_label,
        "requester_department": r.department(row.requester_department),
        "target_department": r.department(row.target_department),
        "created_by": row.created_by.display_name,
        "created_at": r.timestamp(row.created_at),
        "purpose": row.purpose,
        "scenario": row.scenario,
        "legal_basis": row.legal_basis,
        "deadline": r.deadline(row.due_on, row.due_provisional, r.working_days(DEADLINE_SETTINGS.get(row.state.value)),
                               row.due_on is not None and row.due_on < today()),
        "late": row.late,
        "answer": row.answer,
        "answer_label": ANSWERS.get(row.answer) if row.answer else None,
        "answer_note": row.answer_note,
        "answer_basis": row.answer_basis,
        "answered_at": r.timestamp(row.answered_at),
        "closed_on": r.date(row.closed_on),
        "entry": _entry(row.entry),
        "share_request_id": row.share_request_id,
        "url": r.page_url("demands.show", demand_id=row.id),
    }


SCHEMA = r.obj("共享需求：部门登记的所需信息，由目标部门答复或与目录中的资源对接", {
    "id": r.integer("需求编号"),
    "title": r.text("需求名称"),
    "description": r.text("需求说明（可为空字符串）"),
    "items": r.strings("所需的信息项"),
    "state": r.enum("状态：" + "；".join(f"{k}：{v}" for k, v in STATES.items()), STATES),
    "state_label": r.text("状态（中文）"),
    "urgency": r.enum("紧急程度：" + "；".join(f"{k}：{v}" for k, v in URGENCY.items()), URGENCY),
    "urgency_label": r.text("紧急程度（中文）"),
    "requester_department": r.department_schema("需求部门"),
    "target_department": r.department_schema("目标部门（待主管部门指派的为 null）", nullable=True),
    "created_by": r.text("登记人"),
    "created_at": r.time_schema("登记时间（UTC）"),
    "purpose": r.text("使用用途"),
    "scenario": r.text("应用场景"),
    "legal_basis": r.text("法定职权依据"),
    "deadline": r.deadline_schema("目标部门答复（或登记新资源）的期限；已办结的为 null"),
    "late": r.boolean("是否逾期答复"),
    "answer": r.enum("答复：" + "；".join(f"{k}：{v}" for k, v in ANSWERS.items()), ANSWERS, nullable=True),
    "answer_label": r.text("答复（中文）", nullable=True),
    "answer_note": r.text("答复说明或无法提供的理由", nullable=True),
    "answer_basis": r.text("无法提供的依据", nullable=True),
    "answered_at": r.time_schema("答复时间（UTC）", nullable=True),
    "closed_on": r.date_schema("办结日期", nullable=True),
    "entry": r.obj("满足需求的信息资源（已有的，或为需求新登记的）", {
        "id": r.integer("信息资源的编号"),
        "resource_code": r.text("信息资源代码"),
        "name": r.text("信息资源名称", nullable=True),
        "published": r.boolean("是否已发布（未发布的为登记中）"),
    }, nullable=True),
    "share_request_id": r.integer("由需求转成的共享申请编号", nullable=True),
    "url": r.text("该需求的页面", format="uri"),
})

RESOURCE = r.Resource(
    path="demands", name="demand", label="共享需求", label_en="demand", id_name="demand_id",
    description=("需求目录：部门登记所需而由其他部门掌握的信息，目标部门在期限内答复（已有资源可满足、将登记新资源或无法提供），"
                 "需求部门也可直接转为共享申请。需求目录向全部政务部门用户开放；社会公众无权查看。"),
    filters=FILTERS, schema=SCHEMA, list=list_demands, show=show_demand)
