"""Browser fixtures: the test's app on a live loopback server, driven by Debian's Chromium through Playwright.

No pytest-playwright plugin: the sync API directly. `browser` is one Chromium per session; `new_page()` opens a
fresh context (its own cookies, i.e. its own signed-in user) and `page` is the first one. When a test fails,
every page it opened is saved as a full-page screenshot under the test's tmp_path.
"""
from __future__ import annotations

import os
import re
from urllib.parse import quote

import pytest

from app.extensions import db

CHROMIUM = os.environ.get("CATALOG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 10_000  # actions, navigations and expect(): fail fast


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (rep_setup, rep_call, rep_teardown) for the fixtures' teardown."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):  # a missing test dependency fails the run loudly, never a skip
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server, request, tmp_path):
    """`new_page(**context_options)`: a page in a fresh browser context whose relative URLs go to the live server."""
    contexts = []

    def make(**options):
        # reduced motion: Bootstrap then scrolls without its smooth-scrolling animation, during which Playwright
        # sees the element it is about to click as "not stable" and retries (≈1 s per click)
        options = {"locale": "zh-CN", "base_url": live_server, "reduced_motion": "reduce", **options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make

    failed = any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))
    if failed:
        _screenshots(contexts, tmp_path, request.node.name)
    for context in contexts:
        context.close()


def _screenshots(contexts, tmp_path, test_name) -> None:
    n = 0
    stem = re.sub(r"[^\w.-]+", "_", test_name)
    for c, context in enumerate(contexts):
        for p, page in enumerate(context.pages):
            n += 1
            path = tmp_path / f"{stem}-context{c}-page{p}.png"
            try:
                page.screenshot(path=str(path), full_page=True, timeout=TIMEOUT_MS)
                print(f"screenshot of {page.url}: {path}")
            except Exception as error:  # a crashed page must not hide the test's own failure
                print(f"no screenshot of {page.url}: {error}")
    if not n:
        print("no open pages to screenshot")


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def sign_in(new_page):
    """`sign_in(user, start, **context_options)`: a new page (own context) signed in as `user` through the login form.

    The user opens /login?next=<start>, as when the sign-in page is reached from a link to a page that needs it,
    and is sent on to `start` rather than to the home page (the home page is not part of these stories).
    """
    from playwright.sync_api import expect

    def sign_in(user, start: str, password: str = "correct-horse-1", **options):
        username, display_name = user.username, user.display_name
        db.session.rollback()  # no read transaction of the test's session left open while the server works
        page = new_page(**options)
        page.goto(f"/login?next={quote(start)}")
        expect(page.get_by_role("heading", level=1)).to_have_text("登录")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("button", name="退出")).to_be_visible()
        expect(page.locator("#site-header")).to_contain_text(display_name)
        expect(page).not_to_have_url(re.compile(r"/login"))
        return page

    return sign_in
