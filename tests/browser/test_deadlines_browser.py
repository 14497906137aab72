"""Change tracking with working-day deadlines (issue 10), end to end in Chromium with the clock moved, never slept.

a. the acceptance scenario: the authority records a change event for 市公安局 and 市民政局 through the form; 市公安局
   revises an entry, links it to its task and closes it on time; 市民政局 does nothing and is overdue by 11-30; the
   authority's table and chart say so. Each page on the way passes axe-core, and the dashboard and the desk fit a
   phone without scrolling sideways.
b. the admin's working-day calendar, deadline settings and a notifications list pass axe-core.

Moving TODAY far ahead makes an open session look idle-expired (stored times follow the clock), so each person
signs in again after the clock moves.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app import catalog, notifications
from app.core.db import transaction
from tests.browser.test_editor_flow import card, flash
from tests.conftest import edit, valid_values

pytestmark = pytest.mark.browser

OWN, OTHER, AUTHORITY = "市公安局", "市民政局", "市政务服务数据管理局"
TITLE = "《某市户籍管理条例》修订"
SOURCE = "某市人大常委会公告〔2026〕12号"
NAME = "户籍人口基本信息"
PHONE = {"width": 375, "height": 740}
CHART = """() => {
    const chart = window.deadlineChart;
    return {labels: chart.data.labels,
            datasets: chart.data.datasets.map((d) => ({label: d.label, data: Array.from(d.data)}))};
}"""


@pytest.fixture
def clock(app):
    """clock("2026-11-02") sets today for the live app (every request and service reads it)."""

    def set_today(day: str) -> dt.date:
        app.config["TODAY"] = dt.date.fromisoformat(day)
        return app.config["TODAY"]

    return set_today


class PageChecks:
    """axe-core and the phone-width check on each page of a story, collected and asserted together at its end, so
    that one run both walks the whole story and names every page that fails a check."""

    def __init__(self):
        self.problems: list[str] = []

    def accessible(self, page, context: str = "main") -> None:
        """axe-core on the page's own content, as the other browser tests check it (the site-wide menu is reviewed
        with the portal's accessibility work)."""
        results = Axe().run(page, context=context, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21aa"]})
        found = f"axe-core on {page.url} ({context}):\n{results.generate_report()}"
        if results.violations_count and found not in self.problems:  # a page checked twice is named once
            self.problems.append(found)

    def fits_a_phone(self, page, ready) -> None:
        """At 375×740 neither the page's content nor the page scrolls sideways (a wide table scrolls in its box)."""
        size = page.viewport_size
        page.set_viewport_size(PHONE)
        try:
            page.reload()
            expect(ready).to_be_visible()
            found = page.evaluate(WIDTHS)
        finally:
            page.set_viewport_size(size)
        if found["main"] > found["inner"]:
            self.problems.append(f"{page.url}: the page's content is {found['main']}px wide on a "
                                 f"{found['inner']}px phone: {found['wide']}")
        if found["document"] > found["inner"]:
            self.problems.append(f"{page.url} scrolls sideways on a {found['inner']}px phone "
                                 f"(scrollWidth {found['document']}px); too wide: {found['wide']}")

    def verify(self) -> None:
        assert not self.problems, "\n\n".join(self.problems)


# widths on the page, and the outermost elements that reach past the window's right edge (not those inside a box
# that scrolls or clips them, as a wide table in .table-responsive)
WIDTHS = """() => {
    const inner = window.innerWidth;
    const main = document.querySelector("main");
    const past = (e) => e && e !== document.body && e.getBoundingClientRect().right > inner + 0.5;
    const boxed = (e) => {
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== "visible") { return true; }
        }
        return false;
    };
    const wide = Array.from(document.body.querySelectorAll("*"))
        .filter((e) => past(e) && !past(e.parentElement) && !boxed(e))
        .slice(0, 10).map((e) => `<${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}`
            + `${e.classList.length ? "." + Array.from(e.classList).join(".") : ""}>`
            + ` right ${Math.round(e.getBoundingClientRect().right)}px`);
    return {inner, document: document.scrollingElement.scrollWidth,
            main: Math.max(main.scrollWidth, Math.ceil(main.getBoundingClientRect().right)), wide};
}"""


@pytest.fixture
def checks():
    return PageChecks()


def count(page, department_id: int, key: str):
    return page.locator(f'#department-table tr[data-department="{department_id}"] td[data-count="{key}"]')


# ---- a. the acceptance scenario -------------------------------------------------------------------------------

def test_one_department_updates_on_time_the_other_misses_the_deadline_and_the_authority_sees_both(
        make_user, make_entry, department, admin, clock, sign_in, checks):
    own, other = department(OWN).id, department(OTHER).id
    editor = make_user("editor", OWN)
    make_user("editor", OTHER)  # 民政局 has someone who could act, and does nothing
    authority = make_user("authority_reviewer", AUTHORITY)
    clock("2026-07-01")  # published long before the change (not offered for linking: only the revision is)
    entry = make_entry(user=editor, name=NAME)
    entry_id, code = entry.id, entry.resource_code

    # 11-02: the authority records the change through the form, for both departments
    clock("2026-11-02")
    page = sign_in(authority, "/changes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("各部门目录更新期限")
    expect(page.locator("#deadline-chart")).to_have_count(0)  # nothing to chart yet
    page.get_by_role("link", name="登记变更事件", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登记变更事件")
    page.get_by_label("法规修订", exact=True).check()
    page.get_by_label(re.compile(r"^变更内容")).fill(TITLE)
    page.get_by_label(re.compile(r"^依据文件")).fill(SOURCE)
    page.get_by_label(re.compile(r"^生效日期")).fill("2026-11-02")
    page.get_by_label("说明", exact=True).fill("新增居住登记事项。")
    page.get_by_label(OWN, exact=True).check()
    page.get_by_label(OTHER, exact=True).check()
    expect(page.locator(f"#dept-{own}")).to_be_checked()
    checks.accessible(page)
    page.get_by_role("button", name="登记并生成更新任务").click()
    expect(page).to_have_url(re.compile(r"/changes/events/\d+$"))
    expect(flash(page, f"已登记变更事件“{TITLE}”，已为 2 个部门生成目录更新任务")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"法规修订：{TITLE}")
    event_url = page.url
    for department_id in (own, other):  # 11-02 + 15 working days = 11-23
        row = page.locator(f'tr[data-department="{department_id}"]')
        expect(row).to_have_attribute("data-status", "due")
        expect(row).to_contain_text("2026-11-23")

    # 11-05: 市公安局 has revised its entry (through the services), then closes its task in the browser
    clock("2026-11-05")
    with transaction():
        edit(entry, valid_values(name=NAME, summary="本市户籍人口的基本登记信息，新增居住登记事项。"), user=editor)
        catalog.publish_directly([entry], user=admin, reason="依《某市户籍管理条例》修订")
    desk = sign_in(editor, "/changes/")
    expect(desk).to_have_url(re.compile(r"/changes/desk$"))  # a department's users get their desk
    expect(desk.get_by_role("heading", level=1)).to_have_text(f"{OWN} · 期限与待办")
    item = desk.locator("#todo li", has_text=f"更新目录：{TITLE}")
    expect(item).to_contain_text("2026-11-23（还剩 12 个工作日）")
    todo = item.get_by_role("link", name=f"更新目录：{TITLE}", exact=True)
    expect(desk.locator("#maintenance")).to_be_visible()
    checks.accessible(desk)
    checks.fits_a_phone(desk, ready=desk.locator("#todo"))

    todo.click()
    expect(desk).to_have_url(re.compile(r"/changes/tasks/\d+$"))
    expect(desk.get_by_role("heading", level=1)).to_contain_text("目录更新任务")
    expect(desk.locator("h1 [data-status]")).to_have_attribute("data-status", "due")
    expect(desk.locator("#due")).to_contain_text("2026-11-23")
    candidates = card(desk, "本部门近期的目录更新").get_by_role("checkbox")
    expect(candidates).to_have_count(1)  # the revision; the first version is too old to be offered
    revision = card(desk, "本部门近期的目录更新").get_by_label(re.compile(rf"^修订（新版本）：{NAME}（第 2 版）"))
    expect(revision).to_be_visible()
    expect(desk.locator("#links")).to_contain_text("尚未关联目录更新。")
    checks.accessible(desk)
    revision.check()
    desk.get_by_role("button", name="关联所选更新").click()
    expect(flash(desk, "已关联 1 项目录更新")).to_be_visible()
    links = desk.locator("#links li")
    expect(links).to_have_count(1)
    expect(links).to_contain_text(code)
    expect(links).to_contain_text("第 2 版")
    # the linked entry's page, with its 更新状态 card and the department's 登记数据更新 form
    links.get_by_role("link", name=NAME, exact=True).click()
    expect(desk).to_have_url(re.compile(rf"/manage/entries/{entry_id}$"))
    freshness = card(desk, "更新状态")
    expect(freshness.locator("[data-freshness]")).to_be_visible()
    expect(freshness.get_by_role("button", name="登记数据更新")).to_be_visible()
    checks.accessible(desk, context="#freshness")  # the card this issue adds (the rest of the page is older)
    desk.go_back()
    expect(desk).to_have_url(re.compile(r"/changes/tasks/\d+$"))
    desk.get_by_label("办结说明").fill("已修订户籍人口基本信息，增加居住登记信息项。")
    desk.get_by_role("button", name="办结任务").click()
    expect(flash(desk, "任务已办结（按期办结）")).to_be_visible()
    expect(desk.locator("h1 [data-status]")).to_have_attribute("data-status", "on_time")
    expect(desk.get_by_role("heading", level=1)).to_contain_text("按期办结")
    expect(desk.locator("main dl")).to_contain_text("2026-11-05（按期办结）")
    expect(desk.get_by_role("button", name="办结任务")).to_have_count(0)
    checks.accessible(desk)

    # 11-30: 市民政局 never acted; the authority (signed in again) sees both on the table and on the chart
    clock("2026-11-30")
    dashboard = sign_in(authority, "/changes/")
    expect(dashboard.get_by_role("heading", level=1)).to_have_text("各部门目录更新期限")
    expect(count(dashboard, own, "on_time")).to_have_text("1")
    expect(count(dashboard, own, "overdue")).to_have_text("0")
    expect(count(dashboard, own, "open")).to_have_text("0")
    expect(count(dashboard, other, "overdue")).to_have_text("1")
    expect(count(dashboard, other, "on_time")).to_have_text("0")
    expect(count(dashboard, other, "open")).to_have_text("1")
    # sorted by 已逾期 (the default, descending): 民政局 leads; by 按期办结, 公安局 does
    rows = dashboard.locator("#department-table tbody tr")
    expect(rows.first).to_have_attribute("data-department", str(other))
    dashboard.locator("#department-table thead").get_by_role("link", name="按期办结", exact=True).click()
    expect(dashboard).to_have_url(re.compile(r"sort=on_time&order=desc"))
    expect(rows.first).to_have_attribute("data-department", str(own))
    expect(dashboard.locator('#department-table th[aria-sort="descending"]')).to_contain_text("按期办结")

    canvas = dashboard.locator("canvas#deadline-chart")
    expect(canvas).to_have_attribute("data-ready", "1")
    chart = dashboard.evaluate(CHART)
    assert sorted(chart["labels"]) == ["公安局", "民政局"], chart  # only departments with tasks are charted
    series = {d["label"]: dict(zip(chart["labels"], d["data"])) for d in chart["datasets"]}
    assert list(series) == ["按期办结", "逾期办结", "待办", "已逾期"], chart
    assert series["按期办结"] == {"公安局": 1, "民政局": 0}, chart
    assert series["已逾期"] == {"公安局": 0, "民政局": 1}, chart
    assert series["逾期办结"] == series["待办"] == {"公安局": 0, "民政局": 0}, chart
    checks.accessible(dashboard)
    checks.fits_a_phone(dashboard, ready=dashboard.locator('canvas#deadline-chart[data-ready="1"]'))

    # and the event's own page: one on time, one overdue
    dashboard.goto(event_url)
    expect(dashboard.locator(f'tr[data-department="{own}"]')).to_have_attribute("data-status", "on_time")
    expect(dashboard.locator(f'tr[data-department="{other}"]')).to_have_attribute("data-status", "overdue")
    expect(dashboard.locator(f'tr[data-department="{other}"]')).to_contain_text("已逾期 5 个工作日")
    checks.verify()


# ---- b. the calendar, the deadline settings and the notifications list --------------------------------------

def test_the_calendar_deadline_settings_and_notifications_pages_are_accessible(admin, clock, sign_in, checks):
    clock("2026-11-02")
    with transaction():
        notifications.notify(admin, key="test:browser:1", kind="deadline.assigned", subject=f"目录更新任务：{TITLE}",
                             body="请于 2026-11-23 前更新本部门目录。", link="/changes/")
        notifications.notify(admin, key="test:browser:2", kind="deadline.reminder", subject="季度维护确认提醒",
                             body="本季度的目录全面维护尚未确认。")
    page = sign_in(admin, "/notifications/")  # (the sign-in fixture finds the menu as the page's only <nav>)
    assert page.goto("/admin/calendar").ok
    expect(page.get_by_role("heading", level=1)).to_have_text("工作日历 · 2026 年")
    checks.accessible(page)

    page.get_by_role("link", name="2027 年 ›", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/calendar/2027$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("工作日历 · 2027 年")
    checks.accessible(page)

    page.get_by_role("link", name="期限设置", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/deadlines$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("期限设置")
    checks.accessible(page)

    assert page.goto("/notifications/").ok
    expect(page.locator("#notices li")).to_have_count(2)
    expect(page.locator("#unread-total")).to_contain_text("2 条未读")
    checks.accessible(page)
    checks.verify()
