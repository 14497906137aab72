"""Who may open the platform's administration pages."""
from __future__ import annotations

READERS = frozenset({"admin", "authority_reviewer"})


def can_read_workflows(user) -> bool:
    """流程说明: admins, and the authority's reviewers who apply the rules."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.role_keys & READERS)
