"""流程说明 in Chromium: reached from the menu, one diagram per workflow, and accessible (axe-core)."""
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.workflow import REGISTRY

pytestmark = pytest.mark.browser


def test_an_admin_reads_the_workflows_from_the_menu(sign_in, make_user):
    admin = make_user("admin", "市政务服务数据管理局")
    page = sign_in(admin, "/")
    page.get_by_role("link", name="系统管理", exact=True).click()  # admins reach every admin page from there
    page.get_by_role("link", name="流程说明", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("流程说明")
    diagrams = page.get_by_role("img")
    expect(diagrams).to_have_count(len(REGISTRY))
    expect(page.get_by_role("img", name="信息资源版本（entry_version）流程图")).to_be_visible()
    version = page.locator("#wf-entry_version")
    expect(version.get_by_role("row", name="主管部门审核通过并发布")).to_contain_text("主管部门审核员、平台管理员")
    page.get_by_role("link", name="审核记录", exact=True).click()
    expect(page.locator("#wf-review")).to_be_in_viewport()
    # the page's own content (the site-wide menu is reviewed with the portal's accessibility work)
    results = Axe().run(page, context="main", options={"runOnly": ["wcag2a", "wcag2aa", "wcag21aa"]})
    assert results.violations_count == 0, results.generate_report()
