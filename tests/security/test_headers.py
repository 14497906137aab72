"""Security headers on every response; cookies and HSTS behind HTTPS; pages that a strict CSP can hold."""
from __future__ import annotations

import re

import pytest

from app import create_app
from app.extensions import db
from tests.portal.test_portal import login
from tests.portal.test_reads_never_write import crawl

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
EXPECTED = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin"}


@pytest.mark.parametrize("path", ["/", "/search?q=户籍", "/search.json", "/no-such-page", "/entries/1",
                                  "/static/app.css", "/healthz", "/login"])
def test_every_response_carries_the_security_headers(client, path):
    with client.get(path) as response:
        for name, value in EXPECTED.items():
            assert response.headers.get(name) == value, (path, name)
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP by default: no HSTS


def test_errors_carry_them_too(client):
    response = client.post("/manage/entries/new", data={})  # no CSRF token: 400
    assert response.status_code == 400 and response.headers["Content-Security-Policy"] == CSP


@pytest.fixture
def https_app(database_url, tmp_path, monkeypatch):
    """The app as deployed behind HTTPS (CATALOG_SESSION_COOKIE_SECURE=true)."""
    monkeypatch.setenv("CATALOG_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("CATALOG_SESSION_COOKIE_SECURE", "true")
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_behind_https_cookies_are_secure_and_hsts_is_sent(https_app, make_user):
    assert https_app.config["SESSION_COOKIE_SECURE"] is True and https_app.config["REMEMBER_COOKIE_SECURE"] is True
    client = https_app.test_client()
    user = make_user("seeker", "市民政局")
    page = client.get("/login", base_url="https://localhost")
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/login", base_url="https://localhost", headers={"Referer": "https://localhost/login"},
                           data={"username": user.username, "password": "correct-horse-1", "csrf_token": token})
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c and "HttpOnly" in c for c in cookies), cookies


INLINE = {
    "style attribute": re.compile(r"<[^>]+\sstyle\s*=", re.I),
    "inline script": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "event handler attribute": re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),
    "style element": re.compile(r"<style[\s>]", re.I),
    "javascript: URL": re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I),
}


@pytest.mark.parametrize("who", ["public", "admin"])
def test_no_page_has_inline_scripts_or_styles(client, catalog_kinds, make_user, who):
    """What the CSP would block, found in the HTML of every page a crawl reaches (inline SVG presentation
    attributes such as fill and stroke are not styles and are allowed)."""
    if who == "admin":
        login(client, make_user("admin", "市政务服务数据管理局"))
    pages = list(crawl(client, ["/", "/manage/", "/review/", "/admin/workflows", "/catalogs/department",
                                "/catalogs/topic", "/search?q=户籍", f"/manage/entries/{catalog_kinds['revised'].id}/edit",
                                "/imports/", "/login"]))
    assert len(pages) >= (10 if who == "public" else 40)
    found = []
    for url in pages:
        with client.get(url) as response:  # downloads are streamed files: close them
            if response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
        found += [(url, what, pattern.search(html).group(0)[:80]) for what, pattern in INLINE.items()
                  if pattern.search(html)]
    assert found == []
