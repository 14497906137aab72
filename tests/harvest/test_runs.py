"""Harvest runs against a foreign CKAN 2.9 on loopback: what a run takes, changes and removes, how it pages, and that
a failure writes nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app import indexing, outbox
from app.extensions import db
from app.harvest import HarvestedEntry, RunState
from search.query import SearchQuery
from tests.harvest.conftest import harvest_now

T1, T2, T3, T4 = ("2026-03-01T08:00:00.100000", "2026-03-01T08:00:00.900000", "2026-03-02T09:30:00.000001",
                  "2026-03-05T10:00:00.500000")


def records() -> dict[str, HarvestedEntry]:
    db.session.rollback()
    return {r.remote_name: r for r in db.session.scalars(select(HarvestedEntry))}


def searches(ckan) -> list[dict]:
    return [data for action, data in ckan.calls if action == "package_search"]


@pytest.fixture
def three(ckan):
    ckan.add("bus-lines", "公交线路信息", T1)
    ckan.add("bus-stops", "公交站点信息", T2)
    ckan.add("taxi-firms", "出租汽车企业名录", T3)
    return ckan


def test_the_first_run_takes_the_whole_catalog_and_indexes_it(three, harvest_settings, make_source):
    source = make_source(three.url)
    run = harvest_now(source.id)
    assert run.state == RunState.succeeded and run.full
    assert (run.added, run.updated, run.removed, run.unchanged, run.errors) == (3, 0, 0, 0, 0)
    found = records()
    assert set(found) == {"bus-lines", "bus-stops", "taxi-firms"}
    lines = found["bus-lines"]
    assert (lines.title, lines.organization_title, lines.public) == ("公交线路信息", "某市交通运输局", True)
    assert lines.metadata_modified == dt.datetime(2026, 3, 1, 8, 0, 0, 100000)
    assert lines.package["extras"] == [{"key": "更新频率", "value": "每月"}]  # the whole dict, kept
    assert run.source.high_water_mark == dt.datetime(2026, 3, 2, 9, 30, 0, 1)
    assert {-r.id for r in found.values()} <= indexing.indexed_ids()
    assert outbox.pending() == 0
    assert "fq" not in searches(three)[0]  # from the beginning, then on by time
    assert all(data["sort"] == "metadata_modified asc" and data["rows"] == 2 for data in searches(three))


def test_an_incremental_run_asks_only_for_what_changed_and_takes_the_changes(three, harvest_settings, make_source):
    source = make_source(three.url)
    harvest_now(source.id)
    three.calls.clear()
    three.add("bus-lines", "公交线路信息（2026 版）", T4)
    three.add("metro-lines", "地铁线路信息", T4)
    run = harvest_now(source.id)
    assert run.state == RunState.succeeded and not run.full
    assert run.since == dt.datetime(2026, 3, 2, 9, 30, 0, 1)
    assert searches(three)[0]["fq"] == "metadata_modified:[2026-03-02T09:30:00Z TO *]"
    assert (run.added, run.updated, run.removed) == (1, 1, 0)
    assert run.unchanged == 1  # taxi-firms: modified in the high-water mark's second, asked for again
    found = records()
    assert found["bus-lines"].title == "公交线路信息（2026 版）"
    assert run.changes == {"added": [found["metro-lines"].id], "updated": [found["bus-lines"].id], "removed": []}
    assert run.source.high_water_mark == dt.datetime(2026, 3, 5, 10, 0, 0, 500000)
    hits = indexing.backend().search(SearchQuery(text="2026 版"))
    assert [h.id for h in hits.hits] == [-found["bus-lines"].id]


def test_a_package_gone_from_the_source_is_removed_after_checking_it_and_leaves_the_index(three, harvest_settings,
                                                                                          make_source):
    source = make_source(three.url)
    harvest_now(source.id)
    three.packages["bus-stops"]["state"] = "deleted"
    three.calls.clear()
    run = harvest_now(source.id)
    assert (run.added, run.updated, run.removed, run.errors) == (0, 0, 1, 0)
    assert ("package_show", {"id": "bus-stops"}) in three.calls  # confirmed one by one before removing
    stops = records()["bus-stops"]
    assert stops.removed_at is not None and run.changes["removed"] == [stops.id]
    assert -stops.id not in indexing.indexed_ids()
    # it comes back: restored (counted as added), in the index again
    three.packages["bus-stops"]["state"] = "active"
    run = harvest_now(source.id)
    assert (run.added, run.removed) == (1, 0)
    stops = records()["bus-stops"]
    assert stops.removed_at is None and -stops.id in indexing.indexed_ids()


def test_a_package_missing_from_the_name_list_but_still_at_the_source_is_kept(ckan, harvest_settings, make_source):
    """CKAN's package_list names public datasets only: a private one a token reads is checked, and kept."""
    ckan.token = "secret-token-1"
    ckan.add("open-one", "公开数据集", T1)
    ckan.add("private-one", "内部数据集", T2, private=True)
    source = make_source(ckan.url, token="secret-token-1")
    run = harvest_now(source.id)
    found = records()
    assert run.added == 2 and found["open-one"].public and not found["private-one"].public
    run = harvest_now(source.id)
    assert (run.removed, run.errors) == (0, 0)
    assert records()["private-one"].removed_at is None


