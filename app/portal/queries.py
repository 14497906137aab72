"""Who may see what on the portal: the visibility rule in one place."""
from __future__ import annotations

from app.catalog.models import Entry, EntryStatus


def is_government(user) -> bool:
    """Signed-in accounts are government users; anonymous visitors are the public (open catalog only)."""
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_see(user, entry: Entry) -> bool:
    if entry.status != EntryStatus.published or entry.published_version is None:
        return False
    if is_government(user):
        return True
    data = entry.published_version.data
    return bool(data.get("open_to_public")) and not data.get("secret")
