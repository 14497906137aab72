"""Harvested records in the search index: one document per record still at its source, with id = minus the record
id (entry ids are positive, so the two never collide) and the source's name in the stored fields. The document's
department and classification facets stay empty: a district's bureau is not one of our departments, and the portal's
pages that list entries of a department or of a classification item (a department's page, an entry's 相关信息资源)
link and describe their hits as local entries. Full text, the code search (resource code, the organization's credit
code) and the other facets (sharing type, openness, format, update cycle, keywords) work as for entries.

Documents change after commit only, through the `harvest.index` outbox topic written in the run's transaction; a
full `catalog reindex` includes them through the provider registered with `app.indexing`.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import indexing, outbox
from app.extensions import db
from catalog_schema import get_schema
from search.document import build_document
from search.fields import TREE_TYPES, facet_keys

from .mapping import values_of
from .models import HarvestedEntry

TOPIC = "harvest.index"
BATCH = 1000


def documents_for(records: Iterable[HarvestedEntry]) -> list[dict]:
    """Search documents of records still at their source."""
    segmenter = indexing.backend().segmenter
    schema = get_schema()
    out = []
    for record in records:
        if record.removed_at is not None:
            continue
        values = values_of(record.package)
        department = {"id": 0, "name": record.organization_title or record.source.name, "short_name": None,
                      "aliases": "", "credit_code": record.organization_credit_code, "ancestor_ids": []}
        document = build_document(
            entry_id=record.document_id, resource_code=record.resource_code or record.remote_name, values=values,
            department=department, category_path=[], topic_paths=[],
            updated_at=record.metadata_modified or record.last_harvested_at, segmenter=segmenter)
        for key in facet_keys():
            if schema.field(key).type in TREE_TYPES:
                document["facets"][key] = []  # not one of our departments, nor (for our pages) our classification
        document["public"] = bool(record.public)
        document["stored"].update(department_id=None, harvest_source=record.source.name, harvest_record=record.id)
        out.append(document)
    return out


def _records(ids: list[int]) -> list[HarvestedEntry]:
    return db.session.scalars(select(HarvestedEntry).options(joinedload(HarvestedEntry.source))
                              .where(HarvestedEntry.id.in_(ids))).all()


def _apply(payloads: list[dict]) -> None:
    """The outbox consumer: each named record's current state decides (at its source → indexed, removed → out of
    the index), so handling a message twice changes nothing."""
    from search.tantivy_backend import IndexBusy

    ids = sorted({int(p["record_id"]) for p in payloads})
    documents = documents_for(_records(ids))
    kept = {-d["id"] for d in documents}
    try:
        indexing.backend().apply(documents, [-i for i in ids if i not in kept], blocking=False)
    except IndexBusy as busy:
        raise outbox.Retry(str(busy), seconds=1.0) from busy


outbox.register(TOPIC, _apply, batch=500)


def emit(record_ids: Iterable[int]) -> None:
    """Index messages for records a run changed, written in the run's transaction."""
    outbox.emit_many(TOPIC, [(f"harvested:{i}", {"record_id": i}) for i in sorted(set(record_ids))])


def _active():
    return (select(HarvestedEntry).options(joinedload(HarvestedEntry.source))
            .where(HarvestedEntry.removed_at.is_(None)).order_by(HarvestedEntry.id))


def all_documents() -> Iterator[dict]:
    """Every record still at its source, as documents (a full reindex)."""
    last_id = 0
    while True:
        batch = db.session.scalars(_active().where(HarvestedEntry.id > last_id).limit(BATCH)).all()
        if not batch:
            return
        yield from documents_for(batch)
        last_id = batch[-1].id
        db.session.expunge_all()


def count() -> int:
    """How many documents the index should hold for harvested records."""
    return db.session.scalar(select(func.count(HarvestedEntry.id)).where(HarvestedEntry.removed_at.is_(None)))


def register() -> None:
    """Harvested records join a full reindex and the health counts (app.indexing knows no harvest)."""
    indexing.register_documents("harvest", all_documents=all_documents, count=count, topic=TOPIC)


register()
