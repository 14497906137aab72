"""Review pages: the queue with its reasons, the diff of a revision, decisions, history and comparison."""
import re

import pytest

from app import catalog
from app.core.db import transaction
from app.review import services as review
from tests.catalog.test_views import token
from tests.conftest import edit, valid_values
from tests.portal.test_portal import login


@pytest.fixture
def revised(make_entry, make_user, admin):
    """A published 市公安局 entry with a submitted revision: one item added, one changed, the summary edited."""
    editor = make_user("editor", "市公安局")
    entry = make_entry(user=editor)
    items = valid_values()["data_items"]
    items[2] = {**items[2], "description": "yyyyMMdd"}
    items.append({"name": "民族", "data_type": "C", "length": "2"})
    with transaction():
        edit(entry, valid_values(summary="修订后的摘要。", data_items=items), user=editor, change_note="补充民族")
        catalog.submit([entry], user=editor)
    return entry


def test_queue_shows_why_an_entry_needs_attention(client, revised, make_user):
    login(client, make_user("department_reviewer", "市公安局"))
    html = client.get("/review/").get_data(as_text=True)
    assert "户籍人口基本信息" in html
    assert "有条件共享：须由主管部门确认共享条件" in html and "涉及敏感信息：个人隐私" in html
    assert "修订：与现行发布版相比有 3 处变化" in html


def test_queue_filters(client, revised, make_user, department):
    login(client, make_user("admin", "市政务服务数据管理局"))
    police, civil = department("市公安局").id, department("市民政局").id
    assert "户籍人口基本信息" in client.get(f"/review/?department={police}").get_data(as_text=True)
    assert "户籍人口基本信息" not in client.get(f"/review/?department={civil}").get_data(as_text=True)
    assert "户籍人口基本信息" not in client.get("/review/?sharing_type=unconditional").get_data(as_text=True)
    assert "户籍人口基本信息" not in client.get("/review/?waiting=3").get_data(as_text=True)
    assert client.get("/review/?waiting=abc").status_code == 422


def test_review_page_shows_a_field_level_diff(client, revised, make_user):
    login(client, make_user("department_reviewer", "市公安局"))
    pending = review.pending_review(revised)
    html = client.get(f"/review/{pending.id}").get_data(as_text=True)
    assert 'data-field="summary"' in html and "修订后的摘要。" in html
    assert re.search(r"新增</span> 民族", html)
    assert re.search(r"修改</span> 出生日期", html) and "yyyyMMdd" in html


def test_return_without_comment_is_refused_then_with_comment_reaches_the_editor(client, revised, make_user):
    reviewer = make_user("department_reviewer", "市公安局")
    login(client, reviewer)
    pending = review.pending_review(revised)
    page = client.get(f"/review/{pending.id}").get_data(as_text=True)
    refused = client.post(f"/review/{pending.id}/return", data={"csrf_token": token(page), "comment": ""})
    assert refused.status_code == 422 and "「退回意见」为必填项：请写明需要修改的内容" in refused.get_data(as_text=True)
    done = client.post(f"/review/{pending.id}/return", data={"csrf_token": token(page), "comment": "民族长度应为 2 位代码。"})
    assert done.status_code == 302
    html = client.get(f"/manage/entries/{revised.id}").get_data(as_text=True)
    assert "民族长度应为 2 位代码。" in html and "已退回" in html
    dashboard = client.get("/manage/").get_data(as_text=True)
    assert "已退回，待修改" in dashboard and "退回意见：民族长度应为 2 位代码。" in dashboard


def test_history_lists_versions_and_compares_any_two(client, revised, make_user):
    login(client, make_user("editor", "市公安局"))
    html = client.get(f"/manage/entries/{revised.id}/history").get_data(as_text=True)
    assert "第 1 版" in html and "第 2 版" in html and "补充民族" in html and "部门审核" in html
    compare = client.get(f"/manage/entries/{revised.id}/compare?a=1&b=2").get_data(as_text=True)
    assert "修订后的摘要。" in compare and "民族" in compare
    assert client.get(f"/manage/entries/{revised.id}/compare?a=1&b=9").status_code == 422


def test_other_departments_see_only_published_versions_in_history(client, revised, make_user):
    login(client, make_user("seeker", "市民政局"))
    html = client.get(f"/manage/entries/{revised.id}/history").get_data(as_text=True)
    assert "第 1 版" in html and "第 2 版" not in html
    assert client.get(f"/manage/entries/{revised.id}").status_code == 404


def test_dashboard_counts_the_departments_work(client, revised, make_user, make_entry):
    editor = make_user("editor", "市公安局")
    make_entry(publish=False, user=editor, name="草稿资源")
    login(client, editor)
    html = client.get("/manage/").get_data(as_text=True)
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', html))
    assert counts == {"draft": "1", "returned": "0", "in_review": "1", "published": "1"}


def test_a_refused_decision_keeps_the_diff_on_the_page(client, revised, make_user):
    login(client, make_user("department_reviewer", "市公安局"))
    pending = review.pending_review(revised)
    page = client.get(f"/review/{pending.id}").get_data(as_text=True)
    refused = client.post(f"/review/{pending.id}/return", data={"csrf_token": token(page), "comment": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="diff"' in html and "修订后的摘要。" in html


def test_the_review_pages_never_publish_a_version_under_department_review(client, revised, make_user):
    """The authority posting 通过并发布 on a department-stage review is refused; the version stays in review."""
    pending = review.pending_review(revised)
    login(client, make_user("authority_reviewer", "市政务服务数据管理局"))
    page = client.get("/").get_data(as_text=True)
    response = client.post(f"/review/{pending.id}/approve", data={"csrf_token": token(page), "confirm": "1"})
    assert response.status_code == 403
    assert "您无权处理此部门审核" in response.get_data(as_text=True)
    from app.extensions import db
    db.session.expire_all()
    assert revised.published_version.number == 1
    assert revised.draft_version.state.value == "department_review"
    assert review.pending_review(revised).stage.value == "department"
