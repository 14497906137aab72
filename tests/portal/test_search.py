"""The search portal over the real embedded index, with the database on SQLite or PostgreSQL."""
import re

import pytest

from app import catalog, indexing, outbox
from app.core.db import transaction
from tests.conftest import edit, valid_values
from tests.portal.test_portal import OPEN, login

NOT_SHARED = dict(category_code="201001", name="涉密统计调查原始数据", sharing_type="not_shared", sensitivity=[],
                  sharing_condition=None, sharing_method_category=None, sharing_method_type=None,
                  non_sharing_basis="《中华人民共和国统计法》第三十九条", data_items=[
                      {"name": "调查对象名称", "data_type": "C", "length": "100"}])


@pytest.fixture
def catalog_entries(make_entry, department):
    """Four published entries of three departments, one open, one not shared."""
    return {
        "household": make_entry(),
        "pension": make_entry(category_code="203001", name="城乡居民养老保险参保信息",
                              summary="城乡居民参加社会保险的登记和缴费信息。",
                              provider=department("市人力资源和社会保障局").id,
                              data_items=[{"name": "社会保障号码", "data_type": "C", "length": "18"}]),
        "air": make_entry(**OPEN, summary="各监测站点每日空气质量指数。", format_category="spreadsheet",
                          format_type="xlsx", provider=department("市生态环境局").id),
        "secret": make_entry(**NOT_SHARED, summary="统计调查取得的原始资料。", provider=department("市统计局").id),
    }


@pytest.fixture
def seeker(client, make_user):
    login(client, make_user("seeker", "市民政局"))


def names(html: str) -> list[str]:
    return [re.sub(r"</?mark>", "", n) for n in re.findall(r'class="fw-semibold result-name"[^>]*>(.*?)</a>', html)]


def test_two_character_words_match(client, catalog_entries, seeker):
    assert names(client.get("/search?q=人口").get_data(as_text=True)) == ["户籍人口基本信息"]
    assert names(client.get("/search?q=社保").get_data(as_text=True)) == ["城乡居民养老保险参保信息"]


def test_department_abbreviation_finds_its_entries(client, catalog_entries, seeker):
    assert names(client.get("/search?q=人社局").get_data(as_text=True)) == ["城乡居民养老保险参保信息"]


def test_results_are_highlighted_and_escaped(client, catalog_entries, seeker):
    html = client.get("/search?q=人口").get_data(as_text=True)
    assert "户籍<mark>人口</mark>基本信息" in html


def test_facet_counts_add_up_and_respect_filters(client, catalog_entries, seeker):
    html = client.get("/search").get_data(as_text=True)
    block = html.split('data-facet="sharing_type"')[1].split("</ul>")[0]
    counts = [int(n) for n in re.findall(r"\((\d+)\)", block)]
    assert sum(counts) == 4
    filtered = client.get("/search?format_category=database").get_data(as_text=True)
    block = filtered.split('data-facet="sharing_type"')[1].split("</ul>")[0]
    assert sum(int(n) for n in re.findall(r"\((\d+)\)", block)) == 3


def test_filters_combine_and_chips_remove_them(client, catalog_entries, department, seeker):
    police = department("市政务服务数据管理局").id  # the admin made the household entry for its own department
    html = client.get(f"/search?sharing_type=conditional&provider={police}").get_data(as_text=True)
    assert names(html) == ["户籍人口基本信息"]
    chip = re.search(r'class="[^"]*chip" href="([^"]+)"[^>]*>共享类型：有条件共享', html).group(1)
    assert "sharing_type" not in chip and f"provider={police}" in chip.replace("&amp;", "&")


def test_sort_by_name(client, catalog_entries, seeker):
    listed = names(client.get("/search?sort=name").get_data(as_text=True))
    assert listed == sorted(listed) and len(listed) == 4


def test_pagination(client, catalog_entries, seeker, app):
    app.config["PAGE_SIZE"] = 3
    first = client.get("/search?sort=name").get_data(as_text=True)
    second = client.get("/search?sort=name&page=2").get_data(as_text=True)
    assert len(names(first)) == 3 and len(names(second)) == 1
    assert "共 4 条" in second


def test_public_sees_counts_of_the_open_catalog_only(client, catalog_entries):
    html = client.get("/search").get_data(as_text=True)
    assert names(html) == ["空气质量监测日报"] and "共 1 条" in html
    assert "有条件共享" not in html.split('id="facets"')[1].split('id="results"')[0]
    assert client.get("/catalogs/shared").headers["Location"].endswith("/catalogs/open")


def test_catalog_views_are_prefiltered(client, catalog_entries, seeker):
    shared = names(client.get("/catalogs/shared").get_data(as_text=True))
    assert "涉密统计调查原始数据" not in shared and len(shared) == 3
    not_shared = client.get("/catalogs/not-shared").get_data(as_text=True)
    assert names(not_shared) == ["涉密统计调查原始数据"] and "《中华人民共和国统计法》第三十九条" in not_shared
    assert names(client.get("/catalogs/open").get_data(as_text=True)) == ["空气质量监测日报"]
    assert "市人力资源和社会保障局" in client.get("/catalogs/department").get_data(as_text=True)
    assert "社会保障" in client.get("/catalogs/topic").get_data(as_text=True)


