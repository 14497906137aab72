"""The page shell (issue 14): the public header and the work console's menu, the footer, the favicon, the pager's
disabled links, and error pages in Chinese only with a search box (JSON answers stay bilingual)."""
from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import BadRequest

from app import catalog
from app.core.db import transaction
from tests.portal.test_portal import login


def menu_of(html: str) -> str:
    return html.split('aria-label="工作台菜单"', 1)[1].split("</nav>", 1)[0]


def test_the_public_header_links_only_what_the_public_may_open(client):
    html = client.get("/").get_data(as_text=True)
    header = html.split('id="site-header"', 1)[1].split("</header>", 1)[0]
    links = re.findall(r'href="([^"]+)"', header)
    assert links == ["/", "/search", "/catalogs/open", "/catalogs/department", "/catalogs/topic", "/login"]
    assert all(client.get(link).status_code == 200 for link in links)  # none redirects the public elsewhere
    assert "工作台菜单" not in html
    assert html.index("跳到主要内容") < html.index("<header")  # the skip link comes first
    assert 'id="main"' in html and "<footer" in html


def test_the_console_menu_shows_each_role_its_groups_with_counts(client, make_user, make_entry):
    editor = make_user("editor", "市公安局")
    waiting = make_entry(publish=False, user=editor)
    with transaction():
        catalog.submit([waiting], user=editor)
    login(client, make_user("department_reviewer", "市公安局"))
    menu = menu_of(client.get("/review/").get_data(as_text=True))
    assert re.search(r'href="/review/" aria-current="page">审核队列</a> <span class="badge[^"]*">1'
                     r'<span class="visually-hidden">件待审核</span>', menu)
    for group in ("我的待办", "本部门", "审核", "共享", "目录"):
        assert f">{group}</p>" in menu
    assert "系统管理" not in menu and "Excel 导入" not in menu and ">期限<" not in menu

    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                         client.get("/").get_data(as_text=True)).group(1)})
    login(client, make_user("seeker", "市民政局"))
    menu = menu_of(client.get("/").get_data(as_text=True))
    assert "审核队列" not in menu and "本部门目录" not in menu and ">管理</p>" not in menu
    assert 'href="/sharing/requests">共享申请</a>' in menu  # no count: a seeker answers no requests


def test_the_footer_shows_the_configured_organiser_contact_and_record_number(app, client):
    html = client.get("/").get_data(as_text=True)
    assert "主办单位：示例市政务服务数据管理局" in html and "备案号：" in html and "联系方式：" in html
    app.config.update(PORTAL_ORGANIZER="某市大数据局", PORTAL_CONTACT="", PORTAL_RECORD_NUMBER="某ICP备12345678号")
    html = client.get("/no-such-page").get_data(as_text=True)
    assert "主办单位：某市大数据局" in html and "备案号：某ICP备12345678号" in html and "联系方式：" not in html


def test_every_page_links_the_svg_favicon(client):
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in html
    with client.get("/static/favicon.svg") as icon:  # a file response: closed when read
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert icon.get_data(as_text=True).startswith("<svg")


def test_the_pagers_disabled_previous_and_next_are_not_links(client, make_entry, app):
    app.config["PAGE_SIZE"] = 1
    for n in range(2):
        make_entry(name=f"户籍资源{n}", open_to_public=True, open_condition="注明来源", sharing_type="unconditional",
                   sharing_condition=None, sensitivity=[])
    first = client.get("/search").get_data(as_text=True)
    assert '<span class="page-link" aria-disabled="true">上一页</span>' in first
    assert "page=0" not in first and re.search(r'<a class="page-link" href="[^"]*page=2">下一页</a>', first)
    last = client.get("/search?page=2").get_data(as_text=True)
    assert '<span class="page-link" aria-disabled="true">下一页</span>' in last


def error_page(response) -> str:
    html = response.get_data(as_text=True)
    assert 'role="search"' in html and 'id="error-q"' in html and '<a href="/">返回首页</a>' in html, html[-1500:]
    return html.split('id="error-message">', 1)[1].split("</div>", 1)[0]


def test_a_bad_page_number_is_named_in_chinese_on_the_page_and_by_its_name_in_json(client):
    response = client.get("/search?page=0")
    assert response.status_code == 422
    message = error_page(response)
    assert "查询参数「页码」的值无效" in message and "page" not in message
    answer = client.get("/search.json?page=0").get_json()
    assert answer["message_en"] == "invalid query parameters"
    assert answer["errors"][0]["field"] == "page" and answer["errors"][0]["message_en"] == "query parameter page is invalid"


@pytest.mark.parametrize("method, path, status, text", [
    ("get", "/no-such-page", 404, "未找到该信息资源或页面"),
    ("delete", "/search", 405, "该页面不支持这种访问方式"),
    ("post", "/login", 400, "安全令牌"),  # no CSRF token
])
def test_error_pages_are_chinese_only_with_a_search_box(client, method, path, status, text):
    response = getattr(client, method)(path)
    assert response.status_code == status
    message = error_page(response)
    assert text in message
    assert not re.search(r"Not Found|Method Not Allowed|Bad Request|not allowed", response.get_data(as_text=True))


def test_a_405_keeps_its_allow_header_and_json_clients_get_both_languages(client):
    response = client.delete("/search")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    answer = client.delete("/search.json")
    assert answer.status_code == 405
    assert answer.get_json() == {"message": "该页面不支持这种访问方式，请从页面上的链接或按钮进入",
                                 "message_en": "method not allowed"}


def test_an_unexpected_failure_is_a_chinese_500_page_for_a_signed_in_user_too(app, make_user):
    def boom():
        raise RuntimeError("something broke")

    def bad():
        raise BadRequest()

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/bad", "bad", bad)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error handler answers
    client = app.test_client()
    login(client, make_user("department_reviewer", "市公安局"))
    response = client.get("/boom")
    assert response.status_code == 500
    message = error_page(response)
    assert "系统出现错误，请稍后重试" in message
    html = response.get_data(as_text=True)
    assert "Internal Server Error" not in html and "something broke" not in html
    assert "工作台菜单" in html and "主办单位" in html  # the console's shell, without its counts
    assert "件待审核" not in html
    assert "请求有误" in error_page(client.get("/bad"))
    assert client.get("/boom", headers={"Accept": "application/json"}).get_json() == {
        "message": "系统出现错误，请稍后重试；如问题持续，请联系主办单位", "message_en": "internal server error"}
