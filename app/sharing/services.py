"""Share requests and grants: filing, routing, answering, escalating, ruling; issuing grants and handing them to
the adapters through the outbox; suspensions; the queues.

Every change goes through the workflows in `workflows.py` (permission, state, guards, audit). Each step's
deadline is counted in working days from the deadline policy and kept on the request (`due_on`, the setting
it came from); answering after it marks the request late. Adapters are called only from the outbox, in the
background worker: a web request never waits for an exchange platform.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import adapters, notifications, outbox, workdays
from app.catalog import Entry, EntryStatus
from app.core.clock import today
from app.core.db import utcnow
from app.core.errors import InvalidInput, NotFound, PermissionDenied
from app.core.fields import date_field as _date
from app.core.fields import text_field as _text
from app.extensions import db
from app.org import Department, current_contacts
from catalog_schema import Problem, get_schema

from .attachments import store_upload
from .models import AdapterSettings, Grant, GrantState, RequestState, ShareRequest, Suspension
from .workflows import GRANT, REQUEST, SUSPENSION

PROVISION, REVOKE = "sharing.provision", "sharing.revoke"
MAX_PERIOD_DAYS = 3 * 366
OPEN_STATES = (RequestState.compliance_check, RequestState.forwarding, RequestState.pending, RequestState.escalated)


# ---- parsing --------------------------------------------------------------------------------------------------

def _period(values: dict, problems: list, *, within: tuple[dt.date, dt.date] | None = None):
    start = _date(values, "period_from", "使用期限起", problems)
    end = _date(values, "period_until", "使用期限止", problems)
    if start and end:
        if end < start:
            problems.append(Problem("period_until", "使用期限止", "「使用期限止」不能早于「使用期限起」",
                                    "period_until is before period_from"))
        elif (end - start).days > MAX_PERIOD_DAYS:
            problems.append(Problem("period_until", "使用期限止", "使用期限不能超过 3 年", "the period exceeds 3 years"))
        if within is None and end < today():
            problems.append(Problem("period_until", "使用期限止", "「使用期限止」不能早于今天", "period_until is past"))
        if within is not None and (start < within[0] or end > within[1]):
            problems.append(Problem("period_until", "使用期限", f"批准的使用期限须在申请的期限（{within[0]}～{within[1]}）之内",
                                    "the approved period must lie within the requested one"))
    return start, end


# ---- who may ask ---------------------------------------------------------------------------------------------

def suspension_of(department_id: int) -> Suspension | None:
    return db.session.scalar(select(Suspension).where(Suspension.department_id == department_id,
                                                      Suspension.state == "in_force"))


@dataclass(frozen=True)
class Asking:
    """Whether a user may ask for an entry, and if not, why (shown on the entry page in place of the button)."""

    allowed: bool
    reason: str = ""


def asking(user, entry: Entry) -> Asking:
    if user is None or not getattr(user, "is_authenticated", False) or not user.role_keys:
        return Asking(False, "登录后可申请共享")
    if entry.status != EntryStatus.published or entry.published_version is None:
        return Asking(False, "只有已发布的信息资源可以申请共享")
    if entry.department_id == user.department_id:
        return Asking(False, "这是本部门的信息资源，无需申请")
    if not REQUEST.may_create("submit", user, {"requester": user.department_id, "provider": entry.department_id}):
        return Asking(False, "只有使用部门用户、目录编目员或部门审核员可以提交共享申请")
    suspended = suspension_of(user.department_id)
    if suspended is not None:
        return Asking(False, f"本部门的共享权限已被主管部门限制（{suspended.reason}），暂不能提交共享申请")
    return Asking(True)


def district_of(department: Department) -> int | None:
    """The district a department belongs to (its top-most district-level ancestor, itself included); None for a
    city-level department."""
    node, found = department, None
    seen = set()
    while node is not None and node.id not in seen:
        seen.add(node.id)
        if node.region_level.value == "district":
            found = node.id
        node = node.parent
    return found


def is_cross_district(requester: Department, provider: Department) -> bool:
    """A district department asking a department outside its district goes through the platform (广州 §37)."""
    mine = district_of(requester)
    return mine is not None and district_of(provider) != mine


def adapter_for(entry: Entry) -> str:
    """The adapter that provides this entry's grants, from its sharing method (the schema says which)."""
    schema = get_schema()
    data = entry.published_version.data
    term = schema.vocabulary("sharing_method_type").by_code.get(data.get("sharing_method_type") or "")
    if data.get("sharing_method_category") == "platform" and term is not None and term.adapter:
        return term.adapter
    category = schema.vocabulary("sharing_method_category").by_code.get(data.get("sharing_method_category") or "")
    return (category.adapter if category is not None and category.adapter else None) or "download"


