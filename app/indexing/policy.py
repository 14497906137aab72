"""Who may read and edit the search word lists (同义词, 政务词典): admins edit; the authority's reviewers read."""
from __future__ import annotations

from app.core.roles import roles_of

READERS = frozenset({"admin", "authority_reviewer"})


def can_read_vocabulary(user) -> bool:
    return bool(roles_of(user) & READERS)


def can_edit_vocabulary(user) -> bool:
    return "admin" in roles_of(user)
