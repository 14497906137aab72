"""Who may write what in the catalog (SPEC §2). Checked inside the services, never only in views."""
from __future__ import annotations

from app.accounts.models import Role
from app.core.errors import PermissionDenied


def can_compile(user, department_id: int) -> bool:
    """编目: editors for their own department; admins for any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.admin:
        return True
    return user.role == Role.editor and user.department_id == department_id


def can_publish(user) -> bool:
    """发布: the authority's reviewers and admins."""
    return user is not None and getattr(user, "role", None) in (Role.authority_reviewer, Role.admin)


def can_retire(user, department_id: int) -> bool:
    """停用: the department's editors and reviewers, the authority's reviewers, admins."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role in (Role.admin, Role.authority_reviewer):
        return True
    return user.role in (Role.editor, Role.department_reviewer) and user.department_id == department_id


def require(allowed: bool, message: str, message_en: str) -> None:
    if not allowed:
        raise PermissionDenied(message, message_en)