# ---- filing -----------------------------------------------------------------------------------------------

def submit(entry: Entry, user, values: dict, chosen: list[str]) -> ShareRequest:
    """申请共享: the items chosen (by name), each with its legal authority; purpose, scenario, scope, period."""
    why = asking(user, entry)
    if not why.allowed:
        raise PermissionDenied(why.reason, "you may not request this entry")
    version = entry.published_version
    sharing_type = version.data.get("sharing_type") or "conditional"
    names = [i.get("name") for i in version.data.get("data_items") or []]
    problems: list[Problem] = []
    chosen = [c for c in dict.fromkeys(chosen or [])]
    unknown = [c for c in chosen if c not in names]
    if unknown:
        problems.append(Problem("items", "信息项", f"信息项“{unknown[0][:30]}”不属于该信息资源", "unknown data item"))
    if not chosen:
        problems.append(Problem("items", "信息项", "请至少选择一个需要共享的信息项", "choose at least one data item"))
    items = []
    for index, name in enumerate(n for n in names if n in chosen):
        basis = _text(values, f"basis-{name}", f"“{name}”的法定职权依据", 500, problems,
                      required=sharing_type != "unconditional")
        items.append({"name": name, "basis": basis})
    purpose = _text(values, "purpose", "使用用途", 1000, problems)
    scenario = _text(values, "scenario", "应用场景", 1000, problems)
    usage_scope = _text(values, "usage_scope", "使用范围", 500, problems, multiline=False)
    start, end = _period(values, problems)
    if problems:
        raise InvalidInput(problems)
    requester, provider = user.department, entry.department
    made: list[ShareRequest] = []

    def insert(state: str) -> list[int]:
        row = ShareRequest(entry_id=entry.id, version_id=version.id, requester_department_id=requester.id,
                           provider_department_id=provider.id, requested_by_id=user.id, state=RequestState(state),
                           sharing_type=sharing_type, items=items, purpose=purpose, scenario=scenario,
                           usage_scope=usage_scope, period_from=start, period_until=end,
                           cross_district=is_cross_district(requester, provider),
                           on_platform=version.data.get("sharing_method_category") == "platform")
        db.session.add(row)
        db.session.flush()
        made.append(row)
        return [row.id]

    REQUEST.create("submit", actor=user, related=[{"requester": requester.id, "provider": provider.id}],
                   insert=insert, names=[f"{requester.name}申请“{version.name}”"], departments=[provider.id])
    request = made[0]
    _route(request, user)
    return request


def _route(request: ShareRequest, user) -> None:
    """The system's step right after filing: where the request goes, by the entry's sharing type and the deployment."""
    if request.sharing_type == "unconditional":
        REQUEST.fire_internal("grant_at_once", [request], actor=user)
        _issue(request, request.item_names, request.purpose, request.usage_scope, request.period_from,
               request.period_until, actor=user)
        _tell_requester(request, "已即时开通", f"无条件共享的“{request.version.name}”已开通，可在授权页面查看。")
        return
    if request.sharing_type == "not_shared":
        REQUEST.fire_internal("route_coordination", [request], actor=user)
        _set_due(request, None, None)
        _tell_authority(request, "不予共享资源的共享申请待协调",
                        f"{request.requester_department.name}申请不予共享的“{request.version.name}”，请组织协调。")
        return
    if current_app.config["SHARING_COMPLIANCE_CHECK"]:
        REQUEST.fire_internal("route_check", [request], actor=user)
        _set_due(request, "route_check")
        _tell_authority(request, "共享申请待合规审查", f"{request.requester_department.name}申请“{request.version.name}”，请审查。")
    elif request.cross_district:
        REQUEST.fire_internal("route_forward", [request], actor=user)
        _set_due(request, "route_forward")
        _tell_authority(request, "跨区共享申请待转送", f"{request.requester_department.name}跨区申请“{request.version.name}”，请转交提供部门。")
    else:
        REQUEST.fire_internal("route_provider", [request], actor=user)
        _to_provider(request)