def test_a_new_published_version_replaces_the_document(client, catalog_entries, admin, seeker):
    entry = catalog_entries["household"]
    with transaction():
        edit(entry, valid_values(name="常住户籍人口信息"), user=admin)
    assert names(client.get("/search?q=常住").get_data(as_text=True)) == []  # drafts are not indexed
    with transaction():
        catalog.publish_directly([entry], user=admin, reason="测试")
    assert names(client.get("/search?q=常住").get_data(as_text=True)) == ["常住户籍人口信息"]
    assert "户籍人口基本信息" not in names(client.get("/search?q=户籍").get_data(as_text=True))


def test_retiring_removes_the_document(client, catalog_entries, admin, seeker):
    with transaction():
        catalog.retire([catalog_entries["pension"]], user=admin, reason="职能划转")
    assert names(client.get("/search?q=养老").get_data(as_text=True)) == []


def test_index_is_updated_right_after_the_commit(app, catalog_entries, admin):
    """The unit of work that retires the entry handles its own outbox message after committing."""
    assert indexing.pending() == 0 and indexing.health()["documents"] == 4
    with transaction():
        catalog.retire([catalog_entries["air"]], user=admin, reason="数据停止更新")
    assert indexing.pending() == 0 and indexing.indexed_ids() == {
        e.id for key, e in catalog_entries.items() if key != "air"}


def test_a_failed_index_update_waits_in_the_outbox_and_is_retried(app, catalog_entries, admin, monkeypatch):
    """The index is unavailable when the change commits: the change stands, the message stays with its error,
    the backlog shows it, and the next drain (the worker's) applies it."""
    def broken(*_args, **_kwargs):
        raise OSError("索引目录不可写")

    monkeypatch.setattr(type(indexing.backend()), "apply", broken)
    with transaction():
        catalog.retire([catalog_entries["air"]], user=admin, reason="数据停止更新")
    assert catalog_entries["air"].status.value == "retired"
    [row] = outbox.backlog()
    assert row["topic"] == "search.index" and row["count"] == 1 and row["failing"] == 1
    assert "索引目录不可写" in row["last_error"]
    assert catalog_entries["air"].id in indexing.indexed_ids()
    monkeypatch.undo()
    from app.outbox.models import OutboxMessage
    from app.extensions import db
    db.session.execute(OutboxMessage.__table__.update().values(available_at=OutboxMessage.created_at))
    db.session.commit()
    assert outbox.drain().handled == 1
    assert outbox.backlog() == [] and catalog_entries["air"].id not in indexing.indexed_ids()


def test_health_detects_drift_and_reindex_repairs_it(app, catalog_entries):
    indexing.backend().delete([catalog_entries["air"].id])
    runner = app.test_cli_runner()
    broken = runner.invoke(args=["catalog", "search-health"])
    assert broken.exit_code == 1 and "不一致" in broken.output
    rebuilt = runner.invoke(args=["catalog", "reindex"])
    assert rebuilt.exit_code == 0 and "检索索引已重建：4 条" in rebuilt.output
    assert runner.invoke(args=["catalog", "search-health"]).exit_code == 0


def test_entry_page_links_related_entries(client, catalog_entries, make_entry, seeker):
    other = make_entry(name="户籍迁移登记信息")
    html = client.get(f"/entries/{catalog_entries['household'].id}").get_data(as_text=True)
    related = html.split('id="related"')[1]
    assert f"/entries/{other.id}" in related


def test_suggestions_complete_names(client, catalog_entries, seeker):
    assert client.get("/search/suggest?q=户籍").get_json() == ["户籍人口基本信息"]
    assert client.get("/search/suggest?q=").get_json() == []


def test_search_as_json_carries_hits_and_facets(client, catalog_entries, seeker):
    data = client.get("/search.json?q=户籍&sharing_type=conditional").get_json()
    assert data["total"] == 1 and data["hits"][0]["name"] == "户籍人口基本信息"
    assert data["hits"][0]["url"] == f"/entries/{catalog_entries['household'].id}"
    assert data["facets"]["sharing_type"] == {"conditional": 1}


def test_search_as_json_for_the_public_and_bad_arguments(client, catalog_entries):
    assert client.get("/search.json?q=户籍").get_json()["total"] == 0
    response = client.get("/search.json?sort=sideways")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["message"] == "查询参数「排序」（sort）的值无效"


def test_provider_facet_is_a_department_tree(client, make_entry, department, seeker):
    district_bureau = department("东城区民政局")
    make_entry(**OPEN, provider=district_bureau.id)
    html = client.get("/search").get_data(as_text=True)
    block = html.split('data-facet="provider"')[1].split("</ul>")[0]
    government = re.search(r'class="facet-depth-0">\s*<a[^>]*>\s*示例市东城区人民政府</a>\s*<span class="text-muted">\(1\)', block)
    bureau = re.search(r'class="facet-depth-1">\s*<a[^>]*>\s*东城区民政局</a>\s*<span class="text-muted">\(1\)', block)
    assert government and bureau and government.start() < bureau.start()
    filtered = client.get(f"/search?provider={district_bureau.parent_id}").get_data(as_text=True)
    assert names(filtered) == ["空气质量监测日报"]  # a filter on the government includes its bureaus
