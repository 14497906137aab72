"""The open catalog (开放目录) as the DCAT export reads it: one page of open entries, or one open entry, with what
their descriptions need — from a fixed number of queries whatever the size of the page.

Which entries are open is the catalog policy's rule (`policy.can_see_published` for an anonymous visitor). The
SQL below narrows the rows to the same rule so that paging and counting happen in the database, and every row
read is then passed through the policy itself: if the two ever disagree, an entry is left out (and logged), never
shown to the public by mistake.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, raiseload

from app import catalog
from app.catalog import Category, Entry, EntryVersion, policy
from app.core.errors import NotFound
from app.core.http import NOT_FOUND_MESSAGE, NOT_FOUND_MESSAGE_EN
from app.extensions import db
from app.org import Department

log = logging.getLogger(__name__)

#: the public: the export is the open catalog whoever asks for it
PUBLIC = None


@dataclass(frozen=True)
class OpenEntry:
    """One entry of the open catalog: its published values as the portal shows them to the public."""

    id: int
    values: dict  # the schema's field keys (catalog.full_values) with the entry's 最近更新日期 as last_updated_on
    department: Department


@dataclass
class Lookups:
    """What a page's descriptions refer to, read once for the whole page."""

    category_names: dict[str, str] = field(default_factory=dict)  # classification code → name
    open_ids: dict[str, int] = field(default_factory=dict)  # resource code → id, of open entries only


@dataclass
class Page:
    number: int
    size: int
    total: int
    entries: list[OpenEntry]
    lookups: Lookups

    @property
    def last(self) -> int:
        return last_page(self.total, self.size)


def last_page(total: int, size: int) -> int:
    """The last page's number: 1 for an empty catalog (its one page has no datasets)."""
    return max(1, -(-total // size))


def _entries(query) -> list[Entry]:
    """Entries with their published versions joined in; nothing else may be loaded lazily (no N+1)."""
    query = (query.join(EntryVersion, Entry.published_version_id == EntryVersion.id).where(policy.open_published())
             .options(contains_eager(Entry.published_version), joinedload(Entry.department), raiseload("*")))
    entries = db.session.scalars(query).unique().all()
    visible = [entry for entry in entries if policy.can_see_published(PUBLIC, entry)]
    if len(visible) != len(entries):
        log.warning("the DCAT export's SQL took entries the policy does not show the public: %s",
                    sorted({e.id for e in entries} - {e.id for e in visible}))
    return visible


def count_open() -> int:
    return db.session.scalar(select(func.count(Entry.id))
                             .join(EntryVersion, Entry.published_version_id == EntryVersion.id).where(policy.open_published()))


def open_page(number: int, size: int, total: int) -> Page:
    """Page `number` (from 1) of the open catalog in the order entries were registered (new ones come last, so a
    harvester walking the pages misses nothing that existed when it began)."""
    entries = _entries(select(Entry).order_by(Entry.id).offset((number - 1) * size).limit(size))
    described = [_described(entry) for entry in entries]
    return Page(number=number, size=size, total=total, entries=described, lookups=lookups(described))


def open_entry(entry_id: int) -> tuple[OpenEntry, Lookups]:
    """One entry of the open catalog; any other id (missing, draft, retired, not open) is the portal's 404."""
    found = _entries(select(Entry).where(Entry.id == entry_id))
    if not found:
        raise NotFound(NOT_FOUND_MESSAGE, NOT_FOUND_MESSAGE_EN)
    entry = _described(found[0])
    return entry, lookups([entry])


def lookups(entries: list[OpenEntry]) -> Lookups:
    """The classification nodes the entries name (classification and topics), and which of the resource codes
    they relate to are open entries (a related entry outside the open catalog is not named at all)."""
    codes = {code for entry in entries for code in [entry.values.get("category_code"),
                                                    *(entry.values.get("topic_codes") or [])] if code}
    related = {code for entry in entries for code in entry.values.get("related_codes") or []}
    out = Lookups()
    if codes:
        out.category_names = dict(db.session.execute(
            select(Category.code, Category.name).where(Category.code.in_(sorted(codes)))).all())
    if related:
        out.open_ids = {entry.resource_code: entry.id for entry in
                        _entries(select(Entry).where(Entry.resource_code.in_(sorted(related))))}
    return out


def _described(entry: Entry) -> OpenEntry:
    version = entry.published_version
    values = catalog.full_values(entry, version)
    updated_on = catalog.last_updated_on(entry, version)
    if updated_on is not None:
        values["last_updated_on"] = updated_on.isoformat()
    return OpenEntry(id=entry.id, values=values, department=entry.department)