def _set_due(request: ShareRequest, transition: str | None, setting: str | None = "") -> None:
    if transition is None:
        request.due_on, request.due_provisional, request.due_setting = None, False, None
        return
    t = REQUEST.transition(transition)
    key = t.deadline.setting
    if key == "share_reply_days" and request.on_platform:
        key = "share_reply_days_on_platform"
    due = workdays.deadline(today(), workdays.setting(key))
    request.due_on, request.due_provisional, request.due_setting = due.on, due.provisional, key


def _mark_late(request: ShareRequest) -> None:
    if request.due_on is not None and today() > request.due_on:
        request.late = True


def _to_provider(request: ShareRequest) -> None:
    _set_due(request, "route_provider")
    people = notifications.users_in_department(request.provider_department_id, ["responder"])
    notifications.notify(people, key=f"share_request:{request.id}:to_provider", kind="sharing.request",
                         subject=f"共享申请待答复：{request.version.name}",
                         body=(f"{request.requester_department.name}申请共享“{request.version.name}”的 "
                               f"{len(request.items)} 个信息项，请于 {request.due_on} 前答复。"),
                         link=_path("sharing.request_page", request_id=request.id))


# ---- answering ------------------------------------------------------------------------------------------------

def pass_check(request: ShareRequest, user) -> None:
    _mark_late(request)
    if request.cross_district:
        REQUEST.fire("pass_check_forward", request, actor=user)
        _set_due(request, "route_forward")
    else:
        REQUEST.fire("pass_check", request, actor=user)
        _to_provider(request)


def reject_check(request: ShareRequest, user, reason: str) -> None:
    REQUEST.fire("reject_check", request, actor=user, reason=(reason or "").strip())
    _decided(request, user, reason)
    _tell_requester(request, "共享申请未通过合规审查", f"理由：{reason}")


def forward(request: ShareRequest, user) -> None:
    _mark_late(request)
    REQUEST.fire("forward", request, actor=user)
    _to_provider(request)


def approve(request: ShareRequest, user, values: dict, chosen: list[str]) -> Grant:
    """同意共享: some or all of the items asked, within the period asked, with conditions; the grant follows."""
    REQUEST.check("approve", request, actor=user)
    problems: list[Problem] = []
    chosen = [c for c in request.item_names if c in (chosen or [])]
    if not chosen:
        problems.append(Problem("items", "批准的信息项", "请至少批准一个信息项；全部不同意的请选择拒绝并说明理由",
                                "approve at least one item, or refuse"))
    extra = [c for c in chosen or [] if c not in request.item_names]
    if extra:
        problems.append(Problem("items", "批准的信息项", "只能批准申请中的信息项", "only requested items"))
    usage_scope = _text(values, "usage_scope", "使用范围", 500, problems, required=False, multiline=False) or request.usage_scope
    note = _text(values, "note", "共享条件", 1000, problems, required=False)
    start, end = _period({"period_from": values.get("period_from") or request.period_from,
                          "period_until": values.get("period_until") or request.period_until}, problems,
                         within=(request.period_from, request.period_until))
    if problems:
        raise InvalidInput(problems)
    _mark_late(request)
    REQUEST.fire("approve", request, actor=user, note=note)
    _decided(request, user, note)
    grant = _issue(request, chosen, request.purpose, usage_scope, start, end, actor=user)
    _tell_requester(request, "共享申请已同意",
                    f"“{request.version.name}”批准 {len(chosen)} 个信息项（{'、'.join(chosen)}），"
                    f"使用期限 {start}～{end}。" + (f"共享条件：{note}" if note else ""))
    return grant


