"""Writing audit entries. Called by every service that writes, inside the same transaction."""
from __future__ import annotations

from app.extensions import db

from .models import AuditEntry


def record(action: str, obj, *, actor=None, department_id: int | None = None, summary: str = "",
           details: dict | None = None) -> AuditEntry:
    entry = AuditEntry(
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "system",
        object_id=getattr(obj, "id", None),
        actor_id=getattr(actor, "id", None),
        department_id=department_id,
        summary=summary,
        details=details or {},
    )
    db.session.add(entry)
    return entry


def record_many(rows: list[dict]) -> None:
    """Audit entries for a bulk operation, in one statement. Each row: action, object_type, object_id, actor_id,
    department_id, summary (and optionally details)."""
    if rows:
        from sqlalchemy import insert

        from app.core.db import utcnow
        now = utcnow()
        db.session.execute(insert(AuditEntry), [{"at": now, "details": {}, **row} for row in rows])
