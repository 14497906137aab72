"""Who may read and change the working-day calendar (工作日历) and the deadline policy (期限设置).

Admins change both. The authority's reviewers may read both pages (they apply the deadlines, as they read the
workflow page); nobody else may open them.
"""
from __future__ import annotations

from app.core.roles import roles_of

READERS = frozenset({"admin", "authority_reviewer"})


def can_read_calendar(user) -> bool:
    """工作日历 and 期限设置 pages: admins and the authority's reviewers."""
    return bool(roles_of(user) & READERS)


def can_edit_calendar(user) -> bool:
    """Enter holidays and adjusted working days, mark a year's arrangement entered: admins only."""
    return "admin" in roles_of(user)


def can_edit_deadlines(user) -> bool:
    """Change the deadline settings: admins only."""
    return "admin" in roles_of(user)
