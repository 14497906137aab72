"""Who may manage docking and who may see a harvested record, read from the workflow's grants and the catalog's
visibility rule (the public sees the open catalog only)."""
from __future__ import annotations

from app.catalog import policy as catalog_policy

from .models import HarvestedEntry
from .workflows import HARVEST_SOURCE


def can_manage(user) -> bool:
    """对接管理 (sources, runs, reports): whoever may register a source — platform admins."""
    return bool(catalog_policy.is_government(user)
                and HARVEST_SOURCE.may_create("register", user, {}))


def can_see(user, record: HarvestedEntry) -> bool:
    """A record still at its source: government users see it; the public when it is open. A record the source
    no longer has: admins only (kept for the record), everyone else gets the same 404 as for a missing id."""
    if record.removed_at is not None:
        return can_manage(user)
    return catalog_policy.is_government(user) or bool(record.public)
