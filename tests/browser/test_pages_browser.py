"""The all-pages sweep (issue 14): each kind of user's main pages at 1366×900 and 390×844 in Chromium.

On every page, at both sizes: the page never scrolls sideways; on a desk the header is one line (every label in it
on one line) and the work console's side menu is shown; on a phone the side menu is hidden until 菜单 is opened;
axe-core finds no serious or critical violation on the whole page (header, menu, content and footer). A screenshot
of each page at each size is kept under $CATALOG_SCREENSHOTS (or the test's tmp_path/screenshots).

And a keyboard-only story: sign in, search, and decide a review with Tab, Enter and typing only, the focused
element visible (and ringed) at every step.
"""
from __future__ import annotations

import os
import pathlib
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app import catalog, review
from app.core.db import transaction
from app.extensions import db
from tests.sharing.conftest import ask, eight_items

pytestmark = [pytest.mark.browser, pytest.mark.ui_sweep]

DESK = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
OWN, SEEKER_DEPARTMENT, AUTHORITY = "市公安局", "市民政局", "市政务服务数据管理局"
OPEN = dict(category_code="201001", name="空气质量监测日报", sensitivity=[], sharing_type="unconditional",
            sharing_condition=None, open_to_public=True, open_condition="无条件开放，注明来源即可",
            summary="全市各空气质量监测站点每日发布的空气质量指数及首要污染物。",
            data_items=[{"name": "监测站点", "data_type": "C", "length": "50"},
                        {"name": "AQI", "data_type": "I", "length": "4"}])
IN_REVIEW = "机动车登记信息"

# how wide the page is, and the outermost elements that reach past the window's right edge (not those inside a box
# that scrolls or clips them, as a wide table in .table-responsive)
WIDTHS = """() => {
    const inner = window.innerWidth;
    const past = (e) => e && e !== document.body && e.getBoundingClientRect().right > inner + 0.5;
    const boxed = (e) => {
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== "visible") { return true; }
        }
        return false;
    };
    const wide = Array.from(document.body.querySelectorAll("*"))
        .filter((e) => past(e) && !past(e.parentElement) && !boxed(e) && e.getClientRects().length)
        .slice(0, 10).map((e) => `<${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}`
            + `${e.classList.length ? "." + Array.from(e.classList).join(".") : ""}>`
            + ` right ${Math.round(e.getBoundingClientRect().right)}px`);
    return {inner, document: document.scrollingElement.scrollWidth, wide};
}"""

# labels (links, buttons, the brand, the menu's links) whose text runs over more than one line
WRAPPED = """(selector) => {
    const lines = (e) => {
        const tops = [];
        const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
        for (let text = walker.nextNode(); text; text = walker.nextNode()) {
            if (!text.textContent.trim() || text.parentElement.getBoundingClientRect().width <= 1) {
                continue;  // blank, or visually hidden (a 1px box)
            }
            const range = document.createRange();
            range.selectNodeContents(text);
            for (const r of range.getClientRects()) {
                if (r.width < 1 || r.height < 1) { continue; }
                if (!tops.some((t) => Math.abs(t - r.top) < 8)) { tops.push(r.top); }
            }
        }
        return tops.length;
    };
    return Array.from(document.querySelectorAll(selector))
        .filter((e) => e.getClientRects().length && lines(e) > 1)
        .map((e) => `${e.tagName.toLowerCase()} “${e.textContent.trim().replace(/\\s+/g, " ")}”`);
}"""

# the header's own items each on the first row: their tops differ by less than a line
HEADER_ROWS = """() => {
    const bar = document.querySelector("#site-header > div");
    const items = Array.from(bar.children).filter((e) => e.getClientRects().length);
    const tops = items.map((e) => e.getBoundingClientRect().top);
    return {spread: Math.max(...tops) - Math.min(...tops), height: document.querySelector("#site-header")
            .getBoundingClientRect().height};
}"""

