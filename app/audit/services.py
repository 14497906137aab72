"""Writing audit entries. Called by every service that writes (workflow transitions through the workflow
engine), inside the same transaction: a change that rolls back takes its audit entry with it.

Inside `app.core.acting.through` (an API write made with a token, see `app.accounts.acting_through`) every entry's
details also name the token, whichever of the two functions wrote it."""
from __future__ import annotations

from sqlalchemy import insert

from app.core import acting
from app.core.db import utcnow
from app.extensions import db

from .models import AuditEntry


def record(action: str, obj, *, actor=None, department_id: int | None = None, summary: str = "",
           details: dict | None = None) -> AuditEntry:
    """One operation that is not a workflow transition (loading reference data, creating a user …)."""
    if hasattr(obj, "_get_current_object"):  # Flask-Login's current_user: name the User, not the proxy
        obj = obj._get_current_object()
    entry = AuditEntry(
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "system",
        object_id=getattr(obj, "id", None),
        actor_id=getattr(actor, "id", None),
        department_id=department_id,
        summary=summary,
        details={**(details or {}), **acting.details()},
    )
    db.session.add(entry)
    return entry


def record_many(rows: list[dict]) -> None:
    """Audit entries in one statement. Each row: action, object_type, object_id, actor_id, department_id, summary,
    and optionally details, from_state, to_state."""
    if rows:
        now, through = utcnow(), acting.details()
        db.session.execute(insert(AuditEntry), [
            {"at": now, "from_state": None, "to_state": None, **row,
             "details": {**(row.get("details") or {}), **through}} for row in rows])