def refuse(request: ShareRequest, user, reason: str) -> None:
    reason = (reason or "").strip()
    REQUEST.fire("refuse", request, actor=user, reason=reason)
    _mark_late(request)
    _decided(request, user, reason)
    _tell_requester(request, "共享申请被拒绝", f"拒绝理由：{reason}。如有异议，可申请主管部门协调。")


def escalate(request: ShareRequest, user, reason: str) -> None:
    reason = (reason or "").strip()
    REQUEST.fire("escalate", request, actor=user, reason=reason)
    if request.due_on is not None and today() > request.due_on:
        request.late = True
    request.escalation_reason = reason
    _set_due(request, None)
    _tell_authority(request, "共享申请请求协调", f"{request.requester_department.name}就“{request.version.name}”申请协调：{reason}")


def rule(request: ShareRequest, user, *, share: bool, ruling: str, chosen: list[str] | None = None) -> Grant | None:
    """The authority's coordination outcome, published to both departments; a ruling to share gives the provider
    the provide deadline."""
    ruling = (ruling or "").strip()
    key = "rule_share" if share else "rule_not_share"
    REQUEST.check(key, request, actor=user, ruling=ruling)
    items = [c for c in request.item_names if c in (chosen or request.item_names)]
    if share and not items:
        raise InvalidInput([Problem("items", "应当共享的信息项", "请至少选择一个应当共享的信息项", "choose items")])
    REQUEST.fire(key, request, actor=user, ruling=ruling)
    request.ruling, request.ruled_by_id, request.ruled_at = ruling, user.id, utcnow()
    grant = None
    if share:
        grant = _issue(request, items, request.purpose, request.usage_scope, max(request.period_from, today()),
                       request.period_until, actor=user)
    outcome = "应当共享" if share else "不予共享"
    people = [*_requesters(request), *notifications.users_in_department(request.provider_department_id, ["responder"])]
    notifications.notify(people, key=f"share_request:{request.id}:ruling", kind="sharing.ruling",
                         subject=f"协调结论（{outcome}）：{request.version.name}", body=ruling,
                         link=_path("sharing.request_page", request_id=request.id))
    return grant


def withdraw(request: ShareRequest, user) -> None:
    REQUEST.fire("withdraw", request, actor=user)
    _set_due(request, None)


def _decided(request: ShareRequest, user, note: str | None) -> None:
    request.decision_note, request.decided_by_id, request.decided_at = (note or None), user.id, utcnow()
    _set_due(request, None)


# ---- grants -------------------------------------------------------------------------------------------------

def _issue(request: ShareRequest, items: list[str], purpose: str, usage_scope: str, start: dt.date, end: dt.date,
           *, actor) -> Grant:
    made: list[Grant] = []
    entry = request.entry
    due = workdays.deadline(today(), workdays.setting("share_provide_days"))

    def insert(state: str) -> list[int]:
        grant = Grant(request_id=request.id, entry_id=entry.id, consumer_department_id=request.requester_department_id,
                      provider_department_id=request.provider_department_id, state=GrantState(state), items=items,
                      purpose=purpose, usage_scope=usage_scope, valid_from=start, valid_until=end,
                      adapter=adapter_for(entry), due_on=due.on, due_provisional=due.provisional)
        db.session.add(grant)
        db.session.flush()
        made.append(grant)
        return [grant.id]

    GRANT.create("issue", actor=actor, related=[{"provider": request.provider_department_id,
                                                 "consumer": request.requester_department_id}],
                 insert=insert, names=[f"{request.version.name}：{'、'.join(items)}"],
                 departments=[request.provider_department_id], internal=True)
    grant = made[0]
    outbox.emit(PROVISION, f"grant:{grant.id}", {"grant_id": grant.id})
    return grant


