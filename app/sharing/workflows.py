"""The sharing workflows, declared as data: a share request, the grant it leads to, and a suspension.

A request is submitted, then routed by the system in the same step: granted at once (无条件共享), to the
authority's compliance check (where the deployment has one), forwarded across districts through the platform,
to the provider for an answer, or — for a resource not shared — straight to the authority's coordination. The
provider approves (fewer items, a shorter period, conditions) or refuses with reasons; a refused or unanswered
request, or one for a resource not shared, is escalated to the authority, whose ruling is published to both.
"""
from __future__ import annotations

from app.workflow import Deadline, Grant as Allow, Guard, Relation, State, Transition, Workflow
from catalog_schema import Problem

from .models import (GRANT_STATE_LABELS, REQUEST_STATE_LABELS, Grant, GrantState, RequestState, ShareRequest,
                     Suspension)

GUANGZHOU_35 = ("依据《广州市政府信息共享管理规定实施细则》第三十五条：提供部门应在10个工作日内予以答复，"
                "对确认的信息在5个工作日内提供；不按期答复或不予共享的，由市信息化主管部门组织协调")
GUANGZHOU_37 = "依据《广州市政府信息共享管理规定实施细则》第三十七条：跨区申请由共享平台管理机构在5个工作日内转交"
BAOJI_16 = "依据《宝鸡市政务信息资源共享管理暂行办法》第十六条：无条件共享的直接获取，有条件共享的提出申请并说明用途"
BAOJI_29 = "依据《宝鸡市政务信息资源共享管理暂行办法》第二十九条：不按规定更新、共享的，主管部门可限制其共享权限"

REQUESTERS = (Allow("seeker", "requester"), Allow("editor", "requester"), Allow("department_reviewer", "requester"))
RESPONDERS = (Allow("responder", "provider"), Allow("admin"))
AUTHORITY = (Allow("authority_reviewer"), Allow("admin"))


def _required(key: str, label: str, why: str):
    def check(_obj, context):
        if not (context.get(key) or "").strip():
            return [Problem(key, label, f"「{label}」为必填项：{why}", f"{key} is required")]
        return []
    return check


def _overdue_or_refused(request: ShareRequest, context) -> list[Problem]:
    from app.core.clock import today

    if request.state == RequestState.pending and (request.due_on is None or today() <= request.due_on):
        return [Problem("state", "申请状态", "提供方的答复期限尚未届满，暂不能申请协调",
                        "the provider's reply deadline has not passed yet")]
    return []


REQUEST = Workflow(
    key="share_request",
    label="共享申请",
    description=("使用部门就已发布的信息资源申请共享所需的信息项，写明使用用途、应用场景和逐项的法定职权依据。"
                 "无条件共享的即时开通；有条件共享的由提供部门在答复期限内同意（可减少信息项、缩短期限）或说明理由拒绝；"
                 "拒绝、逾期未答复或不予共享的，可申请主管部门协调，协调结论向双方公布。"),
    model=ShareRequest,
    state_attr="state",
    state_enum=RequestState,
    states=tuple(State(key, label, final=key in ("ruled_not_shared", "withdrawn", "granted"))
                 for key, label in REQUEST_STATE_LABELS.items()),
    relations={"requester": Relation("申请部门", lambda r: r.requester_department_id),
               "provider": Relation("提供部门", lambda r: r.provider_department_id)},
    describe=lambda r: f"{r.requester_department.name if r.requester_department else ''}申请"
                       f"“{r.version.name if r.version else ''}”（第 {r.id} 号）",
    audit_department=lambda r: r.provider_department_id,
    audit_details=lambda r: {"share_request": r.id, "entry": r.entry_id,
                             "requester_department": r.requester_department_id},
    transitions=(
        Transition("submit", "提交共享申请", (), "submitted", REQUESTERS, basis=BAOJI_16),
        Transition("grant_at_once", "即时共享", ("submitted",), "granted", fired_by="无条件共享的资源提交申请",
                   basis=BAOJI_16),
        Transition("route_check", "送主管部门合规审查", ("submitted",), "compliance_check",
                   fired_by="本部署要求主管部门先行合规审查",
                   deadline=Deadline("share_compliance_days", "主管部门应在此期限内完成合规审查", working_days=True)),
        Transition("route_forward", "送共享平台跨区转送", ("submitted",), "forwarding",
                   fired_by="申请部门与提供部门不在同一区", basis=GUANGZHOU_37,
                   deadline=Deadline("share_forward_days", "共享平台应在此期限内转交提供部门", working_days=True)),
        Transition("route_provider", "送提供部门答复", ("submitted",), "pending", fired_by="有条件共享的资源提交申请",
                   basis=GUANGZHOU_35,
                   deadline=Deadline("share_reply_days", "提供部门应在此期限内答复", working_days=True)),
        Transition("route_coordination", "送主管部门协调", ("submitted",), "escalated",
                   fired_by="申请不予共享的资源"),
        Transition("pass_check", "合规审查通过", ("compliance_check",), "pending", AUTHORITY,
                   deadline=Deadline("share_reply_days", "提供部门应在此期限内答复", working_days=True)),
        Transition("pass_check_forward", "合规审查通过（跨区转送）", ("compliance_check",), "forwarding", AUTHORITY,
                   basis=GUANGZHOU_37),
        Transition("reject_check", "合规审查不通过", ("compliance_check",), "refused", AUTHORITY,
                   guards=(Guard("reason", "须写明不通过的理由", _required("reason", "理由", "须写明不通过的理由")),)),
        Transition("forward", "转交提供部门", ("forwarding",), "pending", AUTHORITY, basis=GUANGZHOU_37,
                   deadline=Deadline("share_reply_days", "提供部门应在此期限内答复", working_days=True)),
        Transition("approve", "同意共享", ("pending",), "granted", RESPONDERS, basis=GUANGZHOU_35,
                   deadline=Deadline("share_provide_days", "同意后应在此期限内提供（开通授权）", working_days=True)),
        Transition("refuse", "拒绝共享", ("pending",), "refused", RESPONDERS, basis=GUANGZHOU_35,
                   guards=(Guard("reason", "拒绝须说明理由", _required("reason", "拒绝理由", "拒绝共享须说明理由")),)),
        Transition("escalate", "申请协调", ("pending", "refused"), "escalated", REQUESTERS, basis=GUANGZHOU_35,
                   guards=(Guard("due", "逾期未答复或已被拒绝才能申请协调", _overdue_or_refused),
                           Guard("reason", "须说明申请协调的理由",
                                 _required("reason", "协调理由", "须说明申请协调的理由")))),
        Transition("rule_share", "协调结论：应当共享", ("escalated",), "granted", AUTHORITY, basis=GUANGZHOU_35,
                   guards=(Guard("ruling", "须写明协调结论", _required("ruling", "协调结论", "协调结论将向双方公布")),),
                   deadline=Deadline("share_provide_days", "提供部门应在此期限内提供", working_days=True)),
        Transition("rule_not_share", "协调结论：不予共享", ("escalated",), "ruled_not_shared", AUTHORITY,
                   guards=(Guard("ruling", "须写明协调结论", _required("ruling", "协调结论", "协调结论将向双方公布")),)),
        Transition("withdraw", "撤回申请", ("compliance_check", "forwarding", "pending", "refused", "escalated"),
                   "withdrawn", REQUESTERS),
    ),
)

