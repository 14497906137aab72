"""The embedded search backend: Tantivy (Rust, via its official Python bindings), no server needed.

The index lives in a directory beside the database. Any number of processes read it; one writes at a time
(an exclusive file lock, taken before Tantivy's own writer lock). Text arrives pre-segmented (see `segment`), so
fields use a whitespace tokenizer; facets are raw fast fields counted with Tantivy's terms aggregation.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import pathlib
import threading
from typing import Callable, Iterable

import tantivy

from .base import SearchBackend, rank_suggestions
from .fields import facet_keys, fulltext_weights
from .plan import BIGRAM_FIELD, CODES_FIELD, NAME_GRAMS_FIELD, AllOf, AnyOf, Best, Pattern, Phrase, Planner, Term
from .query import SearchQuery, SearchResult, Hit
from .segment import Segmenter

log = logging.getLogger(__name__)

TOKENIZER = "catalog_ws"
FACET_SIZE = 65000  # ≥ the number of distinct values, so counts are exact
WRITER_HEAP = 64_000_000
SCHEMA_VERSION = "3"  # 2: name bigrams, Latin and digit bigrams, and codes, for substring and code search
# 3: `modified` (when the registry last published a version), which the CKAN API filters and sorts by

# a sort (search.query.ALL_SORTS) other than by relevance → (fast field, direction)
SORT_FIELDS = {"updated": ("updated", "desc"), "updated_asc": ("updated", "asc"), "name": ("name_sort", "asc"),
               "name_desc": ("name_sort", "desc"), "modified": ("modified", "desc"),
               "modified_asc": ("modified", "asc")}


def facet_field(key: str) -> str:
    """Facet fields are raw copies beside the full-text fields (a field may be both, e.g. provider)."""
    return f"facet_{key}"


class IndexBusy(Exception):
    """Another process is writing the index (for example a rebuild); try again later."""


class TantivyBackend(SearchBackend):
    def __init__(self, segmenter: Segmenter, path: str | pathlib.Path | None = None):
        super().__init__(segmenter)
        self.planner = Planner(segmenter)
        self.path = pathlib.Path(path) if path else None
        self.schema = self._build_schema()
        if self.path is not None:
            self.path.mkdir(parents=True, exist_ok=True)
            self._check_version()
            self._index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        else:
            self._index = tantivy.Index(self.schema)
        analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).filter(
            tantivy.Filter.lowercase()).build()
        self._index.register_tokenizer(TOKENIZER, analyzer)
        self._thread_lock = threading.Lock()

    # ---- schema -------------------------------------------------------------------------------------

    def _build_schema(self) -> tantivy.Schema:
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("id", stored=True, indexed=True, fast=True)
        for key in fulltext_weights():
            builder.add_text_field(key, tokenizer_name=TOKENIZER, index_option="position")
        builder.add_text_field(BIGRAM_FIELD, tokenizer_name=TOKENIZER, index_option="position")
        builder.add_text_field(NAME_GRAMS_FIELD, tokenizer_name=TOKENIZER, index_option="position")
        builder.add_text_field(CODES_FIELD, tokenizer_name="raw", index_option="basic")
        for key in facet_keys():
            builder.add_text_field(facet_field(key), tokenizer_name="raw", fast=True, index_option="basic")
        builder.add_text_field("public", tokenizer_name="raw", index_option="basic")
        builder.add_integer_field("updated", fast=True, indexed=False)
        builder.add_integer_field("modified", fast=True, indexed=True)
        builder.add_text_field("name_sort", tokenizer_name="raw", fast=True, index_option="basic")
        builder.add_text_field("stored", stored=True, index_option="basic", tokenizer_name="raw")
        return builder.build()

    def _check_version(self) -> None:
        """An index written by an older field layout is cleared (then `reindex` fills it)."""
        marker = self.path / "catalog-schema-version"
        layout = SCHEMA_VERSION + ":" + ",".join(list(fulltext_weights()) + list(facet_keys()))
        if marker.exists() and marker.read_text() == layout:
            return
        if marker.exists():
            log.warning("search index field layout changed: the index was cleared, run `catalog reindex`")
        for child in self.path.iterdir():
            if child.is_file():
                child.unlink()
        marker.write_text(layout)

    # ---- writing ------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writer(self, blocking: bool = True):
        with self._thread_lock:
            lock_file = None
            if self.path is not None:
                lock_file = open(self.path / ".catalog-writer.lock", "w")
                try:
                    fcntl.flock(lock_file, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
                except BlockingIOError:
                    lock_file.close()
                    raise IndexBusy("the search index is being written by another process") from None
            try:
                writer = self._index.writer(WRITER_HEAP, 1)
                try:
                    yield writer
                    writer.commit()
                    writer.wait_merging_threads()
                except BaseException:
                    writer.rollback()
                    raise
            finally:
                if lock_file is not None:
                    fcntl.flock(lock_file, fcntl.LOCK_UN)
                    lock_file.close()
        self._index.reload()

    def _document(self, doc: dict) -> tantivy.Document:
        out = tantivy.Document()
        out.add_integer("id", doc["id"])
        for key, text in doc["text"].items():
            if text:
                out.add_text(key, text)
        out.add_text(BIGRAM_FIELD, doc["bigrams"])
        out.add_text(NAME_GRAMS_FIELD, doc["name_grams"])
        for code in doc["codes"]:
            out.add_text(CODES_FIELD, code)
        for key, values in doc["facets"].items():
            for value in values:
                out.add_text(facet_field(key), str(value))
        out.add_text("public", "1" if doc["public"] else "0")
        out.add_integer("updated", int(doc["updated"]))
        out.add_integer("modified", int(doc.get("modified", doc["updated"])))
        out.add_text("name_sort", doc["name_sort"])
        out.add_text("stored", json.dumps(doc["stored"], ensure_ascii=False))
        return out

    def index(self, documents: Iterable[dict], *, blocking: bool = True) -> int:
        documents = list(documents)
        if not documents:
            return 0
        with self._writer(blocking) as writer:
            for doc in documents:
                writer.delete_documents_by_term("id", doc["id"])
                writer.add_document(self._document(doc))
        return len(documents)

    def delete(self, ids: Iterable[int], *, blocking: bool = True) -> None:
        ids = list(ids)
        if not ids:
            return
        with self._writer(blocking) as writer:
            for doc_id in ids:
                writer.delete_documents_by_term("id", int(doc_id))

    def apply(self, upserts: list[dict], deletions: list[int], *, blocking: bool = True) -> None:
        """Index and delete in one commit (what the outbox applier uses)."""
        if not upserts and not deletions:
            return
        with self._writer(blocking) as writer:
            for doc_id in deletions:
                writer.delete_documents_by_term("id", int(doc_id))
            for doc in upserts:
                writer.delete_documents_by_term("id", doc["id"])
                writer.add_document(self._document(doc))

    def rebuild(self, documents: Iterable[dict], progress: Callable[[int], None] | None = None,
                *, blocking: bool = True) -> int:
        written = 0
        with self._writer(blocking) as writer:
            writer.delete_all_documents()
            for doc in documents:
                writer.add_document(self._document(doc))
                written += 1
                if progress and written % 1000 == 0:
                    progress(1000)
        if progress:
            progress(written % 1000)
        return written

    # ---- reading ------------------------------------------------------------------------------------

    def _searcher(self) -> tantivy.Searcher:
        self._index.reload()  # see commits made by other processes
        return self._index.searcher()

    def count(self) -> int:
        return self._searcher().num_docs

    def ids(self) -> set[int]:
        searcher = self._searcher()
        result = searcher.search(tantivy.Query.all_query(), limit=max(searcher.num_docs, 1), count=False)
        return {searcher.doc(address)["id"][0] for _score, address in result.hits}

    def translate(self, clause) -> tantivy.Query:
        """A `search.plan` clause as a Tantivy query."""
        if isinstance(clause, Term):
            query = tantivy.Query.term_query(self.schema, clause.field, clause.value)
        elif isinstance(clause, Phrase):
            query = (tantivy.Query.term_query(self.schema, clause.field, clause.tokens[0]) if len(clause.tokens) == 1
                     else tantivy.Query.phrase_query(self.schema, clause.field, list(clause.tokens)))
        elif isinstance(clause, Pattern):
            query = tantivy.Query.regex_query(self.schema, clause.field, clause.regex)
        elif isinstance(clause, (AnyOf, AllOf)):
            occur = tantivy.Occur.Should if isinstance(clause, AnyOf) else tantivy.Occur.Must
            query = tantivy.Query.boolean_query([(occur, self.translate(c)) for c in clause.clauses])
        elif isinstance(clause, Best):
            return tantivy.Query.disjunction_max_query([self.translate(c) for c in clause.clauses], clause.tie)
        else:
            raise TypeError(f"unknown clause {clause!r}")
        return query if clause.boost == 1.0 else tantivy.Query.boost_query(query, clause.boost)

    def _filter_clauses(self, query: SearchQuery) -> list[tuple]:
        clauses = []
        for key, values in query.filters.items():
            values = [v for v in values if v not in (None, "")]
            if not values:
                continue
            field = facet_field(key)
            terms = [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, field, str(v))) for v in values]
            clauses.append((tantivy.Occur.Must, tantivy.Query.boolean_query(terms)))
        if query.public_only:
            clauses.append((tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "public", "1")))
        for doc_id in query.exclude_ids:
            clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_query(self.schema, "id", int(doc_id))))
        for group in query.any_of:
            terms = [(tantivy.Occur.Should, self._facet_term(key, value)) for key, value in group]
            clauses.append((tantivy.Occur.Must, tantivy.Query.boolean_query(terms)))
        for key, value in query.none_of:
            clauses.append((tantivy.Occur.MustNot, self._facet_term(key, value)))
        if query.modified is not None and query.modified != (None, None):
            low, high = query.modified
            clauses.append((tantivy.Occur.Must, tantivy.Query.range_query(
                self.schema, "modified", tantivy.FieldType.Integer, low, high)))
        if query.local_only:
            clauses.append((tantivy.Occur.Must, tantivy.Query.range_query(
                self.schema, "id", tantivy.FieldType.Integer, 1, None)))
        return clauses

    def _facet_term(self, key: str, value: str) -> tantivy.Query:
        return tantivy.Query.term_query(self.schema, facet_field(key), str(value))

    def build_query(self, query: SearchQuery) -> tantivy.Query:
        plan = self.planner.plan(query.text, any_term=query.any_term)
        text = tantivy.Query.all_query() if plan.clause is None else self.translate(plan.clause)
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, text)] + self._filter_clauses(query))

    def search(self, query: SearchQuery) -> SearchResult:
        searcher = self._searcher()
        tq = self.build_query(query)
        # per_page 0 asks for the count and facets only (Tantivy's limit must be positive: one hit, left unread)
        kwargs = {"limit": max(1, query.per_page), "offset": query.offset, "count": True}
        order = SORT_FIELDS.get("updated" if query.sort == "relevance" and not query.text.strip() else query.sort)
        if order is not None:
            kwargs.update(order_by_field=order[0], order=tantivy.Order.Desc if order[1] == "desc" else tantivy.Order.Asc)
        result = searcher.search(tq, **kwargs)
        hits = []
        for score, address in result.hits[:query.per_page]:
            doc = searcher.doc(address)
            hits.append(Hit(id=doc["id"][0], score=float(score) if isinstance(score, float) else 0.0,
                            fields=json.loads(doc["stored"][0])))
        facets = {}
        if query.facets:
            aggs = {key: {"terms": {"field": facet_field(key), "size": FACET_SIZE}} for key in query.facets}
            raw = searcher.aggregate(tq, aggs)
            facets = {key: {b["key"]: b["doc_count"] for b in raw[key]["buckets"]} for key in query.facets}
        return SearchResult(hits=hits, total=result.count or 0, facets=facets,
                            terms=self.planner.highlight_terms(query.text))

    def suggest(self, prefix: str, *, public_only: bool, limit: int = 8) -> list[str]:
        clause = self.planner.suggest_clause(prefix)
        if clause is None:
            return []
        clauses = [(tantivy.Occur.Must, self.translate(clause))]
        if public_only:
            clauses.append((tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "public", "1")))
        searcher = self._searcher()
        result = searcher.search(tantivy.Query.boolean_query(clauses), limit=limit * 4, count=False)
        names = [json.loads(searcher.doc(address)["stored"][0])["name"] for _score, address in result.hits]
        return rank_suggestions(prefix, names, limit)
