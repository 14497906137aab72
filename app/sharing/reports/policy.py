"""Who may see and do what with error reports, read from the workflow's grants."""
from __future__ import annotations

from sqlalchemy import false, or_, true

from .models import ErrorReport
from .workflows import REPORT


def _government(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.role_keys)


def oversees(user) -> bool:
    """The authority (主管部门审核员, 平台管理员): every report, the coordination queue."""
    return _government(user) and REPORT.granted(REPORT.transition("resolve"), user, {})


def boxes(user) -> list[str]:
    """The queues a user has: the reports their department filed, those it must verify, the authority's."""
    if not _government(user):
        return []
    return ["mine", "provider", *(["authority"] if oversees(user) else [])]


def can_see(user, row: ErrorReport) -> bool:
    """The two departments concerned and the authority; nobody else learns that the report exists."""
    return oversees(user) or (_government(user) and user.department_id in (row.reporter_department_id,
                                                                           row.provider_department_id))


def visible_reports(user):
    """`can_see` as SQL, for lists that page and count in the database (the API's)."""
    if oversees(user):
        return true()
    if not _government(user):
        return false()
    return or_(ErrorReport.reporter_department_id == user.department_id,
               ErrorReport.provider_department_id == user.department_id)


def sees_unsettled(user, entry) -> bool:
    """The provider and the authority see the entry's unsettled reports on its page."""
    return oversees(user) or (_government(user) and user.department_id == entry.department_id)


def actions(user, row: ErrorReport) -> dict[str, bool]:
    """Which action forms the report page shows (guards aside: they answer when the form is sent)."""
    return {t.key: REPORT.may(t.key, row, user) for t in REPORT.user_transitions() if not t.creates}
