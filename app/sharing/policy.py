"""Who may see and do what in sharing, read from the workflows' grants."""
from __future__ import annotations

from sqlalchemy import false, or_, true

from .models import Grant, ShareRequest
from .workflows import GRANT, REQUEST, SUSPENSION


def _government(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.role_keys)


def oversees(user) -> bool:
    """The authority (主管部门审核员, 平台管理员): every request and grant, the coordination queue."""
    return _government(user) and REQUEST.granted(REQUEST.transition("rule_share"), user, {})


def boxes(user) -> list[str]:
    """The queues a user has: the requests their department filed, those it must answer, the authority's."""
    if not _government(user):
        return []
    out = ["mine", "provider"]
    if oversees(user):
        out.append("authority")
    return out


def can_see_request(user, row: ShareRequest) -> bool:
    return oversees(user) or (_government(user) and user.department_id in (row.requester_department_id,
                                                                            row.provider_department_id))


def visible_requests(user):
    """`can_see_request` as SQL, for lists that page and count in the database (the API's): the authority sees
    every request, a government user those their department filed or must answer, anyone else none."""
    if oversees(user):
        return true()
    if not _government(user):
        return false()
    return or_(ShareRequest.requester_department_id == user.department_id,
               ShareRequest.provider_department_id == user.department_id)


def can_see_grant(user, grant: Grant) -> bool:
    return oversees(user) or (_government(user) and user.department_id in (grant.consumer_department_id,
                                                                           grant.provider_department_id))


def answers_requests(user) -> bool:
    """The user answers the share requests made to their own department (信息共享责任人, 平台管理员)."""
    return _government(user) and REQUEST.granted(REQUEST.transition("approve"), user, {"provider": user.department_id})


def can_configure(user, entry) -> bool:
    """The provider sets how its entry's grants are provided (a table, a comparison source)."""
    return _government(user) and GRANT.granted(GRANT.transition("retry"), user, {"provider": entry.department_id})


def can_suspend(user) -> bool:
    return _government(user) and SUSPENSION.may_create("suspend", user, {"own": None})


def can_use(user) -> bool:
    """The 共享 menu."""
    return _government(user)


def may_escalate(user, row: ShareRequest) -> bool:
    """申请协调, for the button: the requester's grant, and the request refused or its reply deadline passed (the
    transition's own guard, asked here so the page and the service agree)."""
    from .workflows import _overdue_or_refused

    return REQUEST.may("escalate", row, user) and not _overdue_or_refused(row, {})
