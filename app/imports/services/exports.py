"""Excel exports of any search, in the import template's layout."""
from __future__ import annotations

from typing import Iterable

from flask import current_app
from sqlalchemy import select

from app import catalog
from app.catalog import Entry, EntryStatus, EntryVersion, policy
from app.extensions import db
from app.portal import matching_ids, parse_search

from .checking import reference


def export_rows(entry_ids: Iterable[int], *, user=None) -> Iterable[dict]:
    """Published entries as the template's rows (resource code and provider included), in batches.

    Plain rows, not ORM objects: a 100,000-entry export keeps nothing in the session. For a `user` (a web export)
    the related resource codes are only those of entries the user may see: an open entry's export does not give
    the public the codes of the closed entries it relates to.
    """
    ids = list(entry_ids)
    for start_at in range(0, len(ids), 1000):
        batch = ids[start_at:start_at + 1000]
        rows = db.session.execute(
            select(Entry.id, Entry.resource_code, Entry.category_code, Entry.department_id, EntryVersion.data)
            .join(EntryVersion, Entry.published_version_id == EntryVersion.id)
            .where(Entry.id.in_(batch), Entry.status == EntryStatus.published)).all()
        by_id = {row.id: row for row in rows}
        related = [code for row in rows for code in row.data.get("related_codes") or []]
        visible = catalog.visible_codes(related, user) if user is not None and related else None
        for entry_id in batch:
            row = by_id.get(entry_id)
            if row is not None:
                data = dict(row.data)
                if visible is not None and data.get("related_codes"):
                    data["related_codes"] = [code for code in data["related_codes"] if code in visible]
                yield {**data, "resource_code": row.resource_code, "category_code": row.category_code,
                       "provider": row.department_id}


def matching_export_ids(args, *, user) -> list[int]:
    """The entries an export of this search writes: what the user may see (the public: the open catalog)."""
    plain, filters = parse_search(args)
    public = policy.public_only(user)
    limit = current_app.config["PUBLIC_EXPORT_MAX_ENTRIES" if public else "EXPORT_MAX_ENTRIES"]
    return matching_ids(plain, filters, public_only=public, limit=limit)


def export(path, entry_ids: Iterable[int], *, user=None) -> None:
    """Write the entries to `path`; `user` is the person the web export is for (see `export_rows`)."""
    from importers.export import write_entries
    write_entries(path, export_rows(entry_ids, user=user), **reference())
