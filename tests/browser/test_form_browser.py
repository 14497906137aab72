"""The entry form in Chromium at 1366×900 and 390×844 (issue 14 point 8): axe-core finds nothing serious or
critical, nothing scrolls sideways, the data items become cards on a phone, the related-entries picker suggests
entries with JavaScript, and the whole form (topic checkboxes, related entries typed by name) submits without it."""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.catalog.models import Entry
from app.extensions import db
from tests.browser.test_editor_flow import (
    ITEMS,
    NAME,
    entry_id_from,
    field,
    fill_entry_fields,
    fill_item,
    flash,
)

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
RELATED = "机动车登记信息"
SIDEWAYS = """() => ({inner: window.innerWidth, document: document.scrollingElement.scrollWidth})"""


def serious(page) -> list[str]:
    """axe-core's serious and critical violations on the page's content."""
    results = Axe().run(page, context="main", options={"runOnly": ["wcag2a", "wcag2aa", "wcag21aa"]})
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def fits(page) -> None:
    widths = page.evaluate(SIDEWAYS)
    assert widths["document"] <= widths["inner"], f"{page.url} scrolls sideways: {widths}"


def saved(entry_id: int) -> dict:
    """The saved draft's data; no read transaction left open while the server works (SQLite)."""
    db.session.rollback()
    data = dict(db.session.get(Entry, entry_id).draft_version.data)
    db.session.rollback()
    return data


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_the_form_is_accessible_and_fits_and_suggests_related_entries(viewport, make_user, make_entry, sign_in):
    related = make_entry(name=RELATED)
    code = related.resource_code
    page = sign_in(make_user("editor", "市公安局"), "/manage/entries/new", viewport=viewport)
    expect(page.get_by_role("heading", level=1)).to_have_text("登记信息资源")
    page.get_by_text("从主题列表中选择").click()        # the topic list open, as when someone picks
    expect(page.get_by_label("办事指南和事项清单201001")).to_be_visible()
    assert serious(page) == []
    fits(page)

    # the data items: a table on a desk, one card per item on a phone, the checkboxes plainly visible
    name_input = page.get_by_label("第 1 项 信息项名称", exact=True)
    check = page.get_by_label("第 1 项 基础信息项", exact=True)
    border = page.evaluate("(e) => getComputedStyle(e).borderTopColor", check.element_handle())
    assert border == "rgb(108, 117, 125)"                          # #6c757d: 4.7:1 on white
    display = page.evaluate("(e) => getComputedStyle(e.closest('tr')).display", name_input.element_handle())
    assert display == ("block" if viewport is PHONE else "table-row")
    if viewport is PHONE:
        box = name_input.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    # the related-entries picker: type part of a name, pick the suggestion, it becomes a line 名称（代码）
    search = page.get_by_label("查找已发布的资源")
    search.fill("机动车")
    suggestion = page.get_by_role("button", name=f"{RELATED}（{code}）")
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(field(page, "关联资源代码")).to_have_value(f"{RELATED}（{code}）")
    expect(page.get_by_text(f"已添加：{RELATED}（{code}）")).to_be_visible()
    assert serious(page) == []
    fits(page)

    # and it saves (with JavaScript), as its code
    fill_entry_fields(page)
    fill_item(page, 0, *ITEMS[0])
    page.get_by_role("button", name="保存草稿").click()
    entry_id = entry_id_from(page)
    assert saved(entry_id)["related_codes"] == [code]

    # the revision form shows the chosen entry as 名称（代码）, the item as a filled card or row
    page.goto(f"/manage/entries/{entry_id}/edit")
    expect(field(page, "关联资源代码")).to_have_value(f"{RELATED}（{code}）")
    assert serious(page) == []
    fits(page)


def test_the_form_submits_without_javascript_with_topics_and_related_entries_by_name(
        make_user, make_entry, sign_in):
    code = make_entry(name=RELATED).resource_code
    page = sign_in(make_user("editor", "市公安局"), "/manage/entries/new", java_script_enabled=False, viewport=PHONE)
    expect(page.get_by_label("查找已发布的资源")).to_be_hidden()      # the search box needs the script
    fill_entry_fields(page, javascript=False)
    fill_item(page, 0, *ITEMS[0])
    page.get_by_text("从主题列表中选择").click()
    page.get_by_label("办事指南和事项清单201001").check()
    page.get_by_label("整个“健康保障”202").check()
    field(page, "关联资源代码").fill(RELATED)
    fits(page)
    page.get_by_role("button", name="保存草稿").click()
    expect(flash(page, f"已保存草稿：{NAME}")).to_be_visible()
    entry_id = entry_id_from(page)
    data = saved(entry_id)
    assert data["topic_codes"] == ["201001", "202"]
    assert data["related_codes"] == [code]

    # the edit form shows each chosen value as 名称（代码）
    page.goto(f"/manage/entries/{entry_id}/edit")
    expect(page.locator("#f-topic_codes-chosen")).to_have_text(re.compile("办事指南和事项清单（201001）.*健康保障（202）"))
    expect(field(page, "关联资源代码")).to_have_value(f"{RELATED}（{code}）")
    fits(page)   # (axe-core, which needs the page's script, checks this page in the test above)
