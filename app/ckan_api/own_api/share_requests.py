"""GET /api/v1/share-requests[/<id>]: share requests (共享申请) as the sharing pages show them to the same user.

Who sees which is the sharing policy's: the authority (主管部门审核员, 平台管理员) every request; other government
users those their department filed or must answer; the public none. The queues (`box`) are the pages' tabs.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app import sharing
from app.core.clock import today
from app.extensions import db
from app.sharing import RequestState, ShareRequest
from catalog_schema import get_schema

from . import resources as r
from .params import PAGING, Param

STATES = {s.key: s.label for s in sharing.REQUEST.states}
#: the sharing pages' queues (their tabs), and what each holds
BOXES = {"mine": "本部门提交的申请", "provider": "待本部门答复", "authority": "主管部门待办（合规审查、转送、待答复、协调中）"}

FILTERS = (
    *PAGING,
    Param("state", "申请状态", "只看该状态的申请", "enum", choices=STATES),
    Param("box", "队列", "只看一个队列（与“共享申请”页面的标签页相同）：" + "；".join(f"{k}：{v}" for k, v in BOXES.items()),
          "enum", choices=BOXES),
    Param("overdue", "仅看逾期", "true：只看当前环节已过期限的申请", "boolean", default=False),
)


VISIBLE = r.Queues(sharing.policy, sharing.policy.visible_requests, sharing.requests_query, BOXES, "共享申请")


def _loaded(stmt):
    return stmt.options(joinedload(ShareRequest.entry), joinedload(ShareRequest.version),
                        joinedload(ShareRequest.requester_department), joinedload(ShareRequest.provider_department),
                        joinedload(ShareRequest.requested_by), selectinload(ShareRequest.grants))


def list_requests(user, args: dict) -> r.Page:
    conditions = [VISIBLE.scope(user)]
    if args["box"]:
        conditions.append(VISIBLE.box(user, args["box"]))
    if args["state"]:
        conditions.append(ShareRequest.state == RequestState(args["state"]))
    if args["overdue"]:  # as the queue page's 逾期 filter: still open, past the current step's deadline
        conditions += [ShareRequest.due_on < today(), ShareRequest.state.in_(sharing.OPEN_STATES)]
    count = db.session.scalar(select(func.count(ShareRequest.id)).where(*conditions)) or 0
    rows = db.session.scalars(_loaded(select(ShareRequest)).where(*conditions).order_by(ShareRequest.id.desc())
                              .limit(args["limit"]).offset(args["offset"])).unique().all()
    return r.Page(count, [as_json(row, user) for row in rows])


def show_request(user, request_id: int) -> dict:
    scope = VISIBLE.scope(user)
    row = db.session.scalars(_loaded(select(ShareRequest)).where(ShareRequest.id == request_id, scope)).first()
    if row is None or not sharing.policy.can_see_request(user, row):
        raise r.not_found("共享申请", "share request")
    return as_json(row, user)


def as_json(row: ShareRequest, user) -> dict:
    day = today()
    vocabulary = get_schema().vocabulary("sharing_type")
    return {
        "id": row.id,
        "state": row.state.value,
        "state_label": row.state_label,
        "entry": {"id": row.entry_id, "resource_code": row.entry.resource_code, "name": row.version.name,
                  "version": row.version.number},
        "requester_department": r.department(row.requester_department),
        "provider_department": r.department(row.provider_department),
        "requested_by": row.requested_by.display_name,
        "created_at": r.timestamp(row.created_at),
        "sharing_type": row.sharing_type,
        "sharing_type_label": vocabulary.label_of(row.sharing_type),
        "items": [{"name": item["name"], "basis": item.get("basis") or None} for item in row.items],
        "purpose": row.purpose,
        "scenario": row.scenario,
        "usage_scope": row.usage_scope,
        "period_from": r.date(row.period_from),
        "period_until": r.date(row.period_until),
        "cross_district": row.cross_district,
        "on_platform": row.on_platform,
        "deadline": r.deadline(row.due_on, row.due_provisional, r.working_days(row.due_setting),
                               row.due_on is not None and row.due_on < day),
        "late": row.late,
        "decision_note": row.decision_note,
        "decided_at": r.timestamp(row.decided_at),
        "escalation_reason": row.escalation_reason,
        "ruling": row.ruling,
        "ruled_at": r.timestamp(row.ruled_at),
        "grants": [{"id": g.id, "state": g.state.value, "state_label": g.state_label, "items": list(g.items),
                    "valid_from": r.date(g.valid_from), "valid_until": r.date(g.valid_until)}
                   for g in row.grants if sharing.policy.can_see_grant(user, g)],
        "url": r.page_url("sharing.request_page", request_id=row.id),
    }


GRANT_STATES = {s.key: s.label for s in sharing.GRANT.states}

SCHEMA = r.obj("共享申请：使用部门就一条已发布的信息资源申请所需的信息项", {
    "id": r.integer("申请编号"),
    "state": r.enum("申请状态：" + "；".join(f"{k}：{v}" for k, v in STATES.items()), STATES),
    "state_label": r.text("申请状态（中文）"),
    "entry": r.obj("申请的信息资源", {
        "id": r.integer("信息资源的编号（/entries/{id}）"),
        "resource_code": r.text("信息资源代码"),
        "name": r.text("信息资源名称（申请所针对版本的名称）"),
        "version": r.integer("申请所针对的版本号"),
    }),
    "requester_department": r.department_schema("申请部门（使用部门）"),
    "provider_department": r.department_schema("提供部门"),
    "requested_by": r.text("申请人"),
    "created_at": r.time_schema("提交时间（UTC）"),
    "sharing_type": r.text("提交时该资源的共享类型（代码）"),
    "sharing_type_label": r.text("共享类型（中文）"),
    "items": {"type": "array", "description": "申请的信息项及逐项的法定职权依据",
              "items": r.obj("信息项", {"name": r.text("信息项名称"),
                                     "basis": r.text("法定职权依据（无条件共享的可为空）", nullable=True)})},
    "purpose": r.text("使用用途"),
    "scenario": r.text("应用场景"),
    "usage_scope": r.text("使用范围"),
    "period_from": r.date_schema("使用期限起"),
    "period_until": r.date_schema("使用期限止"),
    "cross_district": r.boolean("是否跨区申请（经共享平台转送）"),
    "on_platform": r.boolean("资源是否已在共享平台上"),
    "deadline": r.deadline_schema("当前环节的期限（合规审查、转送或提供部门答复）；已答复或已办结的为 null"),
    "late": r.boolean("是否有环节在期限后才办理"),
    "decision_note": r.text("答复意见：拒绝的理由或同意的共享条件", nullable=True),
    "decided_at": r.time_schema("答复时间（UTC）", nullable=True),
    "escalation_reason": r.text("申请协调的理由", nullable=True),
    "ruling": r.text("主管部门的协调结论（向双方公布）", nullable=True),
    "ruled_at": r.time_schema("协调结论的时间（UTC）", nullable=True),
    "grants": {"type": "array", "description": "申请获同意后生成的授权",
               "items": r.obj("授权", {
                   "id": r.integer("授权编号"),
                   "state": r.enum("授权状态：" + "；".join(f"{k}：{v}" for k, v in GRANT_STATES.items()),
                                   GRANT_STATES),
                   "state_label": r.text("授权状态（中文）"),
                   "items": r.strings("批准的信息项"),
                   "valid_from": r.date_schema("使用期限起"),
                   "valid_until": r.date_schema("使用期限止")})},
    "url": r.text("该申请的页面", format="uri"),
})

RESOURCE = r.Resource(
    path="share-requests", name="share_request", label="共享申请", label_en="share request", id_name="request_id",
    description=("共享申请：使用部门申请已发布信息资源的信息项，提供部门在期限内答复，"
                 "拒绝或逾期的可申请主管部门协调。主管部门（主管部门审核员、平台管理员）看到全部申请；"
                 "其他政务部门用户看到本部门提交的和须由本部门答复的申请；社会公众无权查看。"),
    filters=FILTERS, schema=SCHEMA, list=list_requests, show=show_request)
