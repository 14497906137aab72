"""Indexing services: published entries → search documents → the configured backend, through the outbox."""
from __future__ import annotations

import dataclasses
import itertools
import logging
import time
from typing import Callable, Iterable, Iterator

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from app import outbox
from app.catalog import (ENTRY, Category, Entry, EntryStatus, EntryVersion, freshness_status, last_updated_at,
                         modified_at)
from app.core.clock import today
from app.extensions import db
from app.org import Department
from search.base import SearchBackend, load_backend
from search.document import build_document
from search.query import SearchQuery
from search.segment import Segmenter
from search.spelling import close_terms

from . import vocabulary

log = logging.getLogger(__name__)
BATCH = 1000
VOCABULARY_CHECK_SECONDS = 2.0  # how stale a process's word lists may be after an admin saves them elsewhere


# ---- the backend --------------------------------------------------------------------------------------

def backend() -> SearchBackend:
    """The app's search backend, created on first use (it reads department names for the dictionary), with the
    word lists in force: a list an admin saved in any process is picked up within `VOCABULARY_CHECK_SECONDS`."""
    app = current_app._get_current_object()
    if "catalog_search" not in app.extensions:
        app.extensions["catalog_search"] = _make_backend(app)
        app.extensions["catalog_search_vocabulary"] = (vocabulary.version(), time.monotonic())
    else:
        seen, checked = app.extensions["catalog_search_vocabulary"]
        if time.monotonic() - checked >= VOCABULARY_CHECK_SECONDS:
            current = vocabulary.version()
            if current != seen:
                apply_vocabulary(app.extensions["catalog_search"].segmenter)
            app.extensions["catalog_search_vocabulary"] = (current, time.monotonic())
    return app.extensions["catalog_search"]


def apply_vocabulary(segmenter: Segmenter) -> None:
    """Give the segmenter the word lists in force and the departments' names."""
    words, groups = vocabulary.in_force()
    names, department_groups = department_vocabulary()
    segmenter.replace_vocabulary(words, groups + department_groups, names=names)


def vocabulary_saved() -> None:
    """This process applies a saved list on its next search (others within `VOCABULARY_CHECK_SECONDS`)."""
    app = current_app._get_current_object()
    if "catalog_search_vocabulary" in app.extensions:
        app.extensions["catalog_search_vocabulary"] = (-1, 0.0)


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
    segmenter = Segmenter(app.config["SEGMENTER"], defaults=False)
    apply_vocabulary(segmenter)
    cls = load_backend(app.config["SEARCH_BACKEND"])
    if cls.__name__ == "ElasticsearchBackend":
        return cls(segmenter, url=app.config["ELASTICSEARCH_URL"], alias=app.config["ELASTICSEARCH_INDEX"],
                   analyzer=app.config["ELASTICSEARCH_ANALYZER"] or None)
    return cls(segmenter, app.config["SEARCH_INDEX_PATH"])


# ---- the outbox ---------------------------------------------------------------------------------------

TOPIC = "search.index"


@ENTRY.fired.connect
def _entry_changed(transition: str, *, ids, **_kwargs) -> None:
    """A published or retired entry: its document must change. The message is written with the change."""
    if transition in ("publish", "retire"):
        outbox.emit_many(TOPIC, [(f"entry:{entry_id}", {"entry_id": entry_id}) for entry_id in ids])


def _apply(payloads: list[dict]) -> None:
    """The outbox consumer: each named entry's current state decides (published → indexed, otherwise → removed),
    so handling a message twice changes nothing."""
    from search.tantivy_backend import IndexBusy

    entry_ids = sorted({p["entry_id"] for p in payloads})
    documents = documents_for(_published(entry_ids))
    indexed = {d["id"] for d in documents}
    try:
        backend().apply(documents, [i for i in entry_ids if i not in indexed], blocking=False)
    except IndexBusy as busy:  # another process holds the index writer (a rebuild, another drainer)
        raise outbox.Retry(str(busy), seconds=1.0) from busy


outbox.register(TOPIC, _apply, batch=2500)


def pending() -> int:
    """Index messages waiting: the entries' and every document provider's."""
    return outbox.pending(TOPIC) + sum(outbox.pending(p.topic) for p in PROVIDERS.values() if p.topic)


