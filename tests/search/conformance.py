"""Conformance tests every search backend must pass. A test module imports them and supplies `backend`
(an empty backend) — see test_tantivy.py and test_elasticsearch_live.py."""
import datetime as dt

import pytest

from search.document import build_document
from search.query import SearchQuery

DEPARTMENTS = {
    6: {"id": 6, "name": "市公安局", "short_name": "公安局", "aliases": "公安", "ancestor_ids": [],
        "credit_code": "11440100MB2C92412X"},
    10: {"id": 10, "name": "市人力资源和社会保障局", "short_name": "人社局", "aliases": "人社;人力社保局", "ancestor_ids": []},
    23: {"id": 23, "name": "市市场监督管理局", "short_name": "市场监管局", "aliases": "市监局", "ancestor_ids": []},
    35: {"id": 35, "name": "国家税务总局示例市税务局", "short_name": "税务局", "aliases": "", "ancestor_ids": []},
    12: {"id": 12, "name": "市生态环境局", "short_name": "生态环境局", "aliases": "环保局", "ancestor_ids": []},
    48: {"id": 48, "name": "东城区民政局", "short_name": "东城民政局", "aliases": "", "ancestor_ids": [47]},
}

ENTRIES = [
    # id, name, summary, items, department, category path, sharing, format, public, days ago
    (1, "户籍人口基本信息", "本市户籍人口的姓名、性别、民族、出生日期等登记信息。", ["姓名", "公民身份号码", "户籍地址"],
     6, ["1", "101", "101001"], "conditional", "database", False, 1),
    (2, "城乡居民养老保险参保信息", "城乡居民参加社会保险的登记、缴费和待遇信息。", ["姓名", "社会保障号码", "参保日期"],
     10, ["2", "203", "203001"], "conditional", "database", False, 2),
    (3, "企业法人登记信息", "企业法人的设立、变更、注销登记信息。", ["统一社会信用代码", "企业名称", "法定代表人"],
     23, ["1", "102", "102001"], "unconditional", "database", True, 3),
    (4, "空气质量监测日报", "各监测站点每日空气质量指数及首要污染物。", ["监测站点", "空气质量指数"],
     12, ["2", "211", "211001"], "unconditional", "spreadsheet", True, 4),
    (5, "纳税人登记信息", "纳税人的税务登记、变更和注销信息。", ["纳税人识别号", "纳税人名称"],
     35, ["1", "102", "102002"], "conditional", "database", False, 5),
    (6, "城乡最低生活保障对象信息", "东城区低保对象的家庭人口和保障金发放信息。", ["姓名", "家庭人口", "保障金额"],
     48, ["1", "101", "101004"], "not_shared", "database", False, 6),
    (7, "人口信息统计公报", "年度常住人口统计数据，含人口结构和变动情况。", ["年份", "常住人口"],
     6, ["2", "201", "201001"], "unconditional", "electronic_file", True, 7),
    (8, "养老机构名录", "提供养老保险咨询服务的养老机构清单。", ["机构名称", "地址"],
     48, ["2", "203", "203002"], "unconditional", "spreadsheet", True, 8),
]
NOW = dt.datetime(2026, 11, 1, 8, 0)


def make_doc(segmenter, entry_id, name, summary, items, department_id, path, sharing, fmt, public, days,
             **extra):
    values = {"name": name, "summary": summary, "sharing_type": sharing, "format_category": fmt,
              "open_to_public": public, "update_cycle": "daily", "data_items": [{"name": i} for i in items],
              **extra}
    return build_document(entry_id=entry_id, resource_code=f"{path[-1]}/{entry_id:06d}", values=values,
                          department=DEPARTMENTS[department_id], category_path=path, topic_paths=[],
                          updated_at=NOW - dt.timedelta(days=days), segmenter=segmenter)


@pytest.fixture
def loaded(backend, segmenter):
    backend.index([make_doc(segmenter, *row) for row in ENTRIES])
    return backend


