"""Indexing services: published entries → search documents → the configured backend, through the outbox."""
from __future__ import annotations

import logging
from typing import Callable, Iterable, Iterator

from flask import current_app, g, has_app_context
from sqlalchemy import delete, func, select
from sqlalchemy.orm import contains_eager

from app.catalog import signals
from app.catalog.models import Category, Entry, EntryStatus, EntryVersion
from app.extensions import db
from app.org.models import Department
from search.base import SearchBackend, load_backend
from search.document import build_document
from search.segment import Segmenter

from .models import IndexOutbox

log = logging.getLogger(__name__)
BATCH = 1000


# ---- the backend --------------------------------------------------------------------------------------

def backend() -> SearchBackend:
    """The app's search backend, created on first use (it reads department names for the dictionary)."""
    app = current_app._get_current_object()
    if "catalog_search" not in app.extensions:
        app.extensions["catalog_search"] = _make_backend(app)
    return app.extensions["catalog_search"]


def department_vocabulary() -> tuple[list[str], list[list[str]]]:
    """Words for the segmenter and synonym groups: each department's name, short name and aliases."""
    words, groups = [], []
    for name, short, aliases in db.session.execute(select(Department.name, Department.short_name, Department.aliases)):
        group = [name, short] + [a for a in (aliases or "").split(";") if a]
        group = [w for w in group if w]
        words.extend(group)
        groups.append(group)
    return words, groups


def _make_backend(app) -> SearchBackend:
    words, groups = department_vocabulary()
    segmenter = Segmenter(app.config["SEGMENTER"], words=words, synonyms=groups)
    cls = load_backend(app.config["SEARCH_BACKEND"])
    if cls.__name__ == "ElasticsearchBackend":
        return cls(segmenter, url=app.config["ELASTICSEARCH_URL"], alias=app.config["ELASTICSEARCH_INDEX"],
                   analyzer=app.config["ELASTICSEARCH_ANALYZER"] or None)
    return cls(segmenter, app.config["SEARCH_INDEX_PATH"])


# ---- the outbox ---------------------------------------------------------------------------------------

@signals.entry_published.connect
@signals.entry_retired.connect
def _entry_changed(entry: Entry, **_kwargs) -> None:
    db.session.add(IndexOutbox(entry_id=entry.id))
    if has_app_context():
        g.index_dirty = True


@signals.entries_published.connect
def _entries_changed(entry_ids: list[int], **_kwargs) -> None:
    from sqlalchemy import insert
    db.session.execute(insert(IndexOutbox), [{"entry_id": i} for i in entry_ids])
    if has_app_context():
        g.index_dirty = True


def pending() -> int:
    return db.session.scalar(select(func.count(IndexOutbox.id)))


def apply_outbox(*, blocking: bool = False, limit: int = 5000) -> int:
    """Bring the index up to date with committed changes. Call it after a commit, outside any transaction.

    Non-blocking by default: when another process holds the index writer (a rebuild, another worker applying
    the same rows), return and leave the rows for it. Returns the number of entries applied.
    """
    from search.tantivy_backend import IndexBusy

    rows = db.session.execute(select(IndexOutbox.id, IndexOutbox.entry_id).order_by(IndexOutbox.id).limit(limit)).all()
    if not rows:
        return 0
    entry_ids = sorted({entry_id for _id, entry_id in rows})
    documents = documents_for(_published(entry_ids))
    indexed = {d["id"] for d in documents}
    try:
        backend().apply(documents, [i for i in entry_ids if i not in indexed], blocking=blocking)
    except IndexBusy:
        db.session.rollback()
        return 0
    db.session.execute(delete(IndexOutbox).where(IndexOutbox.id.in_([row_id for row_id, _e in rows])))
    db.session.commit()
    return len(entry_ids)


def up_to_date_backend() -> SearchBackend:
    """The backend for reading, after applying whatever was committed but not yet indexed."""
    if db.session.scalar(select(IndexOutbox.id).limit(1)) is not None:
        apply_outbox_quietly()
    return backend()


def apply_outbox_quietly() -> None:
    """After a request: never fail the user's request because the index could not be updated right now."""
    try:
        apply_outbox()
    except Exception:  # the rows stay in the outbox; the next write, search or `reindex` applies them
        db.session.rollback()
        log.exception("applying the search outbox failed")


# ---- documents ----------------------------------------------------------------------------------------

def _published(entry_ids: Iterable[int]) -> list[Entry]:
    entry_ids = list(entry_ids)
    if not entry_ids:
        return []
    return db.session.scalars(_published_query().where(Entry.id.in_(entry_ids))).unique().all()


def _published_query():
    return (select(Entry).join(EntryVersion, Entry.published_version_id == EntryVersion.id)
            .where(Entry.status == EntryStatus.published)
            .options(contains_eager(Entry.published_version)).order_by(Entry.id))


class _Lookups:
    """Department and category trees held in memory while building documents (no query per entry)."""

    def __init__(self):
        self.departments = {d.id: d for d in db.session.scalars(select(Department))}
        self.parents = dict(db.session.execute(select(Category.code, Category.parent_code)).all())

    def department(self, department_id: int) -> dict:
        d = self.departments[department_id]
        ancestors, parent = [], d.parent_id
        while parent is not None and parent not in ancestors:
            ancestors.insert(0, parent)
            parent = self.departments[parent].parent_id
        return {"id": d.id, "name": d.name, "short_name": d.short_name, "aliases": d.aliases,
                "ancestor_ids": ancestors}

    def path(self, code: str) -> list[str]:
        out, node = [], code
        while node is not None and node not in out:
            out.insert(0, node)
            node = self.parents.get(node)
        return out


def documents_for(entries: Iterable[Entry], lookups: _Lookups | None = None) -> list[dict]:
    lookups = lookups or _Lookups()
    segmenter = backend().segmenter
    out = []
    for entry in entries:
        version = entry.published_version
        out.append(build_document(
            entry_id=entry.id, resource_code=entry.resource_code, values=version.data,
            department=lookups.department(entry.department_id), category_path=lookups.path(entry.category_code),
            topic_paths=[lookups.path(code) for code in version.data.get("topic_codes") or []],
            updated_at=version.published_at or entry.updated_at, segmenter=segmenter))
    return out


def _all_documents() -> Iterator[dict]:
    lookups = _Lookups()
    last_id = 0
    while True:
        batch = db.session.scalars(_published_query().where(Entry.id > last_id).limit(BATCH)).unique().all()
        if not batch:
            return
        yield from documents_for(batch, lookups)
        last_id = batch[-1].id
        db.session.expunge_all()


def published_count() -> int:
    return db.session.scalar(select(func.count(Entry.id)).where(Entry.status == EntryStatus.published))


def reindex(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database; changes committed meanwhile are applied afterwards."""
    marker = db.session.scalar(select(func.max(IndexOutbox.id))) or 0
    written = backend().rebuild(_all_documents(), progress)
    db.session.execute(delete(IndexOutbox).where(IndexOutbox.id <= marker))
    db.session.commit()
    apply_outbox(blocking=True)
    return written


def health() -> dict:
    """Counts in the index and in the database; `in_step` is false when they differ with nothing pending."""
    indexed = backend().count()
    published = published_count()
    waiting = pending()
    return {"documents": indexed, "published": published, "pending": waiting,
            "in_step": indexed == published or waiting > 0}
