"""Who may open the platform's administration pages."""
from __future__ import annotations

READERS = frozenset({"admin", "authority_reviewer"})


def can_read_workflows(user) -> bool:
    """流程说明: admins, and the authority's reviewers who apply the rules."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.role_keys & READERS)


def can_manage_users(user) -> bool:
    """用户管理 (unlock sign-in, demand a new password, end sessions, deactivate): admins only."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and "admin" in user.role_keys)


def can_complete_departments(user) -> bool:
    """统一社会信用代码待补充 (fill in the credit codes of departments loaded without one): admins only."""
    return can_manage_users(user)