def grant_is_active(grant_id: int) -> bool:
    """Whether a grant may be used now (the download adapter asks before every download)."""
    grant = db.session.get(Grant, grant_id)
    return (grant is not None and grant.state == GrantState.active
            and grant.valid_from <= today() <= grant.valid_until)


def reissue(grant: Grant, user) -> None:
    """A fresh download link (the last one expired): the adapter is asked again, from the outbox."""
    GRANT.fire("reissue", grant, actor=user)
    outbox.emit(PROVISION, f"grant:{grant.id}", {"grant_id": grant.id, "reissue": True})


def retry(grant: Grant, user) -> None:
    """重新开通 (after fixing what the error said): handed to the adapter again at once."""
    GRANT.fire("retry", grant, actor=user)
    grant.last_error = None
    outbox.emit(PROVISION, f"grant:{grant.id}", {"grant_id": grant.id})


def attach(grant: Grant, user, upload) -> str:
    """上传提供文件 (download grants): the file holding the approved items; provisioning follows. Returns its name."""
    GRANT.check("attach", grant, actor=user)
    problems: list[Problem] = []
    stored = store_upload(upload, prefix=f"grant-{grant.id}", field="file", label="提供文件", problems=problems)
    if stored is None and not problems:
        problems.append(Problem("file", "提供文件", "请选择要上传的文件", "no file"))
    if problems:
        raise InvalidInput(problems)
    path, name, _size = stored
    GRANT.fire("attach", grant, actor=user, note=name)
    grant.file_path, grant.file_name = path, name
    if grant.state == GrantState.failed:
        retry(grant, user)
    else:
        outbox.emit(PROVISION, f"grant:{grant.id}", {"grant_id": grant.id})
    return name


def revoke(grant: Grant, user, reason: str) -> None:
    reason = (reason or "").strip()
    GRANT.fire("revoke", grant, actor=user, reason=reason)
    grant.revoke_reason = reason
    if grant.handle:
        outbox.emit(REVOKE, f"grant:{grant.id}", {"grant_id": grant.id})
    _tell_consumer(grant, "共享授权已撤销", f"第 {grant.id} 号授权已被撤销：{reason}")


def expire_due(on: dt.date | None = None) -> int:
    """授权到期: every grant whose period ended is expired and revoked at its adapter (the sweep calls this)."""
    day = on or today()
    grants = db.session.scalars(select(Grant).where(
        Grant.state.in_([GrantState.active, GrantState.provisioning, GrantState.failed]),
        Grant.valid_until < day)).all()
    if grants:
        GRANT.fire_internal("expire", grants, actor=None)
        outbox.emit_many(REVOKE, [(f"grant:{g.id}", {"grant_id": g.id}) for g in grants if g.handle])
        for grant in grants:
            _tell_consumer(grant, "共享授权已到期", f"第 {grant.id} 号授权的使用期限已于 {grant.valid_until} 届满，"
                                                     "访问已撤销；如仍需使用，请重新申请。")
    return len(grants)


def grant_spec(grant: Grant) -> adapters.GrantSpec:
    entry = grant.entry
    settings = dict(settings_of(entry.id, grant.adapter))
    if grant.adapter == "comparison":
        settings["source"] = comparison_sources().get(settings.get("source") or "", "")
    if grant.adapter == "download":
        settings.update(file=grant.file_path, filename=grant.file_name, items=list(grant.items))
    return adapters.GrantSpec(grant_id=grant.id, entry_id=entry.id, resource_code=entry.resource_code,
                     resource_name=entry.published_version.name, provider_code=grant.provider_department.code,
                     consumer_code=grant.consumer_department.code, consumer_name=grant.consumer_department.name,
                     items=tuple(grant.items), purpose=grant.purpose, valid_from=grant.valid_from,
                     valid_until=grant.valid_until, settings=settings)


def installed() -> dict:
    """The deployment's adapters, made once per app from the `catalog.adapters` entry points."""
    found = current_app.extensions.get("catalog_adapters")
    if found is None:
        found = current_app.extensions["catalog_adapters"] = adapters.load(current_app.config)
    return found


