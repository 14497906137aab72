"""Who may see and mark which notices: a notice is its recipient's alone (nobody else learns it exists)."""
from __future__ import annotations


def has_notices(user) -> bool:
    """The 通知 list and its header item: every signed-in user."""
    return bool(user is not None and getattr(user, "is_authenticated", False))


def may_see(user, notification) -> bool:
    """Read or mark one notice: its recipient only (admins included: a notice is personal)."""
    return has_notices(user) and notification is not None and notification.user_id == user.id
