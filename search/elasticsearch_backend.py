"""The Elasticsearch backend (for scale), on the official `elasticsearch` client.

Text arrives pre-segmented like for the embedded engine, so a plain Elasticsearch with its built-in whitespace
tokenizer is enough; a Chinese analyzer plugin (`ik_max_word`, `smartcn`) can be named to add an analysed
sub-field. The app searches an alias; `rebuild` fills a new index and swaps the alias in one request.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Callable, Iterable

from .base import SearchBackend, rank_suggestions
from .fields import facet_keys, fulltext_weights
from .plan import BIGRAM_FIELD, CODES_FIELD, NAME_GRAMS_FIELD, AllOf, AnyOf, Best, Pattern, Phrase, Planner, Term
from .query import Hit, SearchQuery, SearchResult
from .segment import Segmenter

log = logging.getLogger(__name__)

ANALYZER = "catalog_ws"
FACET_SIZE = 65000
BULK_CHUNK = 1000


# a sort (search.query.ALL_SORTS) other than by relevance → (field, direction), as in the embedded backend
SORT_FIELDS = {"updated": ("updated", "desc"), "updated_asc": ("updated", "asc"), "name": ("name_sort", "asc"),
               "name_desc": ("name_sort", "desc"), "modified": ("modified", "desc"),
               "modified_asc": ("modified", "asc")}


def facet_field(key: str) -> str:
    return f"facet_{key}"


class ElasticsearchBackend(SearchBackend):
    def __init__(self, segmenter: Segmenter, url: str | None = None, alias: str = "catalog",
                 analyzer: str | None = None, client=None):
        super().__init__(segmenter)
        self.planner = Planner(segmenter)
        self.alias = alias
        self.analyzer = analyzer
        if client is None:
            from elasticsearch import Elasticsearch
            if not url:
                raise ValueError("CATALOG_ELASTICSEARCH_URL is not set")
            client = Elasticsearch(url, request_timeout=30)
        self.client = client

    # ---- index definition ---------------------------------------------------------------------------

    def mapping(self) -> dict:
        """Settings and mappings of a catalog index."""
        text = {"type": "text", "analyzer": ANALYZER}
        if self.analyzer:
            text = {**text, "fields": {"cn": {"type": "text", "analyzer": self.analyzer}}}
        properties: dict = {"id": {"type": "long"}}
        for key in fulltext_weights():
            properties[key] = dict(text)
        properties[BIGRAM_FIELD] = {"type": "text", "analyzer": ANALYZER}
        properties[NAME_GRAMS_FIELD] = {"type": "text", "analyzer": ANALYZER}
        properties[CODES_FIELD] = {"type": "keyword"}
        for key in facet_keys():
            properties[facet_field(key)] = {"type": "keyword"}
        properties.update({
            "public": {"type": "boolean"},
            "updated": {"type": "long"},
            "modified": {"type": "long"},
            "name_sort": {"type": "keyword"},
            "stored": {"type": "object", "enabled": False},
        })
        return {
            "settings": {"number_of_shards": 1, "analysis": {"analyzer": {ANALYZER: {
                "type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]}}}},
            "mappings": {"dynamic": "strict", "properties": properties},
        }

    def source(self, doc: dict) -> dict:
        """A search document as stored in Elasticsearch."""
        out = {"id": doc["id"], BIGRAM_FIELD: doc["bigrams"], NAME_GRAMS_FIELD: doc["name_grams"],
               CODES_FIELD: list(doc["codes"]), "public": bool(doc["public"]),
               "updated": int(doc["updated"]), "modified": int(doc.get("modified", doc["updated"])), "name_sort": doc["name_sort"], "stored": doc["stored"]}
        out.update({key: text for key, text in doc["text"].items()})
        out.update({facet_field(key): [str(v) for v in values] for key, values in doc["facets"].items()})
        return out

    # ---- query building ---------------------------------------------------------------------------

    def translate(self, clause) -> dict:
        """A `search.plan` clause as Elasticsearch query DSL."""
        if isinstance(clause, Term):
            term = {"term": {clause.field: {"value": clause.value, "boost": clause.boost}}}
            if self.analyzer and clause.field in fulltext_weights():
                # the optional server-side Chinese analyzer's sub-field, as a second way to match the word
                return {"dis_max": {"queries": [term, {"match": {f"{clause.field}.cn": {
                    "query": clause.value, "boost": clause.boost * 0.5, "operator": "and"}}}]}}
            return term
        if isinstance(clause, Phrase):
            if len(clause.tokens) == 1:
                return {"term": {clause.field: {"value": clause.tokens[0], "boost": clause.boost}}}
            return {"match_phrase": {clause.field: {"query": " ".join(clause.tokens), "boost": clause.boost}}}
        if isinstance(clause, Pattern):
            return {"regexp": {clause.field: {"value": clause.regex, "boost": clause.boost}}}
        if isinstance(clause, AnyOf):
            return {"bool": {"should": [self.translate(c) for c in clause.clauses], "minimum_should_match": 1,
                             "boost": clause.boost}}
        if isinstance(clause, AllOf):
            return {"bool": {"must": [self.translate(c) for c in clause.clauses], "boost": clause.boost}}
        if isinstance(clause, Best):
            return {"dis_max": {"queries": [self.translate(c) for c in clause.clauses], "tie_breaker": clause.tie}}
        raise TypeError(f"unknown clause {clause!r}")

    def build_query(self, query: SearchQuery) -> dict:
        plan = self.planner.plan(query.text, any_term=query.any_term)
        boolean: dict = {"must": [{"match_all": {}} if plan.clause is None else self.translate(plan.clause)]}
        filters = [{"terms": {facet_field(key): [str(v) for v in values]}}
                   for key, values in query.filters.items() if values]
        if query.public_only:
            filters.append({"term": {"public": True}})
        for group in query.any_of:
            filters.append({"bool": {"should": [{"term": {facet_field(k): str(v)}} for k, v in group],
                                     "minimum_should_match": 1}})
        if query.modified is not None and query.modified != (None, None):
            low, high = query.modified
            filters.append({"range": {"modified": {k: v for k, v in (("gte", low), ("lte", high)) if v is not None}}})
        if query.local_only:
            filters.append({"range": {"id": {"gte": 1}}})
        if filters:
            boolean["filter"] = filters
        must_not = [{"term": {facet_field(k): str(v)}} for k, v in query.none_of]
        if query.exclude_ids:
            must_not.append({"ids": {"values": [str(i) for i in query.exclude_ids]}})
        if must_not:
            boolean["must_not"] = must_not
        return {"bool": boolean}

    def build_search_body(self, query: SearchQuery) -> dict:
        """The whole request body of a search (query, facets, sort, page)."""
        order = SORT_FIELDS.get("updated" if query.sort == "relevance" and not query.text.strip() else query.sort)
        sort = ([{order[0]: order[1]}, {"id": "asc"}] if order is not None else ["_score", {"id": "asc"}])
        body = {"query": self.build_query(query), "sort": sort, "from": query.offset, "size": query.per_page,
                "track_total_hits": True, "_source": ["id", "stored"]}
        if query.facets:
            body["aggs"] = {key: {"terms": {"field": facet_field(key), "size": FACET_SIZE}} for key in query.facets}
        return body

    # ---- requests -----------------------------------------------------------------------------------

    def _ensure_index(self) -> None:
        if not self.client.indices.exists_alias(name=self.alias):
            name = self._new_index_name()
            self.client.indices.create(index=name, **self.mapping())
            self.client.indices.put_alias(index=name, name=self.alias)

    def _new_index_name(self) -> str:
        return f"{self.alias}-{dt.datetime.now(dt.timezone.utc).strftime('%Y%m%d%H%M%S%f')}"

    def _bulk(self, actions: Iterable[dict], index: str) -> int:
        from elasticsearch import helpers
        written, _errors = helpers.bulk(self.client, actions, index=index, chunk_size=BULK_CHUNK,
                                        raise_on_error=True, refresh="wait_for")
        return written

    def index(self, documents: Iterable[dict]) -> int:
        self._ensure_index()
        return self._bulk(({"_op_type": "index", "_id": str(d["id"]), "_source": self.source(d)}
                           for d in documents), self.alias)

    def delete(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        self._ensure_index()
        from elasticsearch import helpers
        helpers.bulk(self.client, ({"_op_type": "delete", "_id": str(i)} for i in ids), index=self.alias,
                     raise_on_error=False, refresh="wait_for")

    def search(self, query: SearchQuery) -> SearchResult:
        self._ensure_index()
        body = self.build_search_body(query)
        body["from_"] = body.pop("from")
        body["source"] = body.pop("_source")
        response = self.client.search(index=self.alias, **body)
        hits = [Hit(id=int(h["_source"]["id"]), score=float(h.get("_score") or 0.0), fields=h["_source"]["stored"])
                for h in response["hits"]["hits"]]
        facets = {key: {b["key"]: b["doc_count"] for b in response["aggregations"][key]["buckets"]}
                  for key in query.facets} if query.facets else {}
        return SearchResult(hits=hits, total=response["hits"]["total"]["value"], facets=facets,
                            terms=self.planner.highlight_terms(query.text))

    def build_suggest_body(self, prefix: str, public_only: bool, limit: int) -> dict | None:
        clause = self.planner.suggest_clause(prefix)
        if clause is None:
            return None
        boolean: dict = {"must": [self.translate(clause)]}
        if public_only:
            boolean["filter"] = [{"term": {"public": True}}]
        return {"query": {"bool": boolean}, "size": limit * 4, "_source": ["stored.name"]}

    def suggest(self, prefix: str, *, public_only: bool, limit: int = 8) -> list[str]:
        body = self.build_suggest_body(prefix, public_only, limit)
        if body is None:
            return []
        self._ensure_index()
        body["source"] = body.pop("_source")
        response = self.client.search(index=self.alias, **body)
        return rank_suggestions(prefix, [hit["_source"]["stored"]["name"] for hit in response["hits"]["hits"]], limit)

    def alias_actions(self, new_index: str) -> list[dict]:
        """One atomic request: point the alias at the new index and away from every older one."""
        old = list(self.client.indices.get_alias(name=self.alias)) if self.client.indices.exists_alias(
            name=self.alias) else []
        return ([{"remove": {"index": name, "alias": self.alias}} for name in old]
                + [{"add": {"index": new_index, "alias": self.alias}}])

    def rebuild(self, documents: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
        new_index = self._new_index_name()
        self.client.indices.create(index=new_index, **self.mapping())
        written = 0

        def actions():
            nonlocal written
            for doc in documents:
                written += 1
                if progress and written % 1000 == 0:
                    progress(1000)
                yield {"_op_type": "index", "_id": str(doc["id"]), "_source": self.source(doc)}

        self._bulk(actions(), new_index)
        if progress:
            progress(written % 1000)
        actions_list = self.alias_actions(new_index)
        self.client.indices.update_aliases(actions=actions_list)
        for action in actions_list:
            if "remove" in action:
                self.client.indices.delete(index=action["remove"]["index"])
        return written

    def count(self) -> int:
        self._ensure_index()
        return int(self.client.count(index=self.alias)["count"])

    def ids(self) -> set[int]:
        from elasticsearch import helpers

        self._ensure_index()
        self.client.indices.refresh(index=self.alias)
        return {int(hit["_id"]) for hit in helpers.scan(self.client, index=self.alias, query={"_source": False})}
