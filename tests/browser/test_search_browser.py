"""A data seeker searches the portal in Chromium: types a query, narrows it with a facet, opens a result."""
import pytest
from playwright.sync_api import expect

from tests.portal.test_search import NOT_SHARED
from tests.portal.test_portal import OPEN

pytestmark = pytest.mark.browser


@pytest.fixture
def entries(make_entry, department):
    return {
        "household": make_entry(),
        "migration": make_entry(name="户籍迁移登记信息", summary="户籍迁入、迁出登记记录。", sharing_type="unconditional",
                                sharing_condition=None, sensitivity=[],
                                data_items=[{"name": "迁入日期", "data_type": "D", "basic_item": False}]),
        "air": make_entry(**OPEN, summary="各监测站点每日空气质量指数。", provider=department("市生态环境局").id),
        "secret": make_entry(**NOT_SHARED, summary="统计调查取得的原始资料。", provider=department("市统计局").id),
    }


def test_seeker_searches_narrows_with_a_facet_and_opens_a_result(entries, make_user, sign_in):
    page = sign_in(make_user("seeker", "市民政局"), "/")
    page.get_by_label("关键词").fill("户籍")
    page.get_by_role("button", name="检索").click()
    expect(page.locator("#result-count")).to_contain_text("共 2 条")
    expect(page.locator(".result-name mark").first).to_have_text("户籍")

    page.locator('[data-facet="sharing_type"]').get_by_role("link", name="无条件共享").click()
    expect(page.locator("#result-count")).to_contain_text("共 1 条")
    expect(page.locator("#chips")).to_contain_text("共享类型：无条件共享")
    assert "sharing_type=unconditional" in page.url and "q=%E6%88%B7%E7%B1%8D" in page.url

    page.get_by_role("link", name="户籍迁移登记信息").click()
    expect(page.get_by_role("heading", name="户籍迁移登记信息")).to_be_visible()
    expect(page.get_by_text("迁入日期")).to_be_visible()

    page.go_back()
    page.locator("#chips").get_by_role("link", name="共享类型：无条件共享 ✕").click()
    expect(page.locator("#result-count")).to_contain_text("共 2 条")


def test_suggestions_appear_while_typing(entries, new_page):
    page = new_page()
    page.goto("/search")
    page.get_by_label("关键词").press_sequentially("空气")
    expect(page.locator("#suggestions option")).to_have_count(1)
    assert page.locator("#suggestions option").get_attribute("value") == "空气质量监测日报"
