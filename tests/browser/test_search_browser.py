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


def test_seeker_finds_by_a_piece_of_a_name_and_gets_help_when_nothing_matches(entries, make_user, sign_in, new_page):
    from tests.browser.test_deadlines_browser import PageChecks

    checks = PageChecks()
    page = sign_in(make_user("seeker", "市民政局"), "/search")
    page.get_by_label("关键词").fill("籍迁移")  # from the middle of 户籍迁移登记信息
    page.get_by_role("button", name="检索").click()
    expect(page.locator("#result-count")).to_contain_text("共 1 条")
    expect(page.locator(".result-name mark")).to_have_text("籍迁移")  # one mark, no gaps
    checks.accessible(page)

    page.get_by_label("关键词").fill("户籍 航班")
    page.get_by_role("button", name="检索").click()
    expect(page.locator("#partial-note")).to_contain_text("部分匹配")
    expect(page.locator("#export-link")).to_have_count(0)
    checks.accessible(page)
    checks.fits_a_phone(page, page.locator("#partial-note"))

    page.get_by_label("关键词").fill("航班时刻")
    page.get_by_role("button", name="检索").click()
    expect(page.locator("#no-results")).to_be_visible()
    page.locator("#no-results").get_by_role("link", name="主题目录").click()
    expect(page.get_by_role("heading", name="主题目录")).to_be_visible()

    public = new_page()
    public.goto("/search?q=航班时刻")
    expect(public.locator("#public-hint")).to_contain_text("只向政务用户提供")
    checks.accessible(public)
    checks.fits_a_phone(public, public.locator("#public-hint"))
    checks.verify()


def test_an_admin_edits_synonyms_in_the_browser(entries, make_user, sign_in):
    from tests.browser.test_deadlines_browser import PageChecks

    checks = PageChecks()
    page = sign_in(make_user("admin", "市政务服务数据管理局"), "/admin/")
    page.get_by_role("link", name="检索词表").click()
    box = page.get_by_label("同义词", exact=True)
    box.fill(box.input_value() + "\n观测点, 监测站点\n单字\n")
    page.get_by_role("button", name="保存同义词").click()
    expect(page.get_by_role("alert")).to_contain_text("第")
    expect(page.get_by_role("alert")).to_contain_text("只有一个词")
    checks.accessible(page)
    box = page.get_by_label("同义词", exact=True)
    box.fill(box.input_value().replace("单字\n", ""))
    page.get_by_role("button", name="保存同义词").click()
    expect(page.locator("#synonyms")).to_contain_text("已修改")
    checks.accessible(page)
    checks.fits_a_phone(page, page.locator("#synonyms"))

    page.goto("/search?q=观测点")
    expect(page.locator("#result-count")).to_contain_text("共 1 条")
    expect(page.get_by_role("link", name="空气质量监测日报")).to_be_visible()
    checks.verify()
