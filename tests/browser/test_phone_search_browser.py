"""Search on a phone and on a desk, in Chromium (issue 14, point 3): on a 390×844 phone the results come first and
the facets wait behind 筛选, which opens them with and without JavaScript; on a 1366×900 desk the facets are the
left column; tables people read on a phone (the review queue) become labelled cards. Every page passes axe-core
and none scrolls sideways."""
import re

import pytest
from playwright.sync_api import expect

from app import catalog
from app.review import services as review
from tests.browser.test_deadlines_browser import WIDTHS, PageChecks
from tests.portal.test_portal import OPEN
from tests.review.test_review_context import step

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}


@pytest.fixture
def open_entries(make_entry, department):
    """Open entries of two departments and two formats: the public has a choice in those facets."""
    ecology = department("市生态环境局").id
    water = department("市水务局").id
    made = [make_entry(**OPEN, summary="各监测站点每日空气质量指数。", provider=ecology)]
    for n, name in enumerate(["河流水质监测月报", "地下水位监测数据", "水库蓄水量日报", "降水量监测数据"]):
        made.append(make_entry(**{**OPEN, "name": name}, summary=f"{name}，按月汇总。", provider=water,
                               format_category="spreadsheet" if n % 2 else "database",
                               format_type="xlsx" if n % 2 else "oracle"))
    return made


def no_sideways_scroll(page) -> None:
    found = page.evaluate(WIDTHS)
    assert found["document"] <= found["inner"], f"{page.url} scrolls sideways: {found['wide']}"


def test_on_a_phone_results_come_first_and_filters_open_from_the_button(open_entries, new_page):
    checks = PageChecks()
    page = new_page(viewport=PHONE)
    page.goto("/search")
    expect(page.locator("#result-count")).to_contain_text("共 5 条")
    first = page.locator(".entry-card").first
    expect(first).to_be_visible()
    assert first.bounding_box()["y"] < PHONE["height"], "the first result is below the first screen"
    facet = page.locator('[data-facet="format_category"]')
    expect(facet).to_be_hidden()  # the facets wait behind 筛选
    button = page.get_by_role("link", name="筛选", exact=True)
    expect(button).to_be_visible()
    no_sideways_scroll(page)
    checks.accessible(page)

    button.click()  # Bootstrap's offcanvas: a dialog named 筛选, focus inside
    panel = page.get_by_role("dialog", name="筛选")
    expect(panel).to_be_visible()
    expect(facet).to_be_visible()
    expect(panel).to_contain_text("信息资源提供方")
    no_sideways_scroll(page)
    checks.accessible(page)
    page.keyboard.press("Escape")
    expect(facet).to_be_hidden()
    expect(button).to_be_focused()

    button.click()
    facet.get_by_role("link", name="电子表格").click()
    expect(page.locator("#result-count")).to_contain_text("共 2 条")
    assert "format_category=spreadsheet" in page.url
    expect(page.get_by_role("link", name="筛选（1）")).to_be_visible()
    expect(facet).to_be_hidden()  # the results again, the filter named in its chip
    expect(page.locator("#chips")).to_contain_text("电子表格")
    assert page.locator(".entry-card").first.bounding_box()["y"] < PHONE["height"]
    checks.accessible(page)
    checks.verify()


def test_without_javascript_the_filter_button_still_opens_the_panel(open_entries, new_page):
    # (no axe-core here: it runs as a script in the page; the same markup is checked in the test above)
    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.goto("/search")
    facet = page.locator('[data-facet="provider"]')
    expect(facet).to_be_hidden()
    page.get_by_role("link", name="筛选", exact=True).click()
    assert page.url.endswith("#facets")
    expect(facet).to_be_visible()
    expect(page.locator("#facets")).to_be_in_viewport()

    page.get_by_role("link", name="完成").click()  # closes without applying anything
    expect(facet).to_be_hidden()

    page.get_by_role("link", name="筛选", exact=True).click()
    facet.get_by_role("link", name="市水务局").click()
    expect(page.locator("#result-count")).to_contain_text("共 4 条")
    expect(page.get_by_role("link", name="筛选（1）")).to_be_visible()
    expect(facet).to_be_hidden()


def test_on_a_desk_the_facets_are_the_left_column(open_entries, new_page):
    checks = PageChecks()
    page = new_page(viewport=DESK)
    page.goto("/search")  # goto waits for the load event: the style sheets apply
    facets, results = page.locator("#facets"), page.locator("#results")
    expect(page.locator('[data-facet="format_category"]')).to_be_visible()
    expect(page.locator("#filter-button")).to_be_hidden()
    expect(page.locator("#facets-title")).to_be_hidden()  # the panel's own heading and 完成 only on a phone
    left, right = facets.bounding_box(), results.bounding_box()
    assert left["x"] + left["width"] <= right["x"] + 1 and abs(left["y"] - right["y"]) < 2
    assert left["width"] < right["width"] / 2
    page.locator('[data-facet="provider"]').get_by_role("link", name="市生态环境局").click()
    expect(page.locator("#result-count")).to_contain_text("共 1 条")
    no_sideways_scroll(page)
    checks.accessible(page)
    checks.verify()


def test_the_review_queue_is_a_stack_of_labelled_cards_on_a_phone(make_entry, make_user, sign_in):
    editor = make_user("editor", "市公安局")
    for name in ("户籍人口基本信息", "出入境证件签发信息"):
        entry = make_entry(publish=False, user=editor, name=name)
        step(catalog.submit, [entry], user=editor)
    assert review.pending_review(entry) is not None
    checks = PageChecks()
    page = sign_in(make_user("department_reviewer", "市公安局"), "/review/", viewport=PHONE)
    row = page.locator("#queue tbody tr").filter(has_text="出入境证件签发信息")
    name_cell, department_cell = row.locator('td[data-label="信息资源"]'), row.locator('td[data-label="部门"]')
    expect(department_cell).to_have_text(re.compile("市公安局"))
    page.wait_for_load_state("load")  # the style sheets applied before measuring
    label = department_cell.evaluate("(td) => getComputedStyle(td, '::before').content")
    assert label == '"部门"'
    above, below = name_cell.bounding_box(), department_cell.bounding_box()
    assert below["y"] >= above["y"] + above["height"] - 1 and abs(below["x"] - above["x"]) < 2  # stacked
    assert above["width"] > PHONE["width"] * 0.7  # a cell spans the card, not a column a character wide
    header = page.locator("#queue thead").bounding_box()
    assert header is None or header["height"] <= 1  # out of sight, still there for screen readers
    no_sideways_scroll(page)
    checks.accessible(page)

    page.set_viewport_size(DESK)  # on a desk it is a table again
    assert department_cell.evaluate("(td) => getComputedStyle(td).display") == "table-cell"
    assert department_cell.evaluate("(td) => getComputedStyle(td, '::before').content") in ("none", "normal")
    checks.accessible(page)
    checks.verify()