def comparison_sources() -> dict[str, str]:
    """The deployment's comparison sources (COMPARISON_SOURCES: name=URL;…): providers choose by name, so no one
    can point the adapter at an arbitrary database or file on the server."""
    out = {}
    for pair in (current_app.config.get("COMPARISON_SOURCES") or "").split(";"):
        name, _, url = pair.partition("=")
        if name.strip() and url.strip():
            out[name.strip()] = url.strip()
    return out


def compare(grant: Grant, user, rows: list[dict]) -> list[bool]:
    """数据比对: the consumer's records answered match / no match, nothing else (the data stays with the provider).
    A query, not a change: it runs in the request, capped at COMPARISON_MAX_RECORDS, and is audited."""
    GRANT.check("compare", grant, actor=user)
    adapter = installed().get("comparison")
    if adapter is None or not grant.handle:
        raise InvalidInput.single("records", "比对记录", "该授权尚未开通数据比对", "comparison is not provisioned")
    try:
        results = adapter.compare(adapters.Handle.from_dict(grant.handle), grant_spec(grant), rows)
    except adapters.AdapterError as error:
        raise InvalidInput.single("records", "比对记录", error.message, error.message_en) from error
    GRANT.fire("compare", grant, actor=user, note=f"{len(rows)} 条记录，{sum(results)} 条一致")
    return results


def settings_of(entry_id: int, adapter: str) -> dict:
    row = db.session.scalar(select(AdapterSettings).where(AdapterSettings.entry_id == entry_id,
                                                          AdapterSettings.adapter == adapter))
    return dict(row.settings) if row is not None else {}


# ---- suspensions ---------------------------------------------------------------------------------------------

def suspend(department_id: int, user, reason: str) -> Suspension:
    problems: list[Problem] = []
    reason = _text({"reason": reason}, "reason", "限制原因", 1000, problems)
    if suspension_of(department_id) is not None:
        problems.append(Problem("department", "部门", "该部门的共享权限已在限制中", "already suspended"))
    SUSPENSION.check_create("suspend", actor=user, related=[{"own": department_id}])
    if problems:
        raise InvalidInput(problems)
    made: list[Suspension] = []

    def insert(state: str) -> list[int]:
        row = Suspension(department_id=department_id, state=state, reason=reason, suspended_by_id=user.id)
        db.session.add(row)
        db.session.flush()
        made.append(row)
        return [row.id]

    department = db.session.get(Department, department_id)
    SUSPENSION.create("suspend", actor=user, related=[{"own": department_id}], insert=insert,
                      names=[department.name], departments=[department_id], reason=reason)
    return made[0]


def lift(suspension: Suspension, user, note: str = "") -> None:
    SUSPENSION.fire("lift", suspension, actor=user, note=(note or "").strip())
    suspension.lifted_by_id, suspension.lifted_at, suspension.lift_note = user.id, utcnow(), (note or "").strip() or None


# ---- reading ------------------------------------------------------------------------------------------------

def get_request_or_404(request_id: int) -> ShareRequest:
    row = db.session.get(ShareRequest, request_id)
    if row is None:
        raise NotFound("未找到该共享申请", "share request not found")
    return row


def get_grant_or_404(grant_id: int) -> Grant:
    row = db.session.get(Grant, grant_id)
    if row is None:
        raise NotFound("未找到该共享授权", "grant not found")
    return row


BOXES = {"mine": "本部门提交的申请", "provider": "待本部门答复", "authority": "主管部门待办"}


def requests_query(box: str, user, *, overdue_only: bool = False):
    stmt = (select(ShareRequest).options(joinedload(ShareRequest.version), joinedload(ShareRequest.requester_department),
                                         joinedload(ShareRequest.provider_department))
            .order_by(ShareRequest.id.desc()))
    if box == "mine":
        stmt = stmt.where(ShareRequest.requester_department_id == user.department_id)
    elif box == "provider":
        stmt = stmt.where(ShareRequest.provider_department_id == user.department_id)
    else:
        stmt = stmt.where(ShareRequest.state.in_([RequestState.compliance_check, RequestState.forwarding,
                                                  RequestState.escalated, RequestState.pending]))
    if overdue_only:
        stmt = stmt.where(ShareRequest.due_on < today(), ShareRequest.state.in_(OPEN_STATES))
    return stmt


