"""The demand catalog (issue 12, 需求目录), end to end in Chromium.

The acceptance scenario, on 2026-11-02:
a. a seeker of 市民政局 files a demand through the form, naming 市公安局; its title and items match 市公安局's
   published conditional 8-item entry, which the demand page proposes with the matching items; one click turns it
   into a share request (待提供方答复) for exactly those items, and the demand is 已满足;
b. a second demand (also through the form) is answered by 市公安局's responder 将登记新资源; 市公安局's editor
   registers a new entry (services), links it on the demand page, and when it is published (services) the demand
   is 已满足 by itself and shows the entry;
c. the demand catalog lists both, and its total and facet counts agree.
Each page on the way passes axe-core, and the catalog and the form fit a phone without scrolling sideways.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from app import catalog
from app.catalog import Entry
from app.core.db import transaction
from app.extensions import db
from tests.browser.test_deadlines_browser import PageChecks
from tests.browser.test_editor_flow import card, flash
from tests.sharing.conftest import ITEMS, PROVIDER, REQUESTER, eight_items

pytestmark = pytest.mark.browser

NAME = "常住人口基本信息"  # the published 8-item entry of 市公安局
WANTED = ["姓名", "公民身份号码", "户籍地址", "家庭成员关系"]  # the last one is not in the entry
MATCHING = ["姓名", "公民身份号码", "户籍地址"]  # in the entry's order
BASIS = "《社会救助暂行办法》第十一条"
SECOND = "机动车登记信息"  # the second demand, and the entry 市公安局 registers for it
SECOND_ITEMS = ["号牌号码", "车辆类型", "机动车所有人"]


@pytest.fixture
def clock(app):
    """clock("2026-11-02") sets today for the live app (every request, service and stored time reads it)."""

    def set_today(day: str):
        app.config["TODAY"] = dt.date.fromisoformat(day)
        return app.config["TODAY"]

    return set_today


@pytest.fixture
def checks():
    return PageChecks()


def number(page, pattern: str) -> int:
    return int(re.search(pattern, page.url).group(1))


def file_demand(page, *, title: str, items: str, purpose: str, scenario: str, target: str, urgency: str) -> int:
    """Fill the 登记需求 form (already open) and submit it; returns the new demand's id."""
    page.get_by_label(re.compile(r"^需求名称")).fill(title)
    page.get_by_label(re.compile(r"^所需信息项")).fill(items)
    page.get_by_label("需求说明", exact=True).fill(f"{purpose}需要核对的信息。")
    page.get_by_label(re.compile(r"^使用用途")).fill(purpose)
    page.get_by_label(re.compile(r"^应用场景")).fill(scenario)
    page.get_by_label(re.compile(r"^法定职权依据")).fill(BASIS)
    page.get_by_label("目标部门（可选）", exact=True).select_option(label=target)
    page.get_by_label("紧急程度", exact=True).select_option(label=urgency)
    page.get_by_role("button", name="登记需求", exact=True).click()
    expect(page).to_have_url(re.compile(r"/demands/\d+$"))
    demand_id = number(page, r"/demands/(\d+)$")
    expect(flash(page, f"需求已登记（第 {demand_id} 号）：待目标部门答复")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    expect(page.locator("h1 [data-state]")).to_have_attribute("data-state", "awaiting")
    expect(page.locator("#target")).to_have_text(target)
    expect(page.locator("#due")).to_contain_text("2026-11-16")  # 10 working days to answer
    return demand_id


def test_a_demand_is_matched_with_an_entry_another_is_met_by_a_new_entry_and_the_catalog_counts_both(
        make_user, make_entry, department, admin, clock, sign_in, checks):
    assert set(MATCHING) <= set(ITEMS) and WANTED[-1] not in ITEMS
    clock("2026-11-02")
    seeker = make_user("seeker", REQUESTER)
    responder = make_user("responder", PROVIDER)
    editor = make_user("editor", PROVIDER)
    entry = make_entry(user=editor, **eight_items())
    entry_id = entry.id
    assert entry.published_version.name == NAME
    requester_id, provider_id = department(REQUESTER).id, department(PROVIDER).id

    # a. the seeker opens the demand catalog from the menu and files a demand through the form
    page = sign_in(seeker, "/search")
    page.locator("nav").get_by_role("link", name="需求目录", exact=True).click()
    expect(page).to_have_url(re.compile(r"/demands/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("需求目录")
    expect(page.locator("#total")).to_have_text("0")
    expect(page.get_by_role("link", name="导出 Excel", exact=True)).to_be_visible()
    page.get_by_role("link", name="登记需求", exact=True).click()
    expect(page).to_have_url(re.compile(r"/demands/new$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("登记需求")
    checks.accessible(page)
    checks.fits_a_phone(page, ready=page.locator("form #title"))
    first = file_demand(page, title=NAME, items="姓名、公民身份号码\n户籍地址\n家庭成员关系", purpose="低保审核",
                        scenario="社会救助审批时核对申请人户籍", target=PROVIDER, urgency="紧急")
    first_url = page.url
    expect(page.locator("#demand-items")).to_have_text("、".join(WANTED))
    expect(page.locator("main dl")).to_contain_text("紧急")
    expect(page.locator("#answer-title")).to_have_count(0)  # the seeker does not answer
    expect(page.locator("#link-title")).to_have_count(0)

    # the search engine proposes 市公安局's entry, with the items it has
    proposal = page.locator(f'#proposals li[data-entry="{entry_id}"]')
    expect(proposal).to_be_visible()
    expect(proposal.get_by_role("link", name=NAME, exact=True)).to_have_attribute("href", f"/entries/{entry_id}")
    expect(proposal).to_contain_text(PROVIDER)
    expect(proposal).to_contain_text(f"含所需信息项：{'、'.join(MATCHING)}")
    expect(proposal).not_to_contain_text(WANTED[-1])
    checks.accessible(page)

    # one click: a share request for exactly the matching items, waiting for the provider
    proposal.get_by_role("button", name=f"将“{NAME}”转为共享申请", exact=True).click()
    expect(page).to_have_url(re.compile(r"/sharing/requests/\d+$"))
    request_id = number(page, r"/sharing/requests/(\d+)$")
    expect(flash(page, f"已转为共享申请（第 {request_id} 号）：待提供方答复")).to_be_visible()
    expect(page.locator("h1 [data-state]")).to_have_attribute("data-state", "pending")
    expect(page.get_by_role("heading", level=1)).to_contain_text("待提供方答复")
    asked = page.locator("#requested-items tbody tr")
    expect(asked).to_have_count(len(MATCHING))
    for n, item in enumerate(MATCHING):
        expect(asked.nth(n).locator("td").first).to_have_text(item)
        expect(asked.nth(n).locator("td").nth(1)).to_have_text(BASIS)
    checks.accessible(page)

    # the demand is met: 已满足, by the share request, and proposes nothing more
    page.goto(first_url)
    expect(page.locator("h1 [data-state]")).to_have_attribute("data-state", "satisfied")
    expect(page.locator("h1 [data-state]")).to_have_text("已满足")
    expect(page.locator("#answer")).to_contain_text("已对接共享申请")
    expect(page.locator("#demand-entry")).to_contain_text(NAME)
    expect(page.get_by_role("link", name=f"第 {request_id} 号", exact=True)).to_have_attribute(
        "href", f"/sharing/requests/{request_id}")
    expect(page.locator("#proposals")).to_have_count(0)
    expect(page.locator("#due")).to_have_count(0)  # closed: no deadline left

    # b. a second demand, which nothing in the catalog has
    page.goto("/demands/new")
    second = file_demand(page, title=SECOND, items="、".join(SECOND_ITEMS), purpose="低保家庭财产核对",
                         scenario="社会救助审批时核对申请人家庭车辆", target=PROVIDER, urgency="一般")
    second_url = page.url
    expect(page.locator("#demand-items")).to_have_text("、".join(SECOND_ITEMS))

    # 市公安局's responder answers: it will register a new entry
    desk = sign_in(responder, f"/demands/{second}")
    expect(desk).to_have_url(second_url)
    expect(desk.locator("#proposals")).to_have_count(0)  # proposals are the requester's
    answer = card(desk, "答复")
    expect(answer).to_be_visible()
    expect(desk.locator("#existing-entry option", has_text=NAME)).to_have_attribute("value", str(entry_id))
    expect(answer.get_by_role("button", name="答复：已有资源可满足", exact=True)).to_be_visible()
    expect(answer.get_by_role("button", name="答复：无法提供", exact=True)).to_be_visible()
    checks.accessible(desk)
    desk.locator("#register-note").fill("将登记机动车登记信息")
    answer.get_by_role("button", name="答复：将登记新资源", exact=True).click()
    expect(desk).to_have_url(second_url)
    expect(flash(desk, "已办理：待登记新资源")).to_be_visible()
    expect(desk.locator("h1 [data-state]")).to_have_attribute("data-state", "registering")
    expect(desk.locator("#answer")).to_have_text("将登记新资源：将登记机动车登记信息")
    expect(desk.locator("#due")).to_contain_text("2026-11-23")  # 15 working days to publish
    expect(card(desk, "答复")).to_have_count(0)

    # 市公安局's editor registers the entry (services) and links it on the demand page
    draft = make_entry(publish=False, user=editor, name=SECOND)
    draft_id, draft_code = draft.id, draft.resource_code
    work = sign_in(editor, f"/demands/{second}")
    link = card(work, "关联新登记的信息资源")
    expect(link).to_be_visible()
    work.locator("#link-entry").select_option(str(draft_id))
    checks.accessible(work)
    link.get_by_role("button", name="关联", exact=True).click()
    expect(work).to_have_url(second_url)
    expect(flash(work, "已办理：待登记新资源")).to_be_visible()
    expect(work.locator("h1 [data-state]")).to_have_attribute("data-state", "registering")
    expect(work.locator("#demand-entry")).to_contain_text(f"{SECOND}（登记中）")
    expect(work.locator("#demand-entry")).to_contain_text(draft_code)
    expect(work.locator("#link-entry")).to_have_value(str(draft_id))

    # the entry is published (services): the demand is met by itself
    db.session.rollback()
    with transaction():
        catalog.publish_directly([db.session.get(Entry, draft_id)], user=admin, reason="响应共享需求")
    db.session.rollback()
    page.goto(second_url)
    expect(page.locator("h1 [data-state]")).to_have_attribute("data-state", "satisfied")
    expect(page.locator("h1 [data-state]")).to_have_text("已满足")
    expect(page.locator("#demand-entry").get_by_role("link", name=SECOND, exact=True)).to_have_attribute(
        "href", f"/entries/{draft_id}")
    expect(page.locator("#demand-entry")).to_contain_text(draft_code)
    expect(page.locator("#demand-entry")).not_to_contain_text("登记中")
    expect(page.locator("#answer")).to_contain_text("将登记新资源")
    expect(page.locator("#due")).to_have_count(0)
    work.reload()
    expect(work.locator("h1 [data-state]")).to_have_attribute("data-state", "satisfied")
    expect(card(work, "关联新登记的信息资源")).to_have_count(0)

    # c. the demand catalog: both demands, and the facets count them alike
    page.goto("/demands/")
    expect(page.locator("#total")).to_have_text("2")
    cards = page.locator("[data-demand]")
    expect(cards).to_have_count(2)
    expect(cards.first).to_have_attribute("data-demand", str(second))  # newest first
    for demand_id, title in ((first, NAME), (second, SECOND)):
        row = page.locator(f'[data-demand="{demand_id}"]')
        expect(row.get_by_role("link", name=title, exact=True)).to_have_attribute("href", f"/demands/{demand_id}")
        expect(row.locator("[data-state]")).to_have_attribute("data-state", "satisfied")
        expect(row).to_contain_text(f"{REQUESTER} → {PROVIDER}")
    facet_counts = {
        "#facet-state": {"state:satisfied": "2"},
        "#facet-requester": {f"requester:{requester_id}": "2"},
        "#facet-target": {f"target:{provider_id}": "2"},
        "#facet-age": {"age:week": "2"},
    }
    for facet, counts in facet_counts.items():
        expect(page.locator(f"{facet} li")).to_have_count(len(counts))
        for key, n in counts.items():
            expect(page.locator(f'{facet} [data-count="{key}"]')).to_have_text(n)
    expect(page.locator("#facet-state li")).to_contain_text("已满足")
    expect(page.locator("#facet-requester li")).to_contain_text(REQUESTER)
    expect(page.locator("#facet-target li")).to_contain_text(PROVIDER)
    expect(page.locator("#facet-age li")).to_contain_text("7 天内")
    checks.accessible(page)
    checks.fits_a_phone(page, ready=page.locator("#total"))

    # a facet filters (and can be undone); a search narrows; the export holds what the page lists
    page.locator("#facet-state").get_by_role("link", name="已满足", exact=True).click()
    expect(page).to_have_url(re.compile(r"/demands/\?state=satisfied$"))
    expect(page.locator("#total")).to_have_text("2")
    expect(page.locator('#facet-state a[aria-current="true"]')).to_contain_text("已满足")
    page.get_by_label("关键词", exact=True).fill("号牌号码")
    page.get_by_role("button", name="检索", exact=True).click()
    expect(page.locator("#total")).to_have_text("1")
    expect(page.locator("[data-demand]")).to_have_count(1)
    expect(page.locator(f'[data-demand="{second}"]')).to_be_visible()
    page.goto("/demands/")
    export = page.get_by_role("link", name="导出 Excel", exact=True)
    response = page.request.get(export.get_attribute("href"))
    assert response.ok, response.status
    sheet = load_workbook(io.BytesIO(response.body())).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {first, second}, rows
    assert rows[first][1:3] == (NAME, "、".join(WANTED)) and rows[first][9] == "已满足", rows[first]
    assert rows[second][1:3] == (SECOND, "、".join(SECOND_ITEMS)) and rows[second][9] == "已满足", rows[second]
    checks.verify()
