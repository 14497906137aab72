"""A remote package → a harvested record and its values under our schema; the client's limits."""
from __future__ import annotations

import datetime as dt

from app.harvest import client as remote
from app.harvest import mapping
from app.harvest.models import RunState
from tests.harvest.conftest import harvest_now
from tests.harvest.fake_ckan import ckan_package


def test_a_foreign_ckan_package_maps_onto_name_summary_keywords_and_provider():
    package = ckan_package("bus-lines", "公交线路信息", "2026-03-01T08:00:00.5+08:00")
    fields = mapping.record_fields(package, anonymous=True)
    assert (fields["title"], fields["organization_title"], fields["resource_code"]) == ("公交线路信息", "某市交通运输局",
                                                                                        None)
    assert fields["metadata_modified"] == dt.datetime(2026, 3, 1, 0, 0, 0, 500000)  # in UTC, without a zone
    assert fields["public"]  # fetched anonymously: what the source shows everyone
    values = mapping.values_of(package)
    assert values == {"name": "公交线路信息", "summary": "公交线路信息的说明。", "keywords": ["交通"], "data_items": []}
    assert not mapping.record_fields({**package, "private": True}, anonymous=False)["public"]


def test_our_registrys_package_keeps_the_schema_keys_and_its_openness():
    package = ckan_package("101001-000001", "户籍人口基本信息", "2026-03-01T08:00:00", resource_code="101001/000001",
                           summary="户籍人口的基本登记信息。", sharing_type="conditional", open_to_public=False,
                           provider=12, data_items=[{"name": "姓名", "data_type": "C", "length": "50", "x": {"y": 1}}])
    fields = mapping.record_fields(package, anonymous=True)
    assert fields["resource_code"] == "101001/000001" and not fields["public"]
    values = mapping.values_of(package)
    assert values["name"] == "户籍人口基本信息" and values["sharing_type"] == "conditional"
    assert "provider" not in values  # the source's department id means nothing here
    assert values["data_items"] == [{"name": "姓名", "data_type": "C", "length": "50"}]
    assert mapping.record_fields({**package, "open_to_public": True, "secret": True}, anonymous=True)["public"] is False


def test_only_http_links_are_taken_from_a_source():
    assert mapping.safe_link("https://files.example.org/a.csv") == "https://files.example.org/a.csv"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.example", "ftp://x.org/a", None, 5):
        assert mapping.safe_link(bad) is None
    package = ckan_package("a b/c", "标题", "2026-03-01T08:00:00")
    assert mapping.original_url(package, "https://data.example.org/") == "https://data.example.org/dataset/a%20b%2Fc"


def test_what_is_not_a_package_is_named_as_a_problem():
    assert remote.package_problem([]) == "来源返回的条目不是数据集（不是 JSON 对象）"
    assert remote.package_problem({"name": " "}) == "来源返回的数据集没有名称（name）"
    assert remote.package_problem({"name": "x" * 201}) == "来源返回的数据集名称（name）超过 200 个字符"
    assert remote.package_problem({"name": "ok", "metadata_modified": "2026-13-01"}).startswith("来源返回的数据集修改时间")
    assert remote.package_problem({"name": "ok", "metadata_modified": "2026-03-01T08:00:00"}) is None
    assert remote.package_label({"id": 42}) == "42" and remote.package_label(None, 4) == "第 5 条"


def test_a_source_that_answers_too_slowly_fails_the_run(ckan, harvest_settings, make_source):
    harvest_settings["HARVEST_TIMEOUT_SECONDS"] = 0.3
    ckan.broken["package_search"] = "slow"
    source = make_source(ckan.url)
    run = harvest_now(source.id)
    assert run.state == RunState.failed and run.error == f"访问来源超时（0.3 秒内无答复）：{ckan.url}"


def test_the_client_asks_for_private_datasets_only_with_a_token(ckan, app):
    ckan.add("one", "数据集", "2026-03-01T08:00:00")
    for token, expected in ((None, False), ("t", True)):
        ckan.calls.clear()
        client = remote.Client(ckan.url, token=token, timeout=5, page_size=10, max_pages=5, user_agent="test")
        listing = client.listing(None)
        client.names()
        client.close()
        assert set(listing.packages) == {"one"} and listing.names == {"one"}
        assert [bool(data.get("include_private")) for _action, data in ckan.calls] == [expected, expected]
