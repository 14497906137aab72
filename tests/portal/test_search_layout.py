"""The search page's layout and the public portal without noise (issue 14, points 3 and 6): the 筛选 panel and its
count, facets that cannot narrow the results left out, the public home without the closed-catalog bars, the
browse order said and stable, the topic catalog in code order."""
import datetime as dt
import re

import pytest

from app import indexing
from app.catalog import Entry
from app.core.db import transaction
from app.extensions import db
from tests.portal.test_portal import OPEN, login
from tests.portal.test_search import NOT_SHARED, names


@pytest.fixture
def catalog_entries(make_entry, department):
    """Three published entries: conditional, open (a spreadsheet) and not shared."""
    return [make_entry(), make_entry(**OPEN, format_category="spreadsheet", format_type="xlsx",
                                     provider=department("市生态环境局").id),
            make_entry(**NOT_SHARED, provider=department("市统计局").id)]


@pytest.fixture
def seeker(client, make_user):
    login(client, make_user("seeker", "市民政局"))


def facet_keys(html: str) -> list[str]:
    return re.findall(r'class="card mb-2 facet" data-facet="([^"]+)"', html)


def filter_button(html: str) -> str:
    found = re.search(r'<a [^>]*id="filter-button"[^>]*>(.*?)</a>', html, re.DOTALL)
    return found.group(1).strip() if found else ""


def test_the_filter_panel_is_one_link_away_and_counts_the_active_filters(client, catalog_entries, seeker):
    html = client.get("/search").get_data(as_text=True)
    assert filter_button(html) == "筛选"
    assert re.search(r'<a [^>]*id="filter-button"[^>]*href="#facets"', html)  # works without JavaScript
    panel = re.search(r'<aside [^>]*id="facets"[^>]*>', html).group(0)
    assert "offcanvas-lg" in panel and 'aria-labelledby="facets-title"' in panel
    # the results come right after the panel, which a phone keeps closed: the facets sit inside it
    assert html.index('id="facets"') < html.index('data-facet="sharing_type"') < html.index('id="results"')

    filtered = client.get("/search?sharing_type=conditional&sharing_type=unconditional&format_category=database")
    html = filtered.get_data(as_text=True)
    assert filter_button(html) == "筛选（3）"
    assert re.search(r'id="facets-title">筛选（已选 3 项）<', html)


def test_a_catalog_views_own_filter_is_not_counted(client, catalog_entries, seeker):
    html = client.get("/catalogs/shared?format_category=database").get_data(as_text=True)
    assert filter_button(html) == "筛选（1）"


def test_a_facet_that_cannot_narrow_the_results_is_left_out_unless_selected(client, make_entry, department):
    make_entry(**OPEN)
    make_entry(**{**OPEN, "name": "河流水质监测月报"}, format_category="spreadsheet", format_type="xlsx",
               provider=department("市生态环境局").id)
    html = client.get("/search").get_data(as_text=True)  # the public: two open entries
    shown = facet_keys(html)
    assert "format_category" in shown and "provider" in shown  # two values each: a choice
    # every open entry is open and shared unconditionally: a box with one value would filter nothing
    assert "open_to_public" not in shown and "sharing_type" not in shown
    assert "是否向社会开放" not in html.split('id="facets"')[1].split('id="results"')[0]

    selected = client.get("/search?sharing_type=unconditional").get_data(as_text=True)
    assert "sharing_type" in facet_keys(selected)  # what the visitor chose stays visible (and removable)
    assert filter_button(selected) == "筛选（1）"


def test_a_single_value_shared_by_only_some_results_still_narrows(client, make_entry, department):
    make_entry(**OPEN, keywords=["空气质量"])
    make_entry(**{**OPEN, "name": "河流水质监测月报"})
    html = client.get("/search").get_data(as_text=True)
    assert "keywords" in facet_keys(html)  # one keyword, on one of the two entries


