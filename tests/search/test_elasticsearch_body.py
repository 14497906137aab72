"""The Elasticsearch backend's mapping and request bodies (no server can run here: see the live module)."""
import pytest

from search.elasticsearch_backend import ElasticsearchBackend
from search.fields import facet_keys, fulltext_weights
from search.query import SearchQuery
from tests.search.conformance import ENTRIES, make_doc


class Indices:
    """Answers the two alias look-ups `alias_actions` makes."""

    def __init__(self, current):
        self.current = current

    def exists_alias(self, name):
        return bool(self.current)

    def get_alias(self, name):
        return {index: {"aliases": {name: {}}} for index in self.current}


class Client:
    def __init__(self, current=()):
        self.indices = Indices(list(current))


@pytest.fixture
def es(segmenter):
    return ElasticsearchBackend(segmenter, alias="catalog", client=Client(["catalog-1"]))


def test_mapping_has_pre_segmented_text_keyword_facets_and_strict_dynamic(es):
    mapping = es.mapping()
    properties = mapping["mappings"]["properties"]
    assert mapping["mappings"]["dynamic"] == "strict"
    assert mapping["settings"]["analysis"]["analyzer"]["catalog_ws"]["tokenizer"] == "whitespace"
    for key in fulltext_weights():
        assert properties[key] == {"type": "text", "analyzer": "catalog_ws"}
    for key in facet_keys():
        assert properties[f"facet_{key}"] == {"type": "keyword"}
    assert properties["stored"] == {"type": "object", "enabled": False}


def leaves(dsl):
    """Every leaf query (term, match, match_phrase, regexp) of a query body."""
    if isinstance(dsl, list):
        for item in dsl:
            yield from leaves(item)
    elif isinstance(dsl, dict):
        for key, value in dsl.items():
            if key in ("term", "match", "match_phrase", "regexp"):
                yield {key: value}
            else:
                yield from leaves(value)


def test_optional_chinese_analyzer_adds_a_subfield(segmenter):
    es = ElasticsearchBackend(segmenter, client=Client(), analyzer="ik_max_word")
    assert es.mapping()["mappings"]["properties"]["name"]["fields"] == {"cn": {"type": "text", "analyzer": "ik_max_word"}}
    body = es.build_search_body(SearchQuery(text="户籍"))
    assert {"match": {"name.cn": {"query": "户籍", "boost": 4.0, "operator": "and"}}} in list(leaves(body["query"]))


def test_source_matches_the_mapping(es, segmenter):
    source = es.source(make_doc(segmenter, *ENTRIES[0]))
    assert set(source) <= set(es.mapping()["mappings"]["properties"])
    assert source["facet_category_code"] == ["1", "101", "101001"] and source["public"] is False
    assert "户籍" in source["name"].split()


def test_mapping_has_substring_and_code_fields(es):
    properties = es.mapping()["mappings"]["properties"]
    assert properties["bigram"] == properties["name_grams"] == {"type": "text", "analyzer": "catalog_ws"}
    assert properties["codes"] == {"type": "keyword"}


def test_text_query_weights_fields_and_adds_bigram_phrases(es):
    found = list(leaves(es.build_search_body(SearchQuery(text="人社局"))["query"]))
    assert {"term": {"name": {"value": "人社局", "boost": 8.0}}} in found
    assert {"term": {"provider": {"value": "人社局", "boost": 1.0}}} in found
    # the run as a substring of the name (first) and of any text
    assert {"match_phrase": {"name_grams": {"query": "人社 社局", "boost": 6.0}}} in found
    assert {"match_phrase": {"bigram": {"query": "人社 社局", "boost": 1.5}}} in found
    # the synonym, as a word and as a substring, a little lower
    assert {"term": {"name": {"value": "市人力资源和社会保障局", "boost": 6.4}}} in found
    # a long synonym (the official name) is looked for in names, not through all the text (the costliest phrase)
    long_name = "市人 人力 力资 资源 源和 和社 社会 会保 保障 障局"
    assert {"match_phrase": {"name_grams": {"query": long_name, "boost": 4.800000000000001}}} in found
    assert not any(leaf.get("match_phrase", {}).get("bigram", {}).get("query") == long_name for leaf in found)
    # a shorter synonym (人社) only as a word: as characters it would hide in 个人社会保险
    assert {"term": {"name": {"value": "人社", "boost": 6.4}}} in found
    assert not any("人社" in (leaf.get("term", {}).get(f, {}).get("value", "") for f in ("bigram", "name_grams"))
                   for leaf in found)


