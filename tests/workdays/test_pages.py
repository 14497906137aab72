"""The 工作日历 page, its forms, and the 系统管理 index that leads to it."""
import datetime as dt
import re

import pytest

from app import workdays
from tests.catalog.test_views import token
from tests.portal.test_portal import login

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")  # a script element with no src: code in the page


@pytest.fixture
def signed_in_admin(client, admin):
    login(client, admin)
    return admin


def post(client, url, page_url, **data):
    page = client.get(page_url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": token(page), **data})


def labelled(html: str) -> None:
    """Every visible input and select has a label, every table a caption, every column header a scope."""
    for tag, control_id in re.findall(r'<(input|select)(?![^>]*type="hidden")[^>]*\sid="([^"]+)"', html):
        assert f'for="{control_id}"' in html, control_id
    assert html.count("<table") == html.count("<caption")
    assert not re.search(r"<th(?=[\s>])(?![^>]*scope=)[^>]*>", html)
    assert 'style="' not in html and not INLINE_SCRIPT.search(html)  # the CSP allows neither


def test_the_year_as_twelve_month_tables(client, signed_in_admin):
    html = client.get("/admin/calendar/2026").get_data(as_text=True)
    assert html.count('class="table table-sm cal-month"') == 12
    assert "<caption>2026 年一月</caption>" in html and "<caption>2026 年十二月</caption>" in html
    assert '<th scope="col" title="星期一">一</th>' in html
    assert re.search(r'data-day="2026-01-04">\s*<span class="cal-num">4</span><span class="cal-tag" aria-hidden="true">班</span>',
                     html)
    assert "节假日（国庆节）" in html and "调休上班" in html and "休息日" in html and "工作日" in html
    assert "2026-10-01 至 2026-10-07" in html  # the list of holidays under the months
    assert "内置的国务院办公厅节假日安排" in html
    labelled(html)


def test_the_calendar_opens_on_this_year_and_navigates(app, client, signed_in_admin):
    app.config["TODAY"] = "2026-11-30"
    html = client.get("/admin/calendar").get_data(as_text=True)
    assert "工作日历 · 2026 年" in html and "2027 年 ›" in html and "‹ 2025 年" in html
    assert client.get("/admin/calendar?year=2027").headers["Location"].endswith("/admin/calendar/2027")
    assert client.get("/admin/calendar?year=abc").status_code == 422
    assert client.get("/admin/calendar/1999").status_code == 404


def test_an_uncovered_year_has_a_banner_with_the_provisional_deadlines(app, client, signed_in_admin):
    app.config["TODAY"] = "2026-11-30"

    def counter():
        return {2027: 12}

    workdays.register_provisional_counter(counter)
    try:
        html = client.get("/admin/calendar/2027").get_data(as_text=True)
    finally:
        from app.workdays import calendar

        calendar._counters.remove(counter)
    assert "2027 年安排未录入：12 个期限为暂定" in html
    assert "2027 年的节假日安排尚未录入完整" in html
    assert "标记 2027 年已录入完整" in html
    labelled(html)


def test_an_admin_enters_a_holiday_and_publishes_the_year(app, client, signed_in_admin):
    start = dt.date(2027, 1, 29)
    assert workdays.deadline(start, 10) == workdays.Due(dt.date(2027, 2, 12), True, (2027,))
    response = post(client, "/admin/calendar/days", "/admin/calendar/2027", start="2027-02-06", end="2027-02-12",
                    kind="holiday", name="春节", return_year="2027")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/calendar/2027")
    html = client.get("/admin/calendar/2027").get_data(as_text=True)
    assert "已录入 7 天：春节 放假" in html
    assert "2027-02-06 至 2027-02-12" in html and "管理员录入" in html
    assert workdays.deadline(start, 10) == workdays.Due(dt.date(2027, 2, 19), True, (2027,))

    post(client, "/admin/calendar/workday", "/admin/calendar/2027", day="2027-02-14", name="春节", return_year="2027")
    assert workdays.deadline(start, 10).on == dt.date(2027, 2, 18)

    response = post(client, "/admin/calendar/years/publish", "/admin/calendar/2027", year="2027",
                    source="国办发明电〔2026〕1号", return_year="2027")
    assert response.status_code == 302
    assert workdays.deadline(start, 10) == workdays.Due(dt.date(2027, 2, 18), False, ())
    html = client.get("/admin/calendar/2027").get_data(as_text=True)
    assert "依据 国办发明电〔2026〕1号" in html and "2027 年安排未录入" not in html

    post(client, "/admin/calendar/days/remove", "/admin/calendar/2027", day="2027-02-14", return_year="2027")
    assert workdays.deadline(start, 10).on == dt.date(2027, 2, 19)
    post(client, "/admin/calendar/years/unpublish", "/admin/calendar/2027", year="2027", return_year="2027")
    assert workdays.deadline(start, 10).provisional


def test_a_bad_entry_is_shown_next_to_its_field(client, signed_in_admin):
    response = post(client, "/admin/calendar/days", "/admin/calendar/2027", start="2027-02-12", end="2027-02-06",
                    kind="holiday", name="", return_year="2027")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<div class="invalid-feedback" id="days-end-error">「结束日期」不能早于开始日期</div>' in html
    assert '<div class="invalid-feedback" id="days-name-error">「名称」不能为空（如 春节）</div>' in html
    assert 'value="2027-02-12"' in html  # what was typed stays
    assert workdays.is_working_day(dt.date(2027, 2, 8), provisional_ok=True)  # nothing was written
    labelled(html)


def test_who_may_open_and_change_the_calendar(client, make_user):
    assert client.get("/admin/calendar").status_code == 302  # to sign in
    login(client, make_user("editor", "市公安局"))
    assert client.get("/admin/calendar").status_code == 403
    assert client.get("/admin/calendar/2027").status_code == 403


def test_the_authority_reads_the_calendar_but_cannot_change_it(client, make_user):
    login(client, make_user("authority_reviewer", "市政务服务数据管理局"))
    page = client.get("/admin/calendar/2027")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "录入放假安排" not in html
    response = client.post("/admin/calendar/days", data={"csrf_token": token(html), "start": "2027-02-06",
                                                          "kind": "holiday", "name": "春节"})
    assert response.status_code == 403
    assert not workdays.is_covered(2027) and workdays.is_working_day(dt.date(2027, 2, 8), provisional_ok=True)


def test_admins_reach_every_admin_page_from_one_menu_item(client, admin):
    login(client, admin)
    home = client.get("/").get_data(as_text=True)
    assert ">系统管理</a>" in home and ">流程说明</a>" not in home
    html = client.get("/admin/").get_data(as_text=True)
    for href, label in (("/admin/workflows", "流程说明"), ("/admin/users/", "用户管理"),
                        ("/admin/calendar", "工作日历"), ("/admin/deadlines", "期限设置")):
        assert f'<a href="{href}">{label}</a>' in html
    labelled(html)


def test_the_authority_keeps_its_workflow_link(client, make_user):
    login(client, make_user("authority_reviewer", "市政务服务数据管理局"))
    home = client.get("/").get_data(as_text=True)
    assert ">流程说明</a>" in home and ">系统管理</a>" not in home
    assert client.get("/admin/").status_code == 403