def overdue_count(box: str, user) -> int:
    return db.session.scalar(select(func.count()).select_from(requests_query(box, user, overdue_only=True)
                                                              .order_by(None).subquery())) or 0


def waiting_count(user) -> int:
    """Share requests waiting for this user (the menu's 共享申请 count): those its department must answer, when the
    user answers for it, and those waiting for the authority, when the user is the authority. One COUNT."""
    from sqlalchemy import or_

    from . import policy

    waiting = []
    if policy.answers_requests(user):
        waiting.append((ShareRequest.state == RequestState.pending)
                       & (ShareRequest.provider_department_id == user.department_id))
    if policy.oversees(user):
        waiting.append(ShareRequest.state.in_([RequestState.compliance_check, RequestState.forwarding,
                                               RequestState.escalated]))
    if not waiting:
        return 0
    return db.session.scalar(select(func.count(ShareRequest.id)).where(or_(*waiting))) or 0


def requests_for_entry(entry: Entry, user) -> list[ShareRequest]:
    """The user's department's own requests for an entry (shown on the entry page)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return db.session.scalars(select(ShareRequest).where(ShareRequest.entry_id == entry.id,
                                                         ShareRequest.requester_department_id == user.department_id)
                              .order_by(ShareRequest.id.desc())).all()


def sharing_contact(entry: Entry):
    """The provider's 信息共享责任人 (from its registered contacts), if any."""
    return current_contacts(entry.department_id).get("sharing_officer")


def overdue_requests(on: dt.date | None = None):
    day = on or today()
    return db.session.scalars(select(ShareRequest).where(ShareRequest.state.in_(OPEN_STATES),
                                                         ShareRequest.due_on < day)).all()


def overdue_grants(on: dt.date | None = None):
    day = on or today()
    return db.session.scalars(select(Grant).where(Grant.state.in_([GrantState.provisioning, GrantState.failed]),
                                                  Grant.due_on < day)).all()


# ---- telling people -------------------------------------------------------------------------------------------

def _path(endpoint: str, **values) -> str:
    return current_app.url_map.bind("").build(endpoint, values)


def _requesters(request: ShareRequest):
    roles = sorted({g.role for g in REQUEST.transition("escalate").grants if g.relation == "requester"})
    people = notifications.users_in_department(request.requester_department_id, roles)
    return people if any(p.id == request.requested_by_id for p in people) else [*people, request.requested_by_id]


def _tell_requester(request: ShareRequest, subject: str, body: str) -> None:
    notifications.notify(_requesters(request), key=f"share_request:{request.id}:{request.state.value}",
                         kind="sharing.answer", subject=f"{subject}：{request.version.name}", body=body,
                         link=_path("sharing.request_page", request_id=request.id))


def _tell_authority(request: ShareRequest, subject: str, body: str) -> None:
    notifications.notify(notifications.users_with_roles(["authority_reviewer"]),
                         key=f"share_request:{request.id}:authority:{request.state.value}", kind="sharing.authority",
                         subject=subject, body=body, link=_path("sharing.request_page", request_id=request.id))


def _tell_consumer(grant: Grant, subject: str, body: str) -> None:
    people = [*_requesters(grant.request)]
    notifications.notify(people, key=f"share_grant:{grant.id}:{grant.state.value}", kind="sharing.grant",
                         subject=subject, body=body, link=_path("sharing.grant_page", grant_id=grant.id))


def provider_people(department_id: int):
    return notifications.users_in_department(department_id, ["responder"])



