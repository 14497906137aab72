"""The review loop with its context (issue 14, point 4), in Chromium at 1366×900 and 390×844.

The authority returns a new entry with a comment; the editor, on a phone, reads it above the edit form, changes what
was asked and submits again; the department reviewer sees the earlier steps and the diff against the returned
version, the decision after the content, and approves with a comment; the authority, on a phone, reads the
department's decision and, with the keyboard only, confirms and publishes. Every page passes axe-core (no serious or
critical violation) and none scrolls sideways at either width.
"""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app import catalog
from app.core.db import transaction
from app.review import services as review
from tests.browser.test_deadlines_browser import WIDTHS
from tests.browser.test_editor_flow import field, flash

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
NAME = "户籍人口基本信息"
RETURN_COMMENT = "共享条件过宽：请写明可使用的部门和用途。"
NEW_CONDITION = "仅限公安、民政部门核验身份时使用，须经申请审核。"
DEPARTMENT_COMMENT = "已按意见修改，同意报主管部门。"


class Checks:
    """axe-core (serious and critical violations) and sideways scrolling, at both widths, on each page of the story;
    collected and asserted at the end so that one run names every page that fails."""

    def __init__(self, folder):
        self.problems: list[str] = []
        self.folder, self.shots = folder, 0

    def page(self, page, ready) -> None:
        size = page.viewport_size
        for viewport in (DESK, PHONE):
            page.set_viewport_size(viewport)
            page.reload()
            expect(ready).to_be_visible()
            found = page.evaluate(WIDTHS)
            self.shots += 1  # kept as an artifact
            page.screenshot(path=str(self.folder / f"review-loop-{self.shots:02d}-{viewport['width']}.png"),
                            full_page=True)
            if found["document"] > found["inner"]:
                self.problems.append(f"{page.url} scrolls sideways at {found['inner']}px "
                                     f"(scrollWidth {found['document']}px): {found['wide']}")
            results = Axe().run(page, context="main", options={"runOnly": ["wcag2a", "wcag2aa", "wcag21aa"]})
            bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
            if bad:
                self.problems.append(f"axe-core on {page.url} at {found['inner']}px: " + "; ".join(
                    f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}" for v in bad))
        page.set_viewport_size(size)

    def verify(self) -> None:
        assert not self.problems, "\n\n".join(self.problems)


def test_review_loop_keeps_its_context_on_a_desk_and_on_a_phone(make_user, make_entry, sign_in, tmp_path):
    editor = make_user("editor", "市公安局")
    reviewer = make_user("department_reviewer", "市公安局")
    authority = make_user("authority_reviewer", "市政务服务数据管理局")
    entry = make_entry(publish=False, user=editor)
    with transaction():
        catalog.submit([entry], user=editor)
        review.approve(review.pending_review(entry), user=reviewer, comment="信息项齐全，同意。")
    entry_id, code = entry.id, entry.resource_code
    checks = Checks(tmp_path)

    # the authority returns it (desk), the decision at the end of the page
    boss = sign_in(authority, "/review/", viewport=DESK)
    boss.locator("#queue").get_by_role("link", name=NAME, exact=True).click()
    expect(boss.locator("#department-decision")).to_contain_text("信息项齐全，同意。")
    expect(boss.locator("#department-decision")).to_contain_text(reviewer.display_name)
    checks.page(boss, boss.locator("#decision"))
    boss.get_by_label("退回意见").fill(RETURN_COMMENT)
    boss.get_by_role("button", name="退回修改").click()
    expect(flash(boss, f"已退回：{NAME}（{code}）")).to_be_visible()

    # the editor, on a phone, reads the comment above the form, changes the condition and submits again
    page = sign_in(editor, f"/manage/entries/{entry_id}/edit")
    page.set_viewport_size(PHONE)
    page.reload()
    notes = page.locator("#return-notes")
    expect(notes).to_contain_text(RETURN_COMMENT)
    expect(notes).to_contain_text("主管部门审核退回")
    expect(notes).to_contain_text(authority.display_name)
    assert notes.bounding_box()["y"] < page.locator("#entry-form").bounding_box()["y"]
    checks.page(page, notes)
    page.set_viewport_size(PHONE)
    field(page, "共享条件").fill(NEW_CONDITION)
    page.get_by_role("button", name="保存草稿").click()
    expect(flash(page, "已保存")).to_be_visible()
    page.get_by_role("button", name="提交审核").click()
    expect(flash(page, f"已提交部门审核：{NAME}（{code}）")).to_be_visible()

    # the department reviewer (desk): no 新登记资源, the diff against the returned version, the trail
    desk = sign_in(reviewer, "/review/", viewport=DESK)
    expect(desk.locator("#q-department")).to_have_count(0)
    checks.page(desk, desk.locator("#queue"))
    desk.locator("#queue").get_by_role("link", name=NAME, exact=True).click()
    expect(desk.locator("#reasons")).to_contain_text("退回后重新提交：与退回时相比有 1 处变化")
    expect(desk.locator("#reasons")).not_to_contain_text("新登记资源")
    row = desk.locator('#since-return tr[data-field="sharing_condition"]')
    expect(row.locator(".diff-new")).to_have_text(NEW_CONDITION)
    expect(desk.locator("#since-return tbody tr")).to_have_count(1)
    expect(desk.locator("#trail")).to_contain_text(RETURN_COMMENT)
    expect(desk.locator("#trail")).to_contain_text("信息项齐全，同意。")
    approve = desk.get_by_role("button", name="通过，转主管部门审核")
    assert approve.bounding_box()["y"] > desk.locator("#data-items").bounding_box()["y"]
    assert approve.bounding_box()["y"] > desk.locator("#since-return").bounding_box()["y"]
    checks.page(desk, desk.locator("#since-return"))
    desk.get_by_label("审核意见").fill(DEPARTMENT_COMMENT)
    approve.click()
    expect(flash(desk, f"已通过：{NAME}（{code}），已转主管部门审核")).to_be_visible()

    # the authority, on a phone: the department's decision, then confirm and publish with the keyboard only
    boss.set_viewport_size(PHONE)
    boss.goto("/review/")
    boss.locator("#queue").get_by_role("link", name=NAME, exact=True).click()
    expect(boss.locator("#department-decision")).to_contain_text(DEPARTMENT_COMMENT)
    expect(boss.locator("#trail")).to_contain_text(RETURN_COMMENT)
    checks.page(boss, boss.locator("#department-decision"))
    boss.set_viewport_size(PHONE)
    boss.get_by_role("link", name=re.compile("跳到审核决定")).focus()
    boss.keyboard.press("Enter")
    boss.keyboard.press("Tab")
    expect(boss.locator("#confirm")).to_be_focused()
    boss.keyboard.press("Space")
    expect(boss.locator("#confirm")).to_be_checked()
    boss.keyboard.press("Tab")
    expect(boss.locator("#comment")).to_be_focused()
    boss.keyboard.press("Tab")
    expect(boss.get_by_role("button", name="通过并发布")).to_be_focused()
    boss.keyboard.press("Enter")
    expect(flash(boss, f"已通过：{NAME}（{code}），已发布")).to_be_visible()
    checks.verify()
