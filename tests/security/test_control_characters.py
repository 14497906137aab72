"""NUL and other control characters in what a person submits are refused with a Chinese message naming the field,
and nothing is written; tab, CR and LF are fine in multi-line text."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.catalog import Entry
from app.extensions import db
from app.review import pending_review
from catalog_schema import validate_entry
from tests.catalog.test_views import GOOD, form_for
from tests.conftest import valid_values
from tests.portal.test_portal import login
from tests.security.conftest import csrf_token


def test_the_schema_refuses_control_characters_naming_each_field():
    values = valid_values(name="户籍\x00人口", summary="第一行\r\n\t第二行", sharing_type="conditional\x00",
                          contact_phone="028\u202e-1234", related_codes=["101001/000001\x7f"])
    values["data_items"][0] = {**values["data_items"][0], "name": "姓\x1b名", "description": "两\n行"}
    _clean, problems = validate_entry(values)
    assert {(p.path, p.message) for p in problems} >= {
        ("name", "「信息资源名称」含有不可见的控制字符（U+0000 空字符），请删除后重试"),
        ("sharing_type", "「共享类型」含有不可见的控制字符（U+0000 空字符），请删除后重试"),
        ("contact_phone", "「联系电话」含有不可见的控制字符（U+202E），请删除后重试"),
        ("related_codes", "「关联资源代码」含有不可见的控制字符（U+007F 删除符），请删除后重试"),
        ("data_items[0].name", "信息项第1行「信息项名称」含有不可见的控制字符（U+001B），请删除后重试"),
        ("data_items[0].description", "信息项第1行「说明」含有不可见的控制字符（U+000A 换行符），请删除后重试"),
    }
    assert not [p for p in problems if p.path == "summary"]  # a multi-line field keeps its tab and line breaks
    assert next(p for p in problems if p.path == "name").message_en == "name contains an invisible control character"


def count_entries() -> int:
    return db.session.scalar(select(func.count(Entry.id)))


def test_the_entry_form_refuses_a_nul_and_keeps_what_was_typed(client, make_user):
    login(client, make_user("editor", "市公安局"))
    data = form_for(client, "/manage/entries/new", **{**GOOD, "name": "户籍\x00人口", "items-1-name": "公民\x01身份"})
    response = client.post("/manage/entries/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "「信息资源名称」含有不可见的控制字符（U+0000 空字符），请删除后重试" in html
    assert "信息项第2行「信息项名称」含有不可见的控制字符（U+0001），请删除后重试" in html
    assert count_entries() == 0
    multi_line = form_for(client, "/manage/entries/new", **{**GOOD, "summary": "第一行\r\n\t第二行"})
    assert client.post("/manage/entries/new", data=multi_line).status_code == 302


@pytest.fixture
def in_review(make_entry, make_user):
    from app import catalog
    from app.core.db import transaction

    editor = make_user("editor", "市公安局")
    entry = make_entry(publish=False, user=editor)
    with transaction():
        catalog.submit([entry], user=editor)
    return entry


def test_a_return_comment_with_a_nul_is_refused_and_the_review_stays_pending(client, in_review, make_user):
    login(client, make_user("department_reviewer", "市公安局"))
    review = pending_review(in_review)
    response = client.post(f"/review/{review.id}/return",
                           data={"csrf_token": csrf_token(client), "comment": "请补充\x00说明"})
    assert response.status_code == 422
    assert "「退回意见」含有不可见的控制字符（U+0000 空字符），请删除后重试" in response.get_data(as_text=True)
    assert pending_review(in_review).id == review.id
    approved = client.post(f"/review/{review.id}/approve",
                           data={"csrf_token": csrf_token(client), "comment": "同意\x1b"})
    assert approved.status_code == 422
    assert "「审核意见」含有不可见的控制字符（U+001B），请删除后重试" in approved.get_data(as_text=True)
    done = client.post(f"/review/{review.id}/return",
                       data={"csrf_token": csrf_token(client), "comment": "请补充：\r\n\t1. 说明"})
    assert done.status_code == 302  # line breaks and tabs in a comment are fine


def test_a_retire_reason_a_change_note_and_a_submit_note_with_control_characters_are_refused(client, make_entry,
                                                                                               make_user):
    editor = make_user("editor", "市公安局")
    entry = make_entry(user=editor)
    login(client, make_user("admin", "市政务服务数据管理局"))
    retire = client.post(f"/manage/entries/{entry.id}/retire",
                         data={"csrf_token": csrf_token(client), "reason": "合并\x00到新资源"})
    assert retire.status_code == 422
    assert "「停用原因」含有不可见的控制字符（U+0000 空字符），请删除后重试" in retire.get_data(as_text=True)
    assert entry.status.value == "published"

    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, editor)
    url = f"/manage/entries/{entry.id}/edit"
    posted = client.post(url, data=form_for(client, url, **{**GOOD, "summary": "修订。", "change_note": "季度\t维护"}))
    assert posted.status_code == 422
    assert "「修改说明」含有不可见的控制字符（U+0009 制表符），请删除后重试" in posted.get_data(as_text=True)
    assert entry.draft_version is None
    assert client.post(url, data=form_for(client, url, **{**GOOD, "summary": "修订。"})).status_code == 302
    submitted = client.post(f"/review/entries/{entry.id}/submit",
                            data={"csrf_token": csrf_token(client), "note": "请\x00审核"})
    assert submitted.status_code == 422
    assert "「提交说明」含有不可见的控制字符（U+0000 空字符），请删除后重试" in submitted.get_data(as_text=True)
    assert pending_review(entry) is None