def ids(result):
    return [h.id for h in result.hits]


def test_two_character_words_match(loaded):
    assert set(ids(loaded.search(SearchQuery(text="人口")))) == {1, 6, 7}
    assert set(ids(loaded.search(SearchQuery(text="税务")))) == {5}


def test_two_character_synonym_matches_the_full_term(loaded):
    assert set(ids(loaded.search(SearchQuery(text="社保")))) == {2}  # summary says 社会保险


def test_department_abbreviation_finds_the_department(loaded):
    assert set(ids(loaded.search(SearchQuery(text="人社局")))) == {2}
    assert set(ids(loaded.search(SearchQuery(text="人力资源和社会保障局")))) == {2}
    assert set(ids(loaded.search(SearchQuery(text="环保局")))) == {4}


def test_title_matches_rank_first(loaded):
    result = loaded.search(SearchQuery(text="养老保险"))
    assert ids(result)[0] == 2  # in the name; entry 8 mentions it only in its summary
    assert set(ids(result)) == {2, 8}


def test_phrase_ranks_above_title_words_above_scattered_words(loaded):
    result = loaded.search(SearchQuery(text="人口 信息"))
    # 人口信息统计公报: the phrase itself; 户籍人口基本信息: both words in the name; entry 6: name and summary
    assert ids(result) == [7, 1, 6]


def test_all_words_must_match(loaded):
    assert ids(loaded.search(SearchQuery(text="人口 纳税人"))) == []


def test_facet_counts_add_up_and_follow_filters(loaded):
    everything = loaded.search(SearchQuery(facets=("sharing_type", "format_category")))
    assert everything.total == len(ENTRIES)
    assert sum(everything.facets["sharing_type"].values()) == len(ENTRIES)
    assert everything.facets["sharing_type"] == {"conditional": 3, "unconditional": 4, "not_shared": 1}
    filtered = loaded.search(SearchQuery(filters={"format_category": ["database"]}, facets=("sharing_type",)))
    assert filtered.total == 5
    assert filtered.facets["sharing_type"] == {"conditional": 3, "unconditional": 1, "not_shared": 1}


def test_filters_combine(loaded):
    result = loaded.search(SearchQuery(filters={"sharing_type": ["conditional"], "category_code": ["102"]}))
    assert ids(result) == [5]
    either = loaded.search(SearchQuery(filters={"sharing_type": ["conditional", "not_shared"]}))
    assert set(ids(either)) == {1, 2, 5, 6}


def test_hierarchical_filters_include_the_subtree(loaded):
    assert set(ids(loaded.search(SearchQuery(filters={"category_code": ["101"]})))) == {1, 6}
    assert set(ids(loaded.search(SearchQuery(filters={"provider": ["47"]})))) == {6, 8}


def test_sort_orders(loaded):
    newest = loaded.search(SearchQuery(sort="updated", per_page=3))
    assert ids(newest) == [1, 2, 3]
    by_name = loaded.search(SearchQuery(sort="name", per_page=100))
    names = [h.fields["name"] for h in by_name.hits]
    assert names == sorted(names)


def test_pagination(loaded):
    first = loaded.search(SearchQuery(sort="updated", per_page=3, page=1))
    third = loaded.search(SearchQuery(sort="updated", per_page=3, page=3))
    assert ids(first) == [1, 2, 3] and ids(third) == [7, 8] and third.total == 8


def test_public_only_hides_everything_else_including_counts(loaded):
    result = loaded.search(SearchQuery(public_only=True, facets=("sharing_type",)))
    assert set(ids(result)) == {3, 4, 7, 8} and result.total == 4
    assert sum(result.facets["sharing_type"].values()) == 4
    assert loaded.search(SearchQuery(text="户籍人口基本信息", public_only=True)).total == 0