# the focused element: its box is in the window and it has a ring (outline or box-shadow) to be seen by
FOCUS = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) { return null; }
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== "none";
    return {tag: e.tagName.toLowerCase(), text: (e.innerText || e.value || e.getAttribute("aria-label") || "").trim(),
            inside: r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight
                    && r.right <= innerWidth, ring};
}"""

LABELS = "#site-header a, #site-header button, #site-header summary, #console-menu a, #console-menu summary"


@pytest.fixture
def screenshots(tmp_path) -> pathlib.Path:
    folder = pathlib.Path(os.environ.get("CATALOG_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def world(make_user, make_entry, clock):
    """Each role's user, an open entry the public finds, a conditional one a seeker asked to share, and an entry
    waiting for the department reviewer."""
    clock("2026-11-02")
    people = {
        "seeker": make_user("seeker", SEEKER_DEPARTMENT),
        "editor": make_user("editor", OWN),
        "department_reviewer": make_user("department_reviewer", OWN),
        "authority": make_user("authority_reviewer", AUTHORITY),
        "admin": make_user("admin", AUTHORITY),
        "responder": make_user("responder", OWN),
    }
    editor = people["editor"]
    opened = make_entry(user=editor, **OPEN)
    shared = make_entry(user=editor, **eight_items())
    waiting = make_entry(publish=False, user=editor, name=IN_REVIEW, summary="本市机动车的号牌、车辆类型和登记日期。")
    with transaction():
        catalog.submit([waiting], user=editor)
    request = ask(shared, people["seeker"], ["姓名", "公民身份号码"])
    pending = review.pending_review(waiting)
    return {"people": people, "open": opened.id, "shared": shared.id, "review": pending.id, "request": request.id}


class Sweep:
    """Visits pages at both sizes, keeps their screenshots and collects every problem; `verify` asserts at the end
    so one run names every page that fails."""

    def __init__(self, folder: pathlib.Path, role: str):
        self.folder, self.role = folder, role
        self.problems: list[str] = []
        self.visited: list[str] = []

    def visit(self, page, path: str, name: str, *, console: bool) -> None:
        self.visited.append(path)
        for size_name, size in (("desk", DESK), ("phone", PHONE)):
            page.set_viewport_size(size)
            response = page.goto(path)
            where = f"[{self.role} {size_name} {size['width']}px] {path}"
            if response is None or response.status >= 500:
                self.problems.append(f"{where}: answered {response and response.status}")
                continue
            expect(page.locator("#site-footer")).to_contain_text("主办单位")
            page.screenshot(path=str(self.folder / f"{self.role}-{name}-{size_name}.png"), full_page=True)
            self.fits(page, where)
            if size_name == "desk":
                self.desk_header(page, where, console)
            elif console:
                self.phone_menu(page, where)
            self.accessible(page, where)

    def fits(self, page, where: str) -> None:
        found = page.evaluate(WIDTHS)
        if found["document"] > found["inner"]:
            self.problems.append(f"{where} scrolls sideways (scrollWidth {found['document']}px > "
                                 f"{found['inner']}px); too wide: {found['wide']}")

    def desk_header(self, page, where: str, console: bool) -> None:
        rows = page.evaluate(HEADER_ROWS)
        if rows["spread"] > 16 or rows["height"] > 72:
            self.problems.append(f"{where}: the header is not one line ({rows})")
        wrapped = page.evaluate(WRAPPED, LABELS)
        if wrapped:
            self.problems.append(f"{where}: labels wrap onto two lines: {wrapped}")
        if console:
            menu = page.get_by_role("navigation", name="工作台菜单")
            if not menu.is_visible():
                self.problems.append(f"{where}: the side menu is not shown on a desk")
            if page.locator("#console-menu > summary").is_visible():
                self.problems.append(f"{where}: 菜单 is shown on a desk")

    def phone_menu(self, page, where: str) -> None:
        menu = page.get_by_role("navigation", name="工作台菜单")
        toggle = page.locator("#console-menu > summary")
        if menu.is_visible():
            self.problems.append(f"{where}: the side menu is open on a phone before 菜单 is pressed")
        if not toggle.is_visible():
            self.problems.append(f"{where}: no 菜单 button on a phone")
            return
        toggle.click()
        expect(menu).to_be_visible()
        expect(menu.get_by_role("link", name="开放目录", exact=True)).to_be_visible()
        self.fits(page, f"{where} (菜单 open)")
        toggle.click()
        expect(menu).to_be_hidden()

    def accessible(self, page, where: str) -> None:
        results = Axe().run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21aa"]})
        serious = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
        for violation in serious:
            nodes = "; ".join(" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                              for n in violation["nodes"][:5])
            self.problems.append(f"{where}: axe {violation['impact']} {violation['id']} — {violation['help']} "
                                 f"({len(violation['nodes'])}×: {nodes})")

    def verify(self) -> None:
        assert not self.problems, "\n".join(self.problems)


# role → the pages it is swept on: (path, screenshot name); "{open}" etc. are filled from the world
PAGES = {
    "anonymous": [("/", "home"), ("/search?q=空气", "search"), ("/entries/{open}", "entry"),
                  ("/catalogs/open", "open-catalog"), ("/login", "login"), ("/no-such-page", "404"),
                  ("/search?page=0", "422"), ("/api/docs", "api-docs")],
    "seeker": [("/search?q=户籍", "search"), ("/entries/{shared}", "entry"), ("/catalogs/department", "departments"),
               ("/catalogs/topic", "topics"), ("/demands/", "demands"), ("/sharing/requests", "sharing-queue"),
               ("/notifications/", "notifications"), ("/account/sessions", "account-security"),
               ("/account/tokens", "api-tokens")],
    "editor": [("/manage/", "dashboard"), ("/imports/", "excel-import"), ("/changes/desk", "changes-desk"),
               ("/catalogs/resource", "resource-catalog")],
    "department_reviewer": [("/review/", "review-queue"), ("/review/{review}", "review")],
    "authority": [("/review/", "review-queue"), ("/changes/", "deadlines")],
    "admin": [("/admin/", "admin-index"), ("/no-such-page", "404"), ("/admin/harvest/", "docking-sources"),
              ("/admin/harvest/new", "docking-new-source")],
    "responder": [("/sharing/requests?box=provider", "sharing-queue"), ("/sharing/requests/{request}", "share-request")],
}


@pytest.mark.parametrize("role", list(PAGES))
def test_every_main_page_fits_a_desk_and_a_phone_and_passes_axe(role, world, new_page, sign_in, screenshots):
    sweep = Sweep(screenshots, role)
    if role == "anonymous":
        page = new_page(viewport=DESK)
    else:
        page = sign_in(world["people"][role], "/", viewport=DESK)
    for path, name in PAGES[role]:
        sweep.visit(page, path.format(**world), name, console=role != "anonymous")
    sweep.verify()


def test_the_sweep_covers_at_least_fifteen_distinct_pages():
    distinct = {re.sub(r"\{\w+\}", "<id>", path.split("?")[0]) + ("?q" if "q=" in path else "")
                for pages in PAGES.values() for path, _ in pages}
    assert len(distinct) >= 15, distinct


def test_the_public_header_links_only_what_the_public_may_open(world, new_page):
    page = new_page(viewport=DESK)
    page.goto("/")
    portal = page.get_by_role("navigation", name="门户导航")
    expect(portal.get_by_role("link")).to_have_text(["检索", "开放目录", "部门", "主题"])
    for link in portal.get_by_role("link").all():
        href = link.get_attribute("href")
        assert page.request.get(href, max_redirects=0).status == 200, href
    expect(page.get_by_role("link", name="登录", exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="工作台菜单")).to_have_count(0)


def test_the_work_console_menu_counts_what_waits_and_marks_the_current_page(world, sign_in):
    reviewer = sign_in(world["people"]["department_reviewer"], "/review/", viewport=DESK)
    menu = reviewer.get_by_role("navigation", name="工作台菜单")
    queue = menu.get_by_role("link", name="审核队列", exact=True)
    expect(queue).to_have_attribute("aria-current", "page")
    expect(menu.locator("li").filter(has=reviewer.get_by_role("link", name="审核队列", exact=True))
           .locator(".console-count")).to_have_text("1件待审核")
    expect(menu.get_by_text("审核", exact=True)).to_be_visible()  # the group's heading
    expect(menu.get_by_role("link", name="系统管理")).to_have_count(0)

    responder = sign_in(world["people"]["responder"], "/", viewport=DESK)
    shares = responder.get_by_role("navigation", name="工作台菜单").get_by_role("link", name="共享申请", exact=True)
    expect(shares).to_have_attribute("href", "/sharing/requests?box=provider")
    expect(responder.get_by_role("navigation", name="工作台菜单").locator("li")
           .filter(has=responder.get_by_role("link", name="共享申请", exact=True))
           .locator(".console-count")).to_have_text("1件待办理")
    expect(responder.get_by_role("navigation", name="工作台菜单").get_by_role("link", name="审核队列")).to_have_count(0)

    admin = sign_in(world["people"]["admin"], "/", viewport=DESK)
    admin_menu = admin.get_by_role("navigation", name="工作台菜单")
    expect(admin_menu.get_by_role("link", name="系统管理", exact=True)).to_be_visible()
    expect(admin_menu.get_by_role("link", name="期限", exact=True)).to_be_visible()
    admin.locator("#console-user > summary").click()  # the user menu: name, department, roles, 账号安全
    expect(admin.locator("#console-user")).to_contain_text(AUTHORITY)
    expect(admin.get_by_role("link", name="账号安全", exact=True)).to_be_visible()


def test_the_phone_menu_opens_without_javascript(world, sign_in):
    page = sign_in(world["people"]["editor"], "/manage/", viewport=PHONE, java_script_enabled=False)
    menu = page.get_by_role("navigation", name="工作台菜单")
    expect(menu).to_be_hidden()
    page.get_by_text("菜单", exact=True).click()
    expect(menu.get_by_role("link", name="Excel 导入", exact=True)).to_be_visible()
    menu.get_by_role("link", name="Excel 导入", exact=True).click()
    expect(page).to_have_url(re.compile(r"/imports/$"))


def test_error_pages_speak_chinese_and_offer_a_search(world, new_page):
    page = new_page(viewport=PHONE)
    page.goto("/search?page=0")
    expect(page.locator("#error-message")).to_contain_text("查询参数「页码」的值无效")
    expect(page.locator("#error-message")).not_to_contain_text("page")
    page.get_by_label("检索信息资源").fill("空气")
    page.get_by_role("button", name="检索", exact=True).click()
    expect(page.get_by_role("link", name=OPEN["name"], exact=True)).to_be_visible()


def keyboard_step(page, key: str, problems: list[str]) -> dict:
    page.keyboard.press(key)
    focused = page.evaluate(FOCUS)
    if focused is not None:
        expect(page.locator(":focus")).to_be_visible()
        if not focused["inside"] or not focused["ring"]:
            problems.append(f"{page.url}: the focused {focused['tag']} “{focused['text'][:30]}” is "
                            f"{'not in the window' if not focused['inside'] else 'without a visible ring'}")
    return focused or {"tag": "body", "text": ""}


def tab_to(page, matches, problems: list[str], limit: int = 60) -> dict:
    for _ in range(limit):
        focused = keyboard_step(page, "Tab", problems)
        if matches(focused):
            return focused
    raise AssertionError(f"{page.url}: {limit} presses of Tab never reached the element")


def test_sign_in_search_and_decide_a_review_with_the_keyboard_only(world, new_page):
    reviewer = world["people"]["department_reviewer"]
    problems: list[str] = []
    page = new_page(viewport=DESK)
    page.goto("/")

    # the skip link is the first stop; then the header's 登录, and the form (its user name field has the focus)
    first = keyboard_step(page, "Tab", problems)
    assert first["text"] == "跳到主要内容", first
    tab_to(page, lambda f: f["text"] == "登录", problems)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    expect(page.locator("#username")).to_be_focused()
    page.keyboard.type(reviewer.username)
    keyboard_step(page, "Tab", problems)
    page.keyboard.type("correct-horse-1")
    page.keyboard.press("Enter")
    expect(page.locator("#signed-in-user")).to_have_text(reviewer.display_name)

    # search from the console's bar
    tab_to(page, lambda f: page.evaluate("document.activeElement.id") == "console-q", problems)
    page.keyboard.type(IN_REVIEW[:4])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))

    # the review queue from the side menu, the entry from the queue, then 通过
    tab_to(page, lambda f: f["text"] == "审核队列", problems)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/review/$"))
    tab_to(page, lambda f: f["tag"] == "a" and f["text"] == IN_REVIEW, problems)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/review/{world['review']}$"))
    tab_to(page, lambda f: f["tag"] == "button" and f["text"].startswith("通过"), problems)
    page.keyboard.press("Enter")
    expect(page.locator(".alert-info").first).to_be_visible()  # the decision's flash message
    db.session.rollback()
    decided = db.session.get(review.Review, world["review"])
    assert decided.state == review.ReviewState.approved, decided.state
    assert not problems, "\n".join(problems)
