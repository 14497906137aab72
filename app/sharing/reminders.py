"""The sharing sweep (hourly, with the deadline sweep): grants whose period ended are expired and revoked at their
adapter; requests and grants past their deadline are flagged to whoever must act and to the authority; a
reminder goes to the provider ahead of its reply deadline. Each notice once (its key)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from app import notifications, workdays
from app.core.clock import today
from app.extensions import db

from .models import RequestState, ShareRequest
from .reports import flag_overdue as flag_overdue_reports
from .services import _path, expire_due, overdue_grants, overdue_requests, provider_people


@dataclass
class SharingSweep:
    expired: int = 0
    overdue: int = 0
    reminders: int = 0


WHO_ACTS = {  # the step → who must act on it
    RequestState.pending: "provider",
    RequestState.compliance_check: "authority",
    RequestState.forwarding: "authority",
}


def sweep(on: dt.date | None = None) -> SharingSweep:
    day = on or today()
    result = SharingSweep(expired=expire_due(day))
    result.overdue += flag_overdue_reports(day)  # error reports past their verification deadline, once
    authority = notifications.users_with_roles(["authority_reviewer"])
    for request in overdue_requests(day):
        people = [*authority]
        if WHO_ACTS.get(request.state) == "provider":
            people += provider_people(request.provider_department_id)
        result.overdue += notifications.notify(
            people, key=f"share_request:{request.id}:overdue:{request.state.value}", kind="deadline.overdue",
            subject=f"共享申请已逾期：{request.provider_department.name}（第 {request.id} 号）",
            body=(f"{request.requester_department.name}申请“{request.version.name}”，{request.state_label}，"
                  f"期限 {request.due_on} 已过。逾期情况计入年度考核；申请部门可申请主管部门协调。"),
            link=_path("sharing.request_page", request_id=request.id))
    for grant in overdue_grants(day):
        result.overdue += notifications.notify(
            [*provider_people(grant.provider_department_id), *authority], key=f"share_grant:{grant.id}:overdue",
            kind="deadline.overdue", subject=f"共享授权逾期未开通：第 {grant.id} 号",
            body=f"同意共享后应于 {grant.due_on} 前提供，至今未开通。{grant.last_error or ''}",
            link=_path("sharing.grant_page", grant_id=grant.id))
    offsets = (*workdays.setting("reminder_offsets"), 0)
    pending = db.session.scalars(select(ShareRequest).where(ShareRequest.state == RequestState.pending,
                                                            ShareRequest.due_on >= day)).all()
    for request in pending:
        left = workdays.working_days_between(day, request.due_on)
        reached = [k for k in offsets if left <= k]
        if not reached:
            continue
        level = min(reached)
        result.reminders += notifications.notify(
            provider_people(request.provider_department_id), key=f"share_request:{request.id}:remind:{level}",
            kind="deadline.reminder", subject=f"共享申请答复{'今天到期' if left == 0 else f'还剩 {left} 个工作日'}",
            body=f"{request.requester_department.name}申请“{request.version.name}”，请于 {request.due_on} 前答复。",
            link=_path("sharing.request_page", request_id=request.id))
    return result