def history_of(object_type: str, object_id: int):
    """The audit rows of a request or a grant, oldest first (its history on its page)."""
    from app.audit import AuditEntry

    return db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == object_type,
                                                       AuditEntry.object_id == object_id)
                              .order_by(AuditEntry.id)).all()


# ---- providers' adapter settings -------------------------------------------------------------------------------

SETTINGS_HELP = {
    "postgres_view": "授权开通时在数据库中为使用部门建立只含批准信息项的视图和只读账号。请填写数据所在的表和每个信息项对应的列。",
    "comparison": "数据比对：使用部门提交记录，只返回“一致/不一致”，数据不出提供部门。请填写数据源、表、各信息项对应的列和用于比对的信息项。",
    "exchange_http": "通过交换平台/接口网关开通订阅，无需在此设置。",
    "download": "每个授权由提供部门上传只含批准信息项的文件，使用部门通过有时效的下载链接获取，无需在此设置。",
}


def save_settings(entry: Entry, user, adapter: str, values: dict, keys: list[str]) -> dict:
    """The provider's settings for this entry's adapter, from the settings form (validated, then stored whole)."""
    from .policy import can_configure

    if not can_configure(user, entry):
        raise PermissionDenied("只有提供部门可以设置该信息资源的共享方式参数", "only the provider configures its entries")
    problems: list[Problem] = []
    names = [i.get("name") for i in entry.published_version.data.get("data_items") or []]
    settings: dict = {}
    if adapter in ("postgres_view", "comparison"):
        settings["table"] = _text(values, "table", "表名", 200, problems, multiline=False)
        if settings["table"] and not all(part.replace("_", "").isalnum() for part in settings["table"].split(".")):
            problems.append(Problem("table", "表名", "「表名」只能由字母、数字和下划线组成（可带模式名，如 public.persons）",
                                    "table must be [schema.]name"))
        columns = {}
        for name in names:
            column = _text(values, f"column-{name}", f"“{name}”对应的列", 100, problems, required=False, multiline=False)
            if column and not column.replace("_", "").isalnum():
                problems.append(Problem(f"column-{name}", f"“{name}”对应的列", f"“{name}”对应的列名只能由字母、数字和下划线组成",
                                        "column names are letters, digits and underscores"))
            if column:
                columns[name] = column
        if not columns:
            problems.append(Problem("columns", "信息项对应的列", "请至少为一个信息项填写对应的列", "map at least one item"))
        settings["columns"] = columns
    if adapter == "comparison":
        settings["source"] = _text(values, "source", "数据源", 100, problems, multiline=False)
        sources = comparison_sources()
        if settings["source"] and settings["source"] not in sources:
            problems.append(Problem("source", "数据源", f"数据源“{settings['source'][:30]}”不在本部署允许比对的数据源中"
                                    f"（{'、'.join(sources) or '尚未配置 CATALOG_COMPARISON_SOURCES'}）",
                                    "source is not one of COMPARISON_SOURCES"))
        settings["keys"] = [k for k in names if k in (keys or []) and k in settings.get("columns", {})]
        if not settings["keys"]:
            problems.append(Problem("keys", "比对信息项", "请至少选择一个已填写列名的比对信息项", "choose comparison keys"))
    if adapter in ("exchange_http", "download"):
        problems.append(Problem("adapter", "共享方式", SETTINGS_HELP[adapter], "this adapter needs no settings"))
    if problems:
        raise InvalidInput(problems)
    row = db.session.scalar(select(AdapterSettings).where(AdapterSettings.entry_id == entry.id,
                                                          AdapterSettings.adapter == adapter))
    if row is None:
        row = AdapterSettings(entry_id=entry.id, adapter=adapter, settings=settings, updated_by_id=user.id)
        db.session.add(row)
    else:
        row.settings, row.updated_by_id = settings, user.id
    db.session.flush()
    from app import audit

    audit.record("adapter_settings.save", row, actor=user, department_id=entry.department_id,
                 summary=f"设置共享方式参数：{entry.published_version.name}（{adapter}）",
                 details={"entry": entry.id, "adapter": adapter, "settings": settings})
    return settings