# ---- other documents: providers in the layers above (harvested records) -----------------------------------

@dataclasses.dataclass(frozen=True)
class DocumentProvider:
    """Documents the index holds besides published entries (harvested records, whose ids are negative), registered
    by the module that owns them: a full reindex and the health check include them without importing it."""

    name: str
    all_documents: Callable[[], Iterable[dict]]
    count: Callable[[], int]
    topic: str | None = None  # its outbox topic: counted as pending, and made moot by a full reindex


PROVIDERS: dict[str, DocumentProvider] = {}


def register_documents(name: str, *, all_documents: Callable[[], Iterable[dict]], count: Callable[[], int],
                       topic: str | None = None) -> None:
    """Add a provider of documents (see `DocumentProvider`); registering a name again replaces it."""
    PROVIDERS[name] = DocumentProvider(name, all_documents, count, topic)


def _provided_documents() -> Iterator[dict]:
    for provider in list(PROVIDERS.values()):
        yield from provider.all_documents()


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
                "credit_code": d.credit_code, "ancestor_ids": ancestors}

    def path(self, code: str) -> list[str]:
        out, node = [], code
        while node is not None and node not in out:
            out.insert(0, node)
            node = self.parents.get(node)
        return out


def documents_for(entries: Iterable[Entry], lookups: _Lookups | None = None) -> list[dict]:
    lookups = lookups or _Lookups()
    segmenter = backend().segmenter
    day = today()
    out = []
    for entry in entries:
        version = entry.published_version
        out.append(build_document(
            entry_id=entry.id, resource_code=entry.resource_code, values=version.data,
            department=lookups.department(entry.department_id), category_path=lookups.path(entry.category_code),
            topic_paths=[lookups.path(code) for code in version.data.get("topic_codes") or []],
            updated_at=last_updated_at(entry, version), modified_at=modified_at(entry, version), segmenter=segmenter,
            derived={"freshness": freshness_status(entry.next_update_on, day)}))
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
    """Rebuild the whole index from the database (published entries and every provider's documents); index
    messages written meanwhile are handled afterwards."""
    marker = outbox.last_id()
    db.session.rollback()
    written = backend().rebuild(itertools.chain(_all_documents(), _provided_documents()), progress)
    outbox.discard(TOPIC, up_to_id=marker)
    for provider in PROVIDERS.values():
        if provider.topic:
            outbox.discard(provider.topic, up_to_id=marker)
    db.session.commit()
    outbox.drain()
    return written


def indexed_ids() -> set[int]:
    """Every entry id the index holds (for health checks and tests)."""
    return backend().ids()


def health() -> dict:
    """Counts in the index and in the database (published entries, and each provider's documents), and the outbox
    backlog; `in_step` is false when index and database differ with nothing waiting to be indexed."""
    indexed = backend().count()
    published = published_count()
    provided = {p.name: p.count() for p in PROVIDERS.values()}
    waiting = pending()
    return {"documents": indexed, "published": published, "provided": provided, "pending": waiting,
            "backlog": outbox.backlog(), "in_step": indexed == published + sum(provided.values()) or waiting > 0}


# ---- help when nothing is found ------------------------------------------------------------------------

def did_you_mean(text: str, *, public_only: bool, limit: int = 3) -> list[tuple[str, int]]:
    """Known terms close to a query that found nothing (department names and abbreviations, classification
    and topic names, the word lists), each with how many entries it finds for this visitor; only those that find
    something."""
    terms: set[str] = set()
    for name, short, aliases in db.session.execute(select(Department.name, Department.short_name, Department.aliases)):
        terms.update(t for t in [name, short, *(aliases or "").split(";")] if t)
    terms.update(db.session.scalars(select(Category.name)))
    words, groups = vocabulary.in_force()
    terms.update(words)
    terms.update(t for g in groups for t in g)
    out = []
    for term in close_terms(text, terms):
        total = backend().search(SearchQuery(text=term, per_page=1, public_only=public_only)).total
        if total:
            out.append((term, total))
        if len(out) == limit:
            break
    return out