GRANT = Workflow(
    key="share_grant",
    label="共享授权",
    description=("同意共享后生成授权：批准的信息项、用途与期限，由数据访问适配器开通（下载链接、交换平台订阅、"
                 "数据库视图、数据比对）。开通失败的记录错误并自动重试，也可手工重试；到期自动撤销，"
                 "提供部门或主管部门可提前撤销并说明理由。"),
    model=Grant,
    state_attr="state",
    state_enum=GrantState,
    states=tuple(State(key, label, final=key in ("expired", "revoked")) for key, label in GRANT_STATE_LABELS.items()),
    relations={"provider": Relation("提供部门", lambda g: g.provider_department_id),
               "consumer": Relation("使用部门", lambda g: g.consumer_department_id)},
    describe=lambda g: f"第 {g.id} 号授权（{g.entry.published_version.name if g.entry and g.entry.published_version else ''}）",
    audit_department=lambda g: g.provider_department_id,
    audit_details=lambda g: {"grant": g.id, "share_request": g.request_id, "adapter": g.adapter},
    transitions=(
        Transition("issue", "生成授权", (), "provisioning", fired_by="申请获同意（或即时共享、协调结论为应当共享）"),
        Transition("activate", "开通成功", ("provisioning", "failed"), "active", fired_by="适配器完成开通"),
        Transition("fail", "开通失败", ("provisioning",), "failed", fired_by="适配器报告错误（可重试的会自动重试）"),
        Transition("retry", "重新开通", ("failed",), "provisioning",
                   (Allow("responder", "provider"), Allow("editor", "provider"), *AUTHORITY)),
        Transition("attach", "上传提供文件", ("provisioning", "failed"), None,
                   (Allow("responder", "provider"), Allow("editor", "provider"), Allow("admin"))),
        Transition("reissue", "重新获取下载链接", ("active",), None,
                   (Allow("seeker", "consumer"), Allow("editor", "consumer"), Allow("department_reviewer", "consumer"))),
        Transition("compare", "数据比对", ("active",), None,
                   (Allow("seeker", "consumer"), Allow("editor", "consumer"), Allow("department_reviewer", "consumer"))),
        Transition("expire", "到期", ("active", "provisioning", "failed"), "expired", fired_by="授权期限届满（每小时检查）"),
        Transition("revoke", "撤销授权", ("provisioning", "active", "failed"), "revoked",
                   (Allow("responder", "provider"), *AUTHORITY),
                   guards=(Guard("reason", "撤销须说明理由", _required("reason", "撤销理由", "须说明撤销的理由")),)),
    ),
)

SUSPENSION = Workflow(
    key="sharing_suspension",
    label="共享权限限制",
    description="主管部门可限制不按规定更新目录或提供共享的部门的共享权限：限制期间该部门不能提交共享申请。",
    model=Suspension,
    state_attr="state",
    state_enum=None,
    states=(State("in_force", "限制中"), State("lifted", "已解除", final=True)),
    relations={"own": Relation("该部门", lambda s: s.department_id)},
    describe=lambda s: f"{s.department.name if s.department else ''}的共享权限限制",
    audit_department=lambda s: s.department_id,
    audit_details=lambda s: {"suspension": s.id},
    transitions=(
        Transition("suspend", "限制共享权限", (), "in_force", AUTHORITY, basis=BAOJI_29,
                   guards=(Guard("reason", "须写明限制的原因", _required("reason", "限制原因", "须写明限制的原因")),)),
        Transition("lift", "解除限制", ("in_force",), "lifted", AUTHORITY),
    ),
)
