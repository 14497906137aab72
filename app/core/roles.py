"""The roles of whoever is asking: none for an anonymous visitor (the policies' one way to read them)."""
from __future__ import annotations


def roles_of(user) -> frozenset[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return getattr(user, "role_keys", frozenset())
