"""Share requests (issue 11), end to end in Chromium against a real exchange platform on 127.0.0.1.

The acceptance scenario: on 2026-11-02 a seeker of 市民政局 finds 市公安局's conditional 8-item entry through the
portal's search, asks for 3 of its items (a legal basis for each) for 2026-11-02～2026-12-31; 市公安局's
信息共享责任人 approves 2 of the 3 from the provider queue; the outbox provisions the grant at the exchange platform
(one signed subscription carrying exactly the 2 items) and the grant page says 已开通; on 2027-01-01 the sweep
expires the grant, the outbox revokes it (a DELETE), the grant page says 已到期 and the platform holds nothing.
Each page on the way passes axe-core, and the request form fits a phone without scrolling sideways.

The adapter calls run from the outbox, which the test drains itself (in the live app's context, which is the
test's own: the live server serves the test's `app`), as the worker would; the clock is moved, never slept.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from app import outbox, sharing
from app.extensions import db
from tests.adapters.exchange_server import ExchangeServer
from tests.browser.test_deadlines_browser import PageChecks
from tests.browser.test_editor_flow import card, flash
from tests.sharing.conftest import ITEMS, PROVIDER, REQUESTER, eight_items

pytestmark = pytest.mark.browser

KEY = "sharing-browser-key"
NAME = "常住人口基本信息"
ASKED = ["姓名", "公民身份号码", "婚姻状况"]  # 3 of the 8, not the first three
APPROVED = ASKED[:2]  # the responder leaves 婚姻状况 unticked
BASIS = {"姓名": "《社会救助暂行办法》第十一条", "公民身份号码": "《居民身份证法》第十五条",
         "婚姻状况": "《最低生活保障审核确认办法》第十条"}


@pytest.fixture
def clock(app):
    """clock("2026-11-02") sets today for the live app (every request, service and stored time reads it)."""

    def set_today(day: str):
        app.config["TODAY"] = dt.date.fromisoformat(day)
        return app.config["TODAY"]

    return set_today


@pytest.fixture
def exchange(app):
    """The exchange platform, and the live app pointed at it (its adapters made again with this config)."""
    server = ExchangeServer(key=KEY).start()
    app.config.update(EXCHANGE_URL=server.url, EXCHANGE_KEY=KEY, EXCHANGE_TIMEOUT_SECONDS=5.0)
    app.extensions.pop("catalog_adapters", None)
    yield server
    server.stop()


@pytest.fixture
def checks():
    return PageChecks()


def drain() -> None:
    """What the worker's outbox loop would do now, in the live app's context."""
    db.session.rollback()  # no snapshot of the test's session older than what the server committed
    outbox.drain()
    db.session.rollback()


def number(page, pattern: str) -> int:
    return int(re.search(pattern, page.url).group(1))


def test_a_seeker_asks_the_responder_approves_part_the_grant_is_provisioned_then_expires_and_is_revoked(
        make_user, make_entry, clock, exchange, sign_in, checks):
    assert set(ASKED) <= set(ITEMS)
    clock("2026-11-02")
    seeker = make_user("seeker", REQUESTER)
    responder = make_user("responder", PROVIDER)
    editor = make_user("editor", PROVIDER)
    entry = make_entry(user=editor, **eight_items())
    entry_id = entry.id
    assert entry.published_version.name == NAME

    # the seeker finds the entry through the portal's search and opens it
    page = sign_in(seeker, f"/search?q={NAME}")
    expect(page.locator("#result-count")).to_contain_text("共 1 条")
    page.get_by_role("link", name=NAME, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/entries/{entry_id}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(NAME)
    for item in ITEMS:
        expect(page.get_by_text(item, exact=True).first).to_be_visible()
    sharing_card = page.locator("#sharing")
    ask = sharing_card.get_by_role("link", name="申请共享", exact=True)
    expect(ask).to_have_attribute("href", f"/sharing/entries/{entry_id}/request")
    checks.accessible(page)

    # the request form: 8 items, a basis for each; it fits a phone
    ask.click()
    expect(page).to_have_url(re.compile(rf"/sharing/entries/{entry_id}/request$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"申请共享：{NAME}")
    boxes = page.locator('#items input[type="checkbox"][name="items"]')
    expect(boxes).to_have_count(8)
    checks.accessible(page)
    checks.fits_a_phone(page, ready=page.locator("#items"))
    for item in ASKED:
        page.locator("#items").get_by_label(item, exact=True).check()
        page.get_by_label(f"“{item}”的法定职权依据", exact=True).fill(BASIS[item])
    expect(page.locator("#item-7")).to_be_checked()  # 婚姻状况 is the 7th item
    expect(page.locator('#items input[name="items"]:checked')).to_have_count(3)
    page.get_by_label(re.compile(r"^使用用途")).fill("低保对象家庭经济状况核对")
    page.get_by_label(re.compile(r"^应用场景")).fill("社会救助审批时核验申请人身份和婚姻状况")
    page.get_by_label(re.compile(r"^使用范围")).fill("市民政局社会救助科")
    page.get_by_label(re.compile(r"^使用期限起")).fill("2026-11-02")
    page.get_by_label(re.compile(r"^使用期限止")).fill("2026-12-31")
    page.get_by_role("button", name="提交共享申请").click()

    expect(page).to_have_url(re.compile(r"/sharing/requests/\d+$"))
    request_id = number(page, r"/sharing/requests/(\d+)$")
    expect(flash(page, f"共享申请已提交（第 {request_id} 号）：待提供方答复")).to_be_visible()
    expect(page.locator("h1 [data-state]")).to_have_attribute("data-state", "pending")
    expect(page.get_by_role("heading", level=1)).to_contain_text("待提供方答复")
    expect(page.locator("#due")).to_have_text("2026-11-16")  # 10 working days (广州实施细则 §35)
    expect(page.locator("main > dl")).to_contain_text("2026-11-02～2026-12-31")
    asked_rows = page.locator("#requested-items tbody tr")
    expect(asked_rows).to_have_count(3)
    for n, item in enumerate(ASKED):
        expect(asked_rows.nth(n)).to_contain_text(item)
        expect(asked_rows.nth(n)).to_contain_text(BASIS[item])
    expect(page.locator("#answer-title")).to_have_count(0)  # the seeker does not answer
    checks.accessible(page)
    request_url = page.url

    # the provider's responder, in another browser, answers from the provider queue
    desk = sign_in(responder, "/sharing/requests?box=provider")
    expect(desk).to_have_url(re.compile(r"/sharing/requests\?box=provider$"))
    row = desk.locator(f'tr[data-request="{request_id}"]')
    expect(row).to_contain_text(NAME)
    expect(row).to_contain_text(REQUESTER)
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "pending")
    expect(row).to_contain_text("2026-11-16")
    checks.accessible(desk)
    row.get_by_role("link", name=f"第 {request_id} 号", exact=True).click()
    expect(desk).to_have_url(re.compile(rf"/sharing/requests/{request_id}$"))
    answer = card(desk, "答复")
    approve = answer.locator('input[type="checkbox"][name="items"]')
    expect(approve).to_have_count(3)
    for n in range(1, 4):
        expect(desk.locator(f"#approve-{n}")).to_be_checked()
    checks.accessible(desk)
    answer.get_by_label(ASKED[2], exact=True).uncheck()
    expect(desk.locator("#approve-3")).not_to_be_checked()
    answer.get_by_label("共享条件", exact=True).fill("仅限核对，不得留存")
    answer.get_by_role("button", name="同意共享").click()

    expect(desk).to_have_url(re.compile(rf"/sharing/requests/{request_id}$"))
    expect(desk.locator("h1 [data-state]")).to_have_attribute("data-state", "granted")
    expect(desk.locator("#decision")).to_have_text("仅限核对，不得留存")
    expect(card(desk, "答复")).to_have_count(0)
    grants = card(desk, "授权").locator("li")
    expect(grants).to_have_count(1)
    expect(grants).to_contain_text("、".join(APPROVED))
    expect(grants).not_to_contain_text(ASKED[2])
    expect(grants).to_contain_text("2026-11-02～2026-12-31")
    assert exchange.requests == []  # nothing is sent inside the request that approved it
    grants.get_by_role("link", name=re.compile(r"^第 \d+ 号授权$")).click()
    expect(desk).to_have_url(re.compile(r"/sharing/grants/\d+$"))
    grant_id = number(desk, r"/sharing/grants/(\d+)$")
    grant_url = desk.url
    expect(desk.locator("h1 [data-grant-state]")).to_have_attribute("data-grant-state", "provisioning")
    expect(desk.locator("h1 [data-grant-state]")).to_have_text("开通中")
    expect(desk.locator("#grant-items")).to_have_text("、".join(APPROVED))

    # the worker's outbox runs: the grant is provisioned at the exchange platform
    drain()
    desk.reload()
    expect(desk.locator("h1 [data-grant-state]")).to_have_attribute("data-grant-state", "active")
    expect(desk.locator("h1 [data-grant-state]")).to_have_text("已开通")
    checks.accessible(desk)

    posts = exchange.requests_for("POST")
    assert len(posts) == 1, posts
    assert list(exchange.subscriptions) == [f"grant-{grant_id}"]
    assert posts[0].json["items"] == APPROVED
    assert exchange.subscriptions[f"grant-{grant_id}"]["items"] == APPROVED
    assert all(r.signed for r in exchange.requests), exchange.requests

    # the seeker's request page now lists the active grant; the grant page shows it and the 2 items
    page.goto(request_url)
    expect(page.locator("h1 [data-state]")).to_have_attribute("data-state", "granted")
    seeker_grants = card(page, "授权").locator("li")
    expect(seeker_grants).to_have_count(1)
    expect(seeker_grants.locator("[data-grant-state]")).to_have_attribute("data-grant-state", "active")
    checks.accessible(page)
    seeker_grants.get_by_role("link", name=f"第 {grant_id} 号授权", exact=True).click()
    expect(page).to_have_url(grant_url)
    expect(page.locator("h1 [data-grant-state]")).to_have_attribute("data-grant-state", "active")
    expect(page.locator("h1 [data-grant-state]")).to_have_text("已开通")
    expect(page.locator("#grant-items")).to_have_text("、".join(APPROVED))
    expect(page.locator("main > dl")).to_contain_text("2026-11-02～2026-12-31")
    expect(page.locator("#access")).to_contain_text(f"grant-{grant_id}")  # the consumer's 获取方式
    checks.accessible(page)

    # 2027-01-01: the hourly sweep expires the grant and the outbox revokes it at the exchange platform
    clock("2027-01-01")
    db.session.rollback()
    assert sharing.run_sweep().expired == 1
    drain()
    assert exchange.subscriptions == {}
    deletes = exchange.requests_for("DELETE")
    assert [(r.path, r.status) for r in deletes] == [(f"/subscriptions/grant-{grant_id}", 204)], deletes
    assert len(exchange.requests_for("POST")) == 1
    assert all(r.signed for r in exchange.requests), exchange.requests

    # (stored times follow the clock, so the seeker's session looks idle-expired: sign in again)
    page = sign_in(seeker, f"/sharing/grants/{grant_id}")
    expect(page).to_have_url(grant_url)
    expect(page.locator("h1 [data-grant-state]")).to_have_attribute("data-grant-state", "expired")
    expect(page.locator("h1 [data-grant-state]")).to_have_text("已到期")
    expect(page.locator("#access")).to_have_count(0)
    checks.accessible(page)
    checks.verify()
