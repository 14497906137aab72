"""The keywords element (关键字): a `tags` field — several free-text values typed in one input or one cell."""
import datetime as dt

import pytest

from catalog_schema import get_schema, split_tags, validate_entry, validate_import_only


def keyword_problems(raw) -> list[str]:
    _clean, problems = validate_entry({"keywords": raw})
    return [p.message for p in problems if p.path == "keywords"]


def test_keywords_is_a_tags_field_in_the_basic_section_searched_and_mapped_to_dcat():
    spec = get_schema().field("keywords")
    assert (spec.label, spec.label_en, spec.section, spec.type) == ("关键字", "Keywords", "basic", "tags")
    assert (spec.max_length, spec.max_items) == (20, 20)
    assert set(spec.search) == {"fulltext", "facet", "stored"} and spec.weight == 3
    assert spec.dcat == "dcat:keyword"


def test_keywords_split_at_dunhao_commas_semicolons_and_line_breaks_never_at_spaces():
    assert split_tags("人口、户籍，身份证,婚姻；出生;死亡\n迁移\r\n门牌") == [
        "人口", "户籍", "身份证", "婚姻", "出生", "死亡", "迁移", "门牌"]
    assert split_tags("open data、 统计  年鉴 ") == ["open data", "统计 年鉴"]


def test_keywords_are_trimmed_blanks_dropped_and_repeats_dropped_keeping_the_first_spelling():
    assert split_tags(" 人口 、、 ，户籍、人口、API、api、Api ") == ["人口", "户籍", "API"]
    assert split_tags(["人口", "户籍、人口", None, " "]) == ["人口", "户籍"]
    assert split_tags(None) == [] and split_tags("") == []


def test_valid_keywords_are_stored_as_a_list():
    clean, _problems = validate_entry({"keywords": "人口、户籍，身份证"})
    assert clean["keywords"] == ["人口", "户籍", "身份证"]
    assert validate_entry({})[0]["keywords"] == []
    assert keyword_problems("人口、户籍") == []


def test_a_keyword_over_twenty_characters_is_named_by_its_position():
    long = "常住人口基本信息登记与变更历史记录数据表格"
    assert len(long) == 21
    assert keyword_problems(f"人口、户籍、{long}") == [f"「关键字」第 3 个“{long}”超过 20 个字符（21 个）"]


def test_at_most_twenty_keywords():
    assert keyword_problems("、".join(f"词{n}" for n in range(20))) == []
    assert keyword_problems("、".join(f"词{n}" for n in range(21))) == ["「关键字」最多 20 个，现有 21 个"]


def test_a_keyword_with_a_control_character_is_refused():
    assert keyword_problems(["人口\x07"]) == ["「关键字」含有不可见的控制字符（U+0007），请删除后重试"]


def test_keywords_are_displayed_joined_with_dunhao():
    schema = get_schema()
    assert schema.display(schema.field("keywords"), ["人口", "户籍"]) == "人口、户籍"


# ---- the original catalog's dates: import-only fields -------------------------------------------------------

TODAY = dt.date(2026, 6, 1)


def test_the_original_dates_are_import_only_fields_outside_the_form_and_the_version_data():
    schema = get_schema()
    assert [f.key for f in schema.import_only_fields] == ["first_published_on", "last_updated_on"]
    assert [f.label for f in schema.import_only_fields] == ["首次发布日期", "最近更新日期"]
    assert not {f.key for f in schema.import_only_fields} & {f.key for f in schema.editable_fields}
    clean, _problems = validate_entry({"first_published_on": "2019-03-01"})
    assert "first_published_on" not in clean


def test_original_dates_in_order_and_in_the_past_are_accepted():
    assert validate_import_only({"first_published_on": "2019-03-01", "last_updated_on": "2024-06-15"},
                                today=TODAY) == ({"first_published_on": "2019-03-01",
                                                  "last_updated_on": "2024-06-15"}, [])


@pytest.mark.parametrize("raw, path, message", [
    ({"first_published_on": "2026-06-02"}, "first_published_on",
     "「首次发布日期」“2026-06-02”晚于今天（2026-06-01），不能是将来的日期"),
    ({"first_published_on": "2024-06-15", "last_updated_on": "2019-03-01"}, "last_updated_on",
     "「最近更新日期」“2019-03-01”早于「首次发布日期」“2024-06-15”：资源不能在首次发布之前更新"),
    ({"last_updated_on": "2024-06-15"}, "last_updated_on", "「最近更新日期」“2024-06-15”须与「首次发布日期」一并填写"),
])
def test_bad_original_dates_are_named_with_their_value(raw, path, message):
    _clean, problems = validate_import_only(raw, today=TODAY)
    assert [(p.path, p.message) for p in problems] == [(path, message)]