def test_multi_word_query_requires_every_part(es):
    query = es.build_search_body(SearchQuery(text="户籍 人口"))["query"]["bool"]
    parts = query["must"][0]["bool"]["must"]
    assert len(parts) == 2
    assert {"term": {"name_grams": {"value": "户籍", "boost": 6.0}}} in list(leaves(parts[0]))
    assert {"term": {"name_grams": {"value": "人口", "boost": 6.0}}} in list(leaves(parts[1]))


def test_single_character_and_code_queries(es):
    found = list(leaves(es.build_search_body(SearchQuery(text="水"))["query"]))
    assert {"regexp": {"name_grams": {"value": "水|水.|.水", "boost": 6.0}}} in found
    found = list(leaves(es.build_search_body(SearchQuery(text="102005/000001"))["query"]))
    assert {"term": {"codes": {"value": "102005/000001", "boost": 60.0}}} in found
    assert {"regexp": {"codes": {"value": "102005\\/000001.*", "boost": 30.0}}} in found


def test_filters_visibility_exclusions_facets_sort_and_page(es):
    body = es.build_search_body(SearchQuery(
        text="", filters={"sharing_type": ["conditional", "not_shared"], "provider": ["10"]},
        facets=("sharing_type", "provider"), sort="name", page=3, per_page=20, public_only=True,
        exclude_ids=(5,)))
    query = body["query"]["bool"]
    assert query["must"] == [{"match_all": {}}]
    assert {"terms": {"facet_sharing_type": ["conditional", "not_shared"]}} in query["filter"]
    assert {"terms": {"facet_provider": ["10"]}} in query["filter"]
    assert {"term": {"public": True}} in query["filter"]
    assert query["must_not"] == [{"ids": {"values": ["5"]}}]
    assert body["aggs"]["provider"] == {"terms": {"field": "facet_provider", "size": 65000}}
    assert body["sort"] == [{"name_sort": "asc"}, {"id": "asc"}]
    assert (body["from"], body["size"], body["track_total_hits"]) == (40, 20, True)


def test_relevance_sort_without_text_falls_back_to_newest(es):
    assert es.build_search_body(SearchQuery())["sort"][0] == {"updated": "desc"}
    assert es.build_search_body(SearchQuery(text="户籍"))["sort"][0] == "_score"


def test_any_term_query_for_related_entries(es):
    must = es.build_search_body(SearchQuery(text="户籍 人口", any_term=True))["query"]["bool"]["must"]
    assert must[0]["bool"]["minimum_should_match"] == 1 and len(must[0]["bool"]["should"]) == 2


def test_suggest_body_asks_for_names_holding_what_was_typed(es):
    body = es.build_suggest_body("户籍", public_only=True, limit=8)
    assert {"term": {"name_grams": {"value": "户籍", "boost": 1.0}}} in list(leaves(body["query"]))
    assert body["query"]["bool"]["filter"] == [{"term": {"public": True}}]
    assert es.build_suggest_body("  ", public_only=False, limit=8) is None


def test_rebuild_swaps_the_alias_in_one_request(es):
    assert es.alias_actions("catalog-2") == [
        {"remove": {"index": "catalog-1", "alias": "catalog"}},
        {"add": {"index": "catalog-2", "alias": "catalog"}},
    ]
    first = ElasticsearchBackend(es.segmenter, client=Client())
    assert first.alias_actions("catalog-9") == [{"add": {"index": "catalog-9", "alias": "catalog"}}]


def test_fq_groups_exclusions_modified_range_local_only_and_offsets(es):
    body = es.build_search_body(SearchQuery(
        any_of=((("sharing_type", "conditional"), ("keywords", "环境")),), none_of=(("provider", "10"),),
        modified=(1_000_000, None), local_only=True, sort="modified_asc", per_page=7, start=13))
    query = body["query"]["bool"]
    assert {"bool": {"should": [{"term": {"facet_sharing_type": "conditional"}},
                                {"term": {"facet_keywords": "环境"}}], "minimum_should_match": 1}} in query["filter"]
    assert {"range": {"modified": {"gte": 1_000_000}}} in query["filter"]
    assert {"range": {"id": {"gte": 1}}} in query["filter"]
    assert query["must_not"] == [{"term": {"facet_provider": "10"}}]
    assert body["sort"] == [{"modified": "asc"}, {"id": "asc"}]
    assert (body["from"], body["size"]) == (13, 7)


def test_mapping_and_source_carry_the_modified_time(es, segmenter):
    assert es.mapping()["mappings"]["properties"]["modified"] == {"type": "long"}
    doc = make_doc(segmenter, *ENTRIES[0])
    assert es.source(doc)["modified"] == doc["modified"] > 0