def test_results_carry_what_the_list_shows(loaded):
    hit = loaded.search(SearchQuery(text="空气质量")).hits[0]
    assert hit.fields["name"] == "空气质量监测日报" and hit.fields["department"] == "市生态环境局"
    assert hit.fields["resource_code"] == "211001/000004" and hit.fields["items"] == ["监测站点", "空气质量指数"]


def test_index_replaces_a_document_with_the_same_id(loaded, segmenter):
    loaded.index([make_doc(segmenter, 4, "空气质量小时数据", "逐小时空气质量。", [], 12, ["2", "211", "211001"],
                           "unconditional", "database", True, 0)])
    assert loaded.count() == len(ENTRIES)
    assert [h.fields["name"] for h in loaded.search(SearchQuery(text="空气质量")).hits] == ["空气质量小时数据"]


def test_delete_removes_documents(loaded):
    before = loaded.ids()
    loaded.delete([1, 999])
    assert 1 not in ids(loaded.search(SearchQuery(text="户籍")))
    assert loaded.count() == len(ENTRIES) - 1
    assert loaded.ids() == before - {1}


def test_ids_lists_every_document(loaded):
    assert loaded.ids() == {entry[0] for entry in ENTRIES}


def test_rebuild_replaces_everything(loaded, segmenter):
    written = loaded.rebuild(iter([make_doc(segmenter, *ENTRIES[0])]))
    assert written == 1 and loaded.count() == 1


def test_exclude_and_any_term(loaded):
    related = loaded.search(SearchQuery(text="户籍 人口 信息", any_term=True, exclude_ids=(1,)))
    assert 1 not in ids(related) and {6, 7} <= set(ids(related))


def test_suggestions_complete_entry_names(loaded):
    assert loaded.suggest("户籍", public_only=False) == ["户籍人口基本信息"]
    assert loaded.suggest("户籍", public_only=True) == []
    assert "空气质量监测日报" in loaded.suggest("空气", public_only=True)


def test_health_reports_the_document_count(loaded):
    assert loaded.health()["documents"] == len(ENTRIES)


def test_any_two_adjacent_characters_of_a_name_find_it(loaded):
    """However jieba cut the name, a piece of it taken from the middle finds the entry."""
    for entry_id, name, *_rest in ENTRIES:
        for i in range(len(name) - 1):
            assert entry_id in ids(loaded.search(SearchQuery(text=name[i:i + 2], per_page=100))), name[i:i + 2]
        assert ids(loaded.search(SearchQuery(text=name[2:], per_page=3)))[0] == entry_id, name[2:]


def test_substrings_of_summaries_and_items_match_and_names_rank_first(loaded):
    assert ids(loaded.search(SearchQuery(text="首要污染"))) == [4]
    assert ids(loaded.search(SearchQuery(text="身份号"))) == [1]
    # 养老 is in the names of 2 and 8 and in no other text: both, and nothing else
    assert set(ids(loaded.search(SearchQuery(text="养老")))) == {2, 8}
    # 人口 is in the names of 1 and 7, and only in the summary or items of 6: the names first
    assert set(ids(loaded.search(SearchQuery(text="人口")))[:2]) == {1, 7}


def test_a_single_character_filters_and_ranks_names_first(loaded):
    result = loaded.search(SearchQuery(text="税", per_page=100))
    assert set(ids(result)) == {5} and result.total == 1
    assert ids(loaded.search(SearchQuery(text="质", per_page=100)))[0] == 4


def test_codes_find_their_entries_first(loaded):
    assert ids(loaded.search(SearchQuery(text="211001/000004"))) == [4]
    assert ids(loaded.search(SearchQuery(text="102")))[:2] in ([3, 5], [5, 3])
    assert set(ids(loaded.search(SearchQuery(text="102001")))) == {3}
    assert set(ids(loaded.search(SearchQuery(text="11440100mb2c92412x")))) == {1, 7}


