"""The change-tracking pages, driven through HTTP as people use them (forms, redirects, errors, permissions)."""
from __future__ import annotations

import html
import json
import re

from sqlalchemy import func, select

from app.changes import ChangeEvent, ChangeTask
from app.extensions import db
from tests.portal.test_portal import OPEN, login

from .conftest import OTHER, OWN


def token(client, path):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def logout(client):
    assert client.post("/logout", data={"csrf_token": token(client, "/")}).status_code == 302


def post_event(client, department, **overrides):
    data = {"csrf_token": token(client, "/changes/events/new"), "kind": "function_change",
            "title": "市民政局职能调整：新增养老服务监管", "legal_source": "市委编办〔2026〕8号",
            "effective_on": "2026-11-02", "departments": [str(department(OWN).id), str(department(OTHER).id)]}
    data.update(overrides)
    return client.post("/changes/events/new", data=data)


def test_the_authority_records_an_event_and_sees_it_on_the_dashboard(client, people, department, clock):
    clock("2026-11-30")
    login(client, people["authority"])
    response = post_event(client, department)
    assert response.status_code == 302
    event_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "市民政局职能调整：新增养老服务监管" in event_page
    # 11-02 + 15 working days = 11-23, passed
    assert len(re.findall(r'<tr data-department="\d+" data-status="overdue"', event_page)) == 2
    dashboard = client.get("/changes/?sort=overdue&order=desc").get_data(as_text=True)
    assert 'id="deadline-chart"' in dashboard and "chart.umd.min.js" in dashboard
    chart = json.loads(html.unescape(re.search(r"data-chart='([^']+)'", dashboard).group(1)))
    assert {s["label"]: s["values"] for s in chart["series"]}["已逾期"] == [1, 1]
    row = re.search(rf'data-department="{department(OWN).id}">(.*?)</tr>', dashboard, re.S).group(1)
    assert '<td data-count="overdue"><span class="text-danger fw-bold">1</span></td>' in row


def test_a_bad_event_form_shows_each_problem_and_writes_nothing(client, people, department, clock):
    clock("2026-11-30")
    login(client, people["authority"])
    response = post_event(client, department, title="", effective_on="明天", departments=[])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("「变更内容」为必填项", "「生效日期」“明天”不是有效日期", "请至少选择一个「涉及部门」"):
        assert message in html
    assert db.session.scalar(select(func.count(ChangeEvent.id))) == 0


def test_user_text_is_escaped(client, people, department, clock):
    clock("2026-11-30")
    login(client, people["authority"])
    response = post_event(client, department, title="<script>alert(1)</script>修订")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;修订" in html


def test_a_department_closes_its_task_from_its_desk(client, people, department, clock):
    clock("2026-11-30")
    login(client, people["authority"])
    post_event(client, department)
    task = db.session.scalar(select(ChangeTask).where(ChangeTask.department_id == department(OWN).id))
    logout(client)
    login(client, people["editor"])
    desk = client.get("/changes/", follow_redirects=True).get_data(as_text=True)  # a department user's desk
    assert "接下来要做的" in desk and f"/changes/tasks/{task.id}" in desk
    page = client.get(f"/changes/tasks/{task.id}").get_data(as_text=True)
    assert "2026-11-23" in page and "已逾期 5 个工作日" in page  # 11-24..27 and 11-30
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused = client.post(f"/changes/tasks/{task.id}/close", data={"csrf_token": form_token, "note": ""})
    assert refused.status_code == 422 and "「办结说明」为必填项" in refused.get_data(as_text=True)
    done = client.post(f"/changes/tasks/{task.id}/close", data={"csrf_token": form_token, "note": "本部门目录不涉及"})
    assert done.status_code == 302
    assert "逾期办结" in client.get(f"/changes/tasks/{task.id}").get_data(as_text=True)


def test_other_departments_neither_see_nor_touch_a_task(client, people, department, clock):
    clock("2026-11-30")
    login(client, people["authority"])
    post_event(client, department, departments=[str(department(OWN).id)])
    task = db.session.scalar(select(ChangeTask))
    logout(client)
    login(client, people["other_editor"])
    assert client.get(f"/changes/tasks/{task.id}").status_code == 404
    assert client.get(f"/changes/desk?department={department(OWN).id}").status_code == 403
    logout(client)
    login(client, people["seeker"])
    assert client.get("/changes/").status_code == 403
    assert 'href="/changes/"' not in client.get("/").get_data(as_text=True)


def test_bad_query_parameters_are_named(client, people, clock):
    clock("2026-11-30")
    login(client, people["authority"])
    response = client.get("/changes/?sort=nonsense")
    assert response.status_code == 422 and "排序" in response.get_data(as_text=True)


def test_contacts_form_and_where_contacts_are_shown(client, people, department, clock, make_entry):
    clock("2026-11-30")
    entry = make_entry(user=people["editor"], **OPEN)
    login(client, people["editor"])
    form_token = token(client, "/changes/contacts")
    bad = client.post("/changes/contacts", data={"csrf_token": form_token, "leader-name": "王建国",
                                                 "leader-phone": "8312", "leader-email": "wang@example.gov.cn"})
    assert bad.status_code == 422 and "「分管领导电话」“8312”不是有效号码" in bad.get_data(as_text=True)
    ok = client.post("/changes/contacts", data={"csrf_token": form_token, "leader-name": "王建国",
                                                "leader-phone": "020-83123456", "leader-email": "wang@example.gov.cn",
                                                "changed_on": "2026-11-27"})
    assert ok.status_code == 302
    logout(client)
    login(client, people["other_editor"])  # another department sees them on the entry and the department page
    assert "王建国" in client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert "王建国" in client.get(f"/departments/{department(OWN).id}").get_data(as_text=True)
    logout(client)
    public = client.get(f"/entries/{entry.id}")  # the public sees the open entry, not the officials' phones
    assert public.status_code == 200 and "王建国" not in public.get_data(as_text=True)


def test_the_provider_reports_a_data_update_on_the_entry_page(client, people, clock, make_entry):
    clock("2026-09-30")
    entry = make_entry(user=people["editor"], update_cycle="monthly")
    clock("2026-11-30")
    login(client, people["editor"])
    page = client.get(f"/manage/entries/{entry.id}").get_data(as_text=True)
    assert 'data-freshness="overdue"' in page and "登记数据更新" in page
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    bad = client.post(f"/manage/entries/{entry.id}/updates", data={"csrf_token": form_token, "updated_on": "2027-01-01"})
    assert bad.status_code == 422 and "「更新日期」不能晚于今天" in bad.get_data(as_text=True)
    client.post(f"/manage/entries/{entry.id}/updates", data={"csrf_token": form_token, "note": "十一月数据"})
    page = client.get(f"/manage/entries/{entry.id}").get_data(as_text=True)
    assert 'data-freshness="current"' in page and "预计下次更新：2026-12-30" in page
    logout(client)
    login(client, people["other_editor"])
    assert "登记数据更新" not in client.get(f"/manage/entries/{entry.id}").get_data(as_text=True)