def test_the_public_home_shows_the_open_catalog_without_the_closed_bars(client, catalog_entries, make_user):
    html = client.get("/").get_data(as_text=True)
    assert 'id="by-sharing"' not in html
    assert "有条件共享" not in html and "不予共享" not in html
    assert "按分类" in html and "按提供部门" in html and 'id="browse-links"' in html
    assert 'href="/search?provider=' in html  # a department's bar leads to its open entries

    login(client, make_user("seeker", "市民政局"))
    government = client.get("/").get_data(as_text=True)
    assert 'id="by-sharing"' in government and "有条件共享" in government and "不予共享" in government


@pytest.fixture
def dated(make_entry, department):
    """Three published entries, last updated on three different days (published_at), listed in the index."""
    entries = {"older": make_entry(name="甲类登记信息"), "newest": make_entry(name="乙类登记信息"),
               "middle": make_entry(name="丙类登记信息")}
    days = {"older": dt.datetime(2026, 3, 1, 2), "newest": dt.datetime(2026, 9, 1, 2), "middle": dt.datetime(2026, 6, 1, 2)}
    with transaction():
        for key, entry in entries.items():
            db.session.get(Entry, entry.id).published_version.published_at = days[key]
    indexing.reindex()
    return entries


def test_browsing_without_words_lists_the_newest_first_and_says_so(client, dated, seeker):
    first = client.get("/search").get_data(as_text=True)
    assert names(first) == ["乙类登记信息", "丙类登记信息", "甲类登记信息"]
    assert names(client.get("/search").get_data(as_text=True)) == names(first)  # the same order every time
    assert "按最近更新排列（最新的在前）" in first
    assert re.search(r'<label class="input-group-text" for="sort">排序</label>', first)
    assert re.search(r'<option value="relevance" selected>按最近更新</option>', first)
    assert "按相关度" not in first  # without words there is no relevance to order by

    by_name = client.get("/search?sort=name").get_data(as_text=True)
    assert re.search(r'<option value="name" selected>按名称</option>', by_name)
    assert "按最近更新排列" not in by_name

    words = client.get("/search?q=登记").get_data(as_text=True)
    assert re.search(r'<option value="relevance" selected>按相关度</option>', words)
    assert "按最近更新排列" not in words and "按最近更新</option>" in words


def test_the_topic_catalog_lists_nodes_in_code_order_with_counts(client, make_entry):
    make_entry(category_code="203001", name="城乡居民养老保险参保信息")
    make_entry(category_code="201001", name="空气质量监测日报")
    make_entry(category_code="201001", name="河流水质监测月报", **{k: v for k, v in OPEN.items()
                                                               if k not in ("category_code", "name")})
    make_entry()  # the default classification (基础信息资源)

    html = client.get("/catalogs/topic").get_data(as_text=True)  # the public: open entries only
    assert re.findall(r'data-code="(\d+)"', html) == ["2", "201", "201001"]
    assert re.search(r'data-code="201001".*?<span class="text-muted small text-nowrap topic-count">1 条</span>', html,
                     re.DOTALL)


def test_the_topic_catalog_for_government_users(client, make_entry, make_user):
    make_entry(category_code="203001", name="城乡居民养老保险参保信息")
    make_entry(category_code="201001", name="空气质量监测日报")
    make_entry(category_code="201001", name="河流水质监测月报")
    make_entry()
    login(client, make_user("seeker", "市民政局"))
    html = client.get("/catalogs/topic").get_data(as_text=True)
    codes = re.findall(r'data-code="(\d+)"', html)
    assert codes == sorted(codes) and codes[0] == "1" and "2" in codes
    assert codes.index("201") < codes.index("201001") < codes.index("203") < codes.index("203001")
    counts = dict(re.findall(r'data-code="(\d+)".*?topic-count">(\d+) 条<', html, re.DOTALL))
    assert counts["2"] == "3" and counts["201001"] == "2"
