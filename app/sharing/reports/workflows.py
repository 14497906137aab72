"""The error report workflow (数据疑问的校核), declared as data.

A consumer department reports doubtful data or metadata of a published entry; the provider verifies and answers
within the deadline policy's `error_verify_days` working days: corrected (linking the version, published after
the report, that corrects it) or no error (with the verification's explanation). The reporter accepts the answer,
or escalates it to the authority — as it may a report left unanswered past its deadline — and the authority's
resolution is published to both. Nothing of this blocks anyone's business while the report is open (宝鸡 §19).
"""
from __future__ import annotations

from app.catalog import VersionState
from app.workflow import Deadline, Guard, Relation, State, Transition, Workflow
from app.workflow import Grant as Allow
from catalog_schema import Problem

from ..workflows import _required  # the same "required" guard as the share request's
from .models import REPORT_STATE_LABELS, ErrorReport, ReportState

SICHUAN_24 = ("依据《四川省政务信息资源共享管理实施细则》第二十四条：使用部门对获取的共享信息有疑义或发现有明显错误的，"
              "应在5个工作日内反馈提供部门，提供部门应在10个工作日内予以校核处理并答复")
GUANGZHOU_44 = ("参照《广州市政府信息共享管理规定实施细则》第四十四条：提供部门3个工作日内核查，"
                "确定原因后3个工作日内更正；有争议的由主管部门协调")
BAOJI_19 = "依据《宝鸡市政务信息资源共享管理暂行办法》第十九条：校核期间不得影响办事群众的业务办理"

REPORTERS = (Allow("seeker", "reporter"), Allow("editor", "reporter"), Allow("department_reviewer", "reporter"))
PROVIDERS = (Allow("responder", "provider"), Allow("editor", "provider"), Allow("admin"))
AUTHORITY = (Allow("authority_reviewer"), Allow("admin"))

PUBLISHED = (VersionState.published, VersionState.superseded)


def _corrects(report: ErrorReport, context) -> list[Problem]:
    """The correction is a version of the same entry published after the report (a later number than the version
    reported on, which was the published one when the report came)."""
    version = context.get("version")
    if version is None:
        return [Problem("version", "更正后的版本", "请选择更正后发布的版本（报告之后发布的新版本）",
                        "choose the version that corrects it")]
    if (version.entry_id != report.entry_id or version.state not in PUBLISHED
            or version.number <= report.version.number):
        return [Problem("version", "更正后的版本",
                        f"只能关联该信息资源在报告之后发布的版本（第 {report.version.number} 版之后）",
                        "only a version of this entry published after the report")]
    return []


def _overdue_or_answered(report: ErrorReport, _context) -> list[Problem]:
    from app.core.clock import today

    if report.state == ReportState.open and (report.due_on is None or today() <= report.due_on):
        return [Problem("state", "报告状态", f"提供部门的核查期限（{report.due_on}）尚未届满，暂不能申请主管部门协调",
                        "the provider's deadline has not passed yet")]
    return []


REPORT = Workflow(
    key="error_report",
    label="数据疑问（纠错）",
    description=("使用部门对已发布信息资源的数据或目录元数据有疑义的，报告提供部门（写明信息项、疑点并可附证明材料）；"
                 "提供部门在核查期限内答复：已更正（关联报告之后发布的更正版本）或经核查无误（说明核查情况）。"
                 "报告部门确认办结，或对答复有异议、逾期未答复的申请主管部门协调，处理结论向双方公布。"
                 "校核期间不影响相关业务办理。"),
    model=ErrorReport,
    state_attr="state",
    state_enum=ReportState,
    states=tuple(State(key, label, final=key in ("closed", "resolved")) for key, label in REPORT_STATE_LABELS.items()),
    relations={"reporter": Relation("报告部门", lambda r: r.reporter_department_id),
               "provider": Relation("提供部门", lambda r: r.provider_department_id)},
    describe=lambda r: f"{r.reporter_department.name if r.reporter_department else ''}报告"
                       f"“{r.version.name if r.version else ''}”的数据疑问（第 {r.id} 号）",
    audit_department=lambda r: r.provider_department_id,
    audit_details=lambda r: {"error_report": r.id, "entry": r.entry_id,
                             "reporter_department": r.reporter_department_id},
    transitions=(
        Transition("report", "报告数据疑问", (), "open", REPORTERS, basis=SICHUAN_24,
                   deadline=Deadline("error_verify_days", "提供部门应在此期限内核查并答复", working_days=True)),
        Transition("correct", "已更正", ("open",), "corrected", PROVIDERS, basis=SICHUAN_24,
                   guards=(Guard("version", "须关联报告之后发布的更正版本", _corrects),)),
        Transition("reject", "经核查无误", ("open",), "no_error", PROVIDERS, basis=SICHUAN_24,
                   guards=(Guard("note", "须说明核查情况",
                                 _required("note", "核查说明", "经核查无误的须说明核查情况")),)),
        Transition("flag_overdue", "逾期未答复", ("open",), None, fired_by="核查答复期限届满（每小时检查，只标记一次）"),
        Transition("accept", "确认办结", ("corrected", "no_error"), "closed", REPORTERS),
        Transition("escalate", "申请主管部门协调", ("open", "corrected", "no_error"), "escalated", REPORTERS,
                   basis=GUANGZHOU_44,
                   guards=(Guard("due", "对答复有异议，或逾期未答复才能申请协调", _overdue_or_answered),
                           Guard("reason", "须说明申请协调的理由",
                                 _required("reason", "协调理由", "须说明对答复的异议或逾期情况")))),
        Transition("resolve", "主管部门处理", ("escalated",), "resolved", AUTHORITY, basis=GUANGZHOU_44,
                   guards=(Guard("resolution", "须写明处理结论",
                                 _required("resolution", "处理结论", "处理结论将向双方公布")),)),
    ),
)