def test_synonyms_and_words_apart(loaded):
    assert 2 in ids(loaded.search(SearchQuery(text="人社局")))  # the department's short name
    assert ids(loaded.search(SearchQuery(text="低保"))) == [6]  # 最低生活保障
    assert 1 in ids(loaded.search(SearchQuery(text="户籍 出生日期")))  # words apart, name and summary


def test_partial_match_with_any_term(loaded):
    assert loaded.search(SearchQuery(text="户籍 航班")).total == 0
    assert ids(loaded.search(SearchQuery(text="户籍 航班", any_term=True))) == [1]


def test_suggestions_hold_what_was_typed_anywhere_in_the_name(loaded):
    assert loaded.suggest("人口", public_only=False)[:2] == ["人口信息统计公报", "户籍人口基本信息"]
    assert loaded.suggest("监测日", public_only=True) == ["空气质量监测日报"]
    assert loaded.suggest("低保", public_only=False) == ["城乡最低生活保障对象信息"]


def test_highlight_terms_cover_the_typed_run_and_its_words(loaded):
    terms = loaded.search(SearchQuery(text="户籍人口")).terms
    assert terms[0] == "户籍人口" and {"户籍", "人口"} <= set(terms)


# ---- what the CKAN API's package_search asks of a backend ---------------------------------------------------------

def test_any_of_groups_and_none_of_pairs(loaded):
    """fq: every group must match one of its (facet, value) pairs — across facets too; a none_of pair excludes."""
    either = SearchQuery(any_of=((("sharing_type", "not_shared"), ("format_category", "electronic_file")),),
                         per_page=20)
    assert sorted(ids(loaded.search(either))) == [6, 7]
    both = SearchQuery(any_of=((("sharing_type", "unconditional"),), (("format_category", "spreadsheet"),)),
                       per_page=20)
    assert sorted(ids(loaded.search(both))) == [4, 8]
    without = SearchQuery(any_of=((("sharing_type", "unconditional"),),), none_of=(("provider", "48"),),
                          per_page=20)
    assert sorted(ids(loaded.search(without))) == [3, 4, 7]
    assert loaded.search(SearchQuery(none_of=(("category_code", "1"),), per_page=20)).total == 4  # subtrees too


def test_modified_range_and_order(loaded):
    """`modified` (microseconds) filters by an inclusive range and orders both ways, exactly."""
    def micro(days):
        return ((NOW - dt.timedelta(days=days)).replace(tzinfo=dt.timezone.utc)
                - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) // dt.timedelta(microseconds=1)
    recent = loaded.search(SearchQuery(modified=(micro(3), None), sort="modified_asc", per_page=20))
    assert ids(recent) == [3, 2, 1]
    window = loaded.search(SearchQuery(modified=(micro(6), micro(5)), sort="modified", per_page=20))
    assert ids(window) == [5, 6]
    by_name = [row[0] for row in sorted(ENTRIES, key=lambda row: row[1], reverse=True)]  # codepoint order
    assert ids(loaded.search(SearchQuery(sort="name_desc", per_page=3))) == by_name[:3]


def test_start_is_any_offset_and_local_only_drops_negative_ids(loaded, segmenter):
    ordered = ids(loaded.search(SearchQuery(sort="modified", per_page=20)))
    assert ids(loaded.search(SearchQuery(sort="modified", per_page=3, start=2))) == ordered[2:5]
    loaded.index([make_doc(segmenter, -5, "外部汇聚的空气质量信息", "来自其他平台", [], 12, ["2"], "unconditional",
                           "spreadsheet", True, 0)])
    assert -5 in ids(loaded.search(SearchQuery(text="空气质量", per_page=20)))
    local = loaded.search(SearchQuery(text="空气质量", per_page=20, local_only=True))
    assert -5 not in ids(local) and 4 in ids(local)


def test_count_only_search_has_no_hits_but_the_total_and_facets(loaded):
    result = loaded.search(SearchQuery(per_page=0, facets=("sharing_type",)))
    assert result.hits == [] and result.total == 8
    assert sum(result.facets["sharing_type"].values()) == 8