def test_many_differences_make_the_run_list_the_whole_catalog(three, harvest_settings, make_source):
    harvest_settings["HARVEST_MAX_CONFIRM"] = 1
    source = make_source(three.url)
    harvest_now(source.id)
    del three.packages["bus-lines"]
    del three.packages["bus-stops"]
    three.calls.clear()
    run = harvest_now(source.id)
    assert run.removed == 2 and "package_show" not in three.actions()
    assert [data.get("fq") for data in searches(three)] == ["metadata_modified:[2026-03-02T09:30:00Z TO *]", None]


def test_a_package_without_a_name_is_a_problem_line_not_a_failed_run(three, harvest_settings, make_source):
    three.extra_results = [{"id": "x1", "title": "没有名称的数据集"}, "不是数据集", {"name": "bad-time", "metadata_modified": "昨天"}]
    source = make_source(three.url)
    run = harvest_now(source.id)
    assert run.state == RunState.succeeded and run.added == 3 and run.errors == 3
    messages = {p["package"]: p["message"] for p in run.problems}
    assert messages["x1"] == "来源返回的数据集没有名称（name）"
    assert messages["第 2 条"] == "来源返回的条目不是数据集（不是 JSON 对象）"
    assert "修改时间（metadata_modified）“昨天”无法识别" in messages["bad-time"]


@pytest.mark.parametrize(("action", "answer", "message"), [
    ("package_list", "html", "来源对 package_list 的答复不是 CKAN 接口格式"),
    ("package_list", "500", "来源对 package_list 的答复不是 CKAN 接口格式"),
    ("package_search", "no-result", "来源对 package_search 的答复不是 CKAN 接口格式"),
    ("package_search", "results-missing", "来源对 package_search 的答复中没有检索结果（results）"),
    ("package_search", "list", "来源对 package_search 的答复不是 CKAN 接口格式"),
])
def test_an_answer_that_is_not_ckans_fails_the_run_and_writes_nothing(three, harvest_settings, make_source, action,
                                                                      answer, message):
    source = make_source(three.url)
    first = harvest_now(source.id)
    before = {name: (r.title, r.removed_at) for name, r in records().items()}
    three.add("bus-lines", "公交线路信息（已修改）", T4)
    del three.packages["taxi-firms"]
    three.broken[action] = answer
    run = harvest_now(source.id)
    assert run.state == RunState.failed and message in run.error
    assert {name: (r.title, r.removed_at) for name, r in records().items()} == before
    assert run.source.high_water_mark == first.source.high_water_mark
    assert (run.added, run.updated, run.removed) == (0, 0, 0)
    assert outbox.pending() == 0


