"""The portal's entry page and a department page in Chromium (issue 14), at 1366×900 and at 390×844: axe-core finds
nothing serious or critical, nothing scrolls sideways, the copy button puts the resource code on the clipboard,
and without JavaScript the code is plain selectable text with no dead button."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.core.db import transaction
from tests.portal.test_portal import OPEN

pytestmark = pytest.mark.browser

SIZES = {"desk": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SCROLL_WIDTH = "() => ({inner: window.innerWidth, document: document.scrollingElement.scrollWidth})"


def serious_violations(page) -> list[str]:
    results = Axe().run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21aa"]})
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture
def entry(make_entry, make_user, department):
    from app.changes import register_contacts

    editor = make_user("editor", "市公安局")
    with transaction():
        register_contacts(department("市公安局").id, editor, {
            "sharing_officer-name": "李晓明", "sharing_officer-phone": "020-83123456",
            "sharing_officer-email": "li.xiaoming.sharing-officer@example.gov.cn"})
    items = [{"name": f"监测项目{n}", "data_type": "C", "length": "50", "description": "很长的说明" * 8}
             for n in range(6)]
    return make_entry(user=editor, **{**OPEN, "data_items": items, "keywords": ["空气质量", "环境监测", "AQI"]})


@pytest.mark.parametrize("size", SIZES)
def test_entry_page_for_a_government_user_is_accessible_and_fits(sign_in, make_user, entry, size, tmp_path):
    page = sign_in(make_user("seeker", "市民政局"), f"/entries/{entry.id}", viewport=SIZES[size],
                   permissions=["clipboard-read", "clipboard-write"])
    expect(page.get_by_role("heading", level=1)).to_have_text("空气质量监测日报")
    expect(page.locator("#provider")).to_contain_text("李晓明")
    expect(page.locator("#activity")).to_contain_text("第 1 版")
    expect(page.get_by_role("link", name="报告数据问题")).to_be_visible()
    page.screenshot(path=str(tmp_path / f"entry-government-{size}.png"), full_page=True)  # kept as an artifact
    assert serious_violations(page) == []
    widths = page.evaluate(SCROLL_WIDTH)
    assert widths["document"] <= widths["inner"], widths

    button = page.get_by_role("button", name="复制代码")
    expect(button).to_be_visible()
    button.click()
    expect(page.locator("#copy-status")).to_have_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == entry.resource_code


@pytest.mark.parametrize("size", SIZES)
def test_entry_and_department_pages_for_the_public_are_accessible_and_fit(new_page, entry, size, tmp_path):
    page = new_page(viewport=SIZES[size])
    page.goto(f"/entries/{entry.id}")
    expect(page.locator("#provider")).not_to_contain_text("李晓明")
    assert serious_violations(page) == []
    widths = page.evaluate(SCROLL_WIDTH)
    assert widths["document"] <= widths["inner"], widths

    page.locator("#provider").get_by_role("link", name="市公安局").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("市公安局")
    expect(page.locator("#department-entries")).to_contain_text("空气质量监测日报")
    page.screenshot(path=str(tmp_path / f"department-public-{size}.png"), full_page=True)
    assert serious_violations(page) == []
    widths = page.evaluate(SCROLL_WIDTH)
    assert widths["document"] <= widths["inner"], widths


def test_without_javascript_the_code_is_text_and_there_is_no_copy_button(new_page, entry):
    page = new_page(java_script_enabled=False)
    page.goto(f"/entries/{entry.id}")
    expect(page.locator("#resource-code")).to_have_text(entry.resource_code)
    expect(page.locator("button[data-copy]")).to_be_hidden()
