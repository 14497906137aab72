"""GET /api/v1/error-reports[/<id>]: error reports (数据疑问 / 纠错) and their verification (校核), as the report
pages show them to the same user: the two departments concerned and the authority (the report policy's `can_see`);
nobody else learns that a report exists."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import sharing
from app.core.clock import today
from app.extensions import db
from app.sharing import REPORT, ErrorReport, ReportState

from . import resources as r
from .params import PAGING, Param

reports = sharing.reports
STATES = {s.key: s.label for s in REPORT.states}
KINDS = {"data": "数据内容", "metadata": "目录元数据"}
ANSWERS = {"corrected": "已更正", "no_error": "经核查无误"}
#: the report pages' queues (their tabs): reports.BOXES, with what the authority's holds
BOXES = {**reports.BOXES, "authority": f"{reports.BOXES['authority']}（未办结的）"}

FILTERS = (
    *PAGING,
    Param("state", "状态", "只看该状态的数据疑问", "enum", choices=STATES),
    Param("kind", "疑问类型", "只看该类型：data（数据内容）或 metadata（目录元数据）", "enum", choices=KINDS),
    Param("box", "队列", "只看一个队列（与“数据疑问”页面的标签页相同）：" + "；".join(f"{k}：{v}" for k, v in BOXES.items()),
          "enum", choices=BOXES),
    Param("overdue", "仅看逾期", "true：只看提供部门已过核查答复期限仍未答复的", "boolean", default=False),
)


VISIBLE = r.Queues(reports.policy, reports.policy.visible_reports, reports.reports_query, BOXES, "数据疑问")


def _loaded(stmt):
    return stmt.options(joinedload(ErrorReport.entry), joinedload(ErrorReport.version),
                        joinedload(ErrorReport.correcting_version), joinedload(ErrorReport.reporter_department),
                        joinedload(ErrorReport.provider_department), joinedload(ErrorReport.reported_by))


def list_reports(user, args: dict) -> r.Page:
    conditions = [VISIBLE.scope(user)]
    if args["box"]:
        conditions.append(VISIBLE.box(user, args["box"]))
    if args["state"]:
        conditions.append(ErrorReport.state == ReportState(args["state"]))
    if args["kind"]:
        conditions.append(ErrorReport.kind == args["kind"])
    if args["overdue"]:
        conditions += [ErrorReport.state == ReportState.open, ErrorReport.due_on < today()]
    count = db.session.scalar(select(func.count(ErrorReport.id)).where(*conditions)) or 0
    rows = db.session.scalars(_loaded(select(ErrorReport)).where(*conditions).order_by(ErrorReport.id.desc())
                              .limit(args["limit"]).offset(args["offset"])).unique().all()
    return r.Page(count, [as_json(row) for row in rows])


def show_report(user, report_id: int) -> dict:
    scope = VISIBLE.scope(user)
    row = db.session.scalars(_loaded(select(ErrorReport)).where(ErrorReport.id == report_id, scope)).first()
    if row is None or not reports.policy.can_see(user, row):
        raise r.not_found("数据疑问", "error report")
    return as_json(row)


def as_json(row: ErrorReport) -> dict:
    day = today()
    return {
        "id": row.id,
        "state": row.state.value,
        "state_label": row.state_label,
        "kind": row.kind,
        "kind_label": row.kind_label,
        "entry": {"id": row.entry_id, "resource_code": row.entry.resource_code, "name": row.version.name,
                  "version": row.version.number},
        "reporter_department": r.department(row.reporter_department),
        "provider_department": r.department(row.provider_department),
        "reported_by": row.reported_by.display_name,
        "reported_on": r.date(row.reported_on),
        "created_at": r.timestamp(row.created_at),
        "items": list(row.items),
        "description": row.description,
        "evidence": {"name": row.evidence_name, "size": row.evidence_size} if row.evidence_name else None,
        "deadline": r.deadline(row.due_on, row.due_provisional, row.due_days, row.overdue(day)),
        "late": row.late,
        "answer": row.answer,
        "answer_label": row.answer_label or None,
        "answer_note": row.answer_note,
        "correcting_version": row.correcting_version.number if row.correcting_version else None,
        "answered_at": r.timestamp(row.answered_at),
        "accepted_at": r.timestamp(row.accepted_at),
        "escalation_reason": row.escalation_reason,
        "escalated_at": r.timestamp(row.escalated_at),
        "resolution": row.resolution,
        "resolved_at": r.timestamp(row.resolved_at),
        "url": r.page_url("reports.page", report_id=row.id),
    }


SCHEMA = r.obj("数据疑问：使用部门对已发布信息资源的数据或元数据提出的疑问，及提供部门的核查答复（校核记录）", {
    "id": r.integer("编号"),
    "state": r.enum("状态：" + "；".join(f"{k}：{v}" for k, v in STATES.items()), STATES),
    "state_label": r.text("状态（中文）"),
    "kind": r.enum("疑问类型：data（数据内容）、metadata（目录元数据）", KINDS),
    "kind_label": r.text("疑问类型（中文）"),
    "entry": r.obj("报告针对的信息资源", {
        "id": r.integer("信息资源的编号"),
        "resource_code": r.text("信息资源代码"),
        "name": r.text("信息资源名称（报告针对的版本）"),
        "version": r.integer("报告针对的版本号"),
    }),
    "reporter_department": r.department_schema("报告部门"),
    "provider_department": r.department_schema("提供部门"),
    "reported_by": r.text("报告人"),
    "reported_on": r.date_schema("报告日期：核查期限从这一天起算"),
    "created_at": r.time_schema("报告时间（UTC）"),
    "items": r.strings("涉及的信息项（空：针对整条信息资源）"),
    "description": r.text("疑问描述"),
    "evidence": r.obj("证明材料（在报告页面下载）", {"name": r.text("文件名"),
                                           "size": r.integer("字节数", nullable=True)}, nullable=True),
    "deadline": r.deadline_schema("提供部门核查答复的期限"),
    "late": r.boolean("是否逾期答复"),
    "answer": r.enum("核查结论：corrected（已更正）、no_error（经核查无误）", ANSWERS, nullable=True),
    "answer_label": r.text("核查结论（中文）", nullable=True),
    "answer_note": r.text("更正说明或核查说明", nullable=True),
    "correcting_version": r.integer("更正后发布的版本号", nullable=True),
    "answered_at": r.time_schema("答复时间（UTC）", nullable=True),
    "accepted_at": r.time_schema("报告部门确认办结的时间（UTC）", nullable=True),
    "escalation_reason": r.text("申请主管部门协调的理由", nullable=True),
    "escalated_at": r.time_schema("申请协调的时间（UTC）", nullable=True),
    "resolution": r.text("主管部门的处理结论（向双方公布）", nullable=True),
    "resolved_at": r.time_schema("处理结论的时间（UTC）", nullable=True),
    "url": r.text("该数据疑问的页面", format="uri"),
})

RESOURCE = r.Resource(
    path="error-reports", name="error_report", label="数据疑问", label_en="error report", id_name="report_id",
    description=("数据疑问（纠错）：使用部门对共享数据或目录元数据有疑问时报告，提供部门在期限内核查并答复"
                 "（已更正或经核查无误），有异议的可申请主管部门协调。报告部门、提供部门和主管部门可以查看；"
                 "其他部门和社会公众无从得知报告的存在。"),
    filters=FILTERS, schema=SCHEMA, list=list_reports, show=show_report)
