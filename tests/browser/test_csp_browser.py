"""The Content-Security-Policy holds in Chromium: the main pages load without a single violation, and their
scripts and styles (all in static/) still work — bars have their lengths, suggestions appear, the entry form
shows conditional fields only when they apply."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app import catalog
from app.core.db import transaction
from app.review import pending_review
from tests.browser.test_editor_flow import field
from tests.portal.test_portal import OPEN

pytestmark = pytest.mark.browser

# Collects violations in the page itself (an init script runs before any of the page's own).
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI || "inline"} ${event.sourceFile}:${event.lineNumber}`);
});
"""


class Watched:
    """A page whose CSP violations (events and console reports) are collected."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", lambda message: self.console.append(message.text)
                if "Content Security Policy" in message.text else None)

    def goto(self, url: str):
        response = self.page.goto(url)
        assert response.status == 200, url
        assert "script-src 'self'" in response.headers["content-security-policy"]
        return self.page

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__violations") + self.console


@pytest.fixture
def catalog_pages(make_entry, make_user, admin):
    """An open entry related to a conditional one, and a conditional entry submitted for review."""
    editor = make_user("editor", "市公安局")
    conditional = make_entry(user=editor)
    open_entry = make_entry(user=editor, **{**OPEN, "related_codes": [conditional.resource_code]})
    submitted = make_entry(publish=False, user=editor, name="户籍迁移登记信息")
    with transaction():
        catalog.submit([submitted], user=editor)
    return {"editor": editor, "open": open_entry, "conditional": conditional, "submitted": submitted}


def test_the_public_pages_load_without_violations_and_their_scripts_work(catalog_pages, new_page):
    watched = Watched(new_page())
    page = watched.goto("/")
    bar = page.locator(".bar > span").first
    expect(bar).to_have_class(re.compile(r"pct-100"))
    assert page.evaluate("(el) => el.getBoundingClientRect().width", bar.element_handle()) > 50  # styled by app.css

    page.get_by_label("关键词").press_sequentially("空气")  # search.js: suggestions while typing
    expect(page.locator("#suggestions option")).to_have_count(1)

    page = watched.goto("/search?q=空气&sharing_type=unconditional")
    expect(page.locator("#result-count")).to_contain_text("共 1 条")
    expect(page.locator(".facet-values").first).to_have_css("overflow-y", "auto")

    page = watched.goto(f"/entries/{catalog_pages['open'].id}")
    expect(page.get_by_role("heading", name="空气质量监测日报")).to_be_visible()
    assert watched.violations() == []


def test_government_pages_and_the_entry_form_load_without_violations(catalog_pages, make_user, sign_in):
    reviewer = make_user("department_reviewer", "市公安局")
    page = sign_in(catalog_pages["editor"], f"/manage/entries/{catalog_pages['conditional'].id}/edit")
    watched = Watched(page)
    page = watched.goto(f"/manage/entries/{catalog_pages['conditional'].id}/edit")
    condition, basis = field(page, "共享条件"), field(page, "不予共享依据")
    expect(condition).to_be_visible()  # entry-form.js: fields shown only when their condition holds
    expect(basis).to_be_hidden()
    field(page, "共享类型").select_option(label="不予共享")
    expect(basis).to_be_visible()
    expect(condition).to_be_hidden()
    field(page, "信息资源格式分类").select_option(label="电子文件")
    expect(field(page, "信息资源格式类型").locator("option", has_text="oracle")).to_have_js_property("hidden", True)

    page = watched.goto(f"/entries/{catalog_pages['open'].id}")
    expect(page.locator("#field-related_codes")).to_contain_text("户籍人口基本信息")
    page = watched.goto("/catalogs/department")
    expect(page.locator("#department-tree li").first).to_have_css("padding-left", "16px")  # .tree-depth-0
    for url in ("/", "/search?q=户籍", "/catalogs/topic", "/manage/",
                f"/manage/entries/{catalog_pages['conditional'].id}/history"):
        watched.goto(url)
    assert watched.violations() == []

    review_page = Watched(sign_in(reviewer, "/review/"))
    page = review_page.goto(f"/review/{pending_review(catalog_pages['submitted']).id}")
    expect(page.get_by_role("button", name="退回修改")).to_be_visible()
    page = review_page.goto("/review/")
    expect(page.get_by_text("户籍迁移登记信息")).to_be_visible()
    assert review_page.violations() == []


def test_an_inline_script_would_be_reported(catalog_pages, new_page, app):
    """The listener above does see violations: a page that breaks the policy is caught."""

    @app.get("/test-only/inline")
    def inline():
        return ('<!doctype html><html><body><p style="color: red">x</p>'
                '<script>document.title = "ran"</script></body></html>')

    watched = Watched(new_page())
    page = watched.goto("/test-only/inline")
    expect(page.locator("p")).to_have_css("color", "rgb(0, 0, 0)")
    assert page.title() != "ran"
    found = watched.violations()
    assert any("script-src" in v for v in found) and any("style-src" in v for v in found), found