def test_a_source_that_cannot_be_reached_fails_the_run(ckan, harvest_settings, make_source):
    source = make_source(ckan.url)
    ckan.stop()
    run = harvest_now(source.id)
    assert run.state == RunState.failed
    assert run.error.startswith(f"无法连接来源 {ckan.url}")
    assert db.session.scalar(select(func.count(HarvestedEntry.id))) == 0


def test_a_fault_while_writing_leaves_nothing_half_written(three, harvest_settings, make_source, monkeypatch):
    from app.harvest import documents

    source = make_source(three.url)

    def broken(_ids):
        raise RuntimeError("索引消息写入失败")

    monkeypatch.setattr(documents, "emit", broken)
    run = harvest_now(source.id)
    assert run.state == RunState.failed and "本次未写入任何条目" in run.error and "索引消息写入失败" in run.error
    assert db.session.scalar(select(func.count(HarvestedEntry.id))) == 0
    assert run.source.high_water_mark is None


def test_package_show_answering_garbage_is_a_problem_and_keeps_the_record(ckan, harvest_settings, make_source):
    ckan.add("kept", "保留的数据集", T1)
    source = make_source(ckan.url)
    harvest_now(source.id)
    ckan.packages["kept"]["private"] = True  # out of package_list: the run asks package_show …
    ckan.broken_show.add("kept")  # … which answers a gateway's error page
    run = harvest_now(source.id)
    assert run.state == RunState.succeeded and run.removed == 0
    assert run.problems == [{"package": "kept", "message": "来源对 package_show 的答复不是 CKAN 接口格式（地址是否为 CKAN 兼容目录？）"}]
    assert records()["kept"].removed_at is None


def test_the_page_limit_stops_a_run_where_the_next_one_goes_on(three, harvest_settings, make_source):
    harvest_settings["HARVEST_MAX_PAGES"] = 1
    source = make_source(three.url)
    run = harvest_now(source.id)
    assert run.added == 2 and any("页数上限" in p["message"] for p in run.problems)
    assert run.source.high_water_mark == dt.datetime(2026, 3, 1, 8, 0, 0, 900000)
    harvest_settings["HARVEST_MAX_PAGES"] = 100
    run = harvest_now(source.id)
    assert (run.added, run.errors) == (1, 0)
    assert set(records()) == {"bus-lines", "bus-stops", "taxi-firms"}


def test_a_page_of_one_second_is_paged_through_without_losing_a_package(ckan, harvest_settings, make_source):
    for n in range(5):  # five packages modified in one second (a bulk import at the source)
        ckan.add(f"same-second-{n}", f"同一秒的数据集{n}", f"2026-03-01T08:00:00.{n:06d}")
    ckan.add("later", "稍后的数据集", T3)
    source = make_source(ckan.url)
    run = harvest_now(source.id)
    assert run.added == 6 and run.errors == 0
    # by time, skipping only what was seen of the same second: never a plain offset across changing pages
    assert [(d.get("fq", "[ ")[19:39].strip(), d["start"]) for d in searches(ckan)] == [
        ("", 0), ("2026-03-01T08:00:00Z", 2), ("2026-03-01T08:00:00Z", 4), ("2026-03-02T09:30:00Z", 1)]


def test_a_package_renamed_at_the_source_keeps_its_record(three, harvest_settings, make_source):
    source = make_source(three.url)
    harvest_now(source.id)
    before = records()["bus-lines"].id
    package = three.packages.pop("bus-lines")
    three.packages["bus-routes"] = {**package, "name": "bus-routes", "metadata_modified": T4}
    three.add("bus-lines", "新的公交线路数据集", T4, id="a-new-dataset")  # the old name goes to a new dataset
    run = harvest_now(source.id)
    assert (run.added, run.updated, run.removed) == (1, 1, 0)
    found = records()
    assert found["bus-routes"].id == before and found["bus-lines"].id != before
    assert found["bus-lines"].title == "新的公交线路数据集"
