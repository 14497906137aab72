"""The editor's web forms, posted like a browser without JavaScript would."""
import re

import pytest
from sqlalchemy import func, select

from app.catalog.models import Entry, EntryVersion
from app.extensions import db
from tests.portal.test_portal import login


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def form_for(client, url, **fields):
    """The form as the page renders it, with `fields` typed in."""
    html = client.get(url).get_data(as_text=True)
    data = {"csrf_token": token(html)}
    base = re.search(r'name="base_version" value="([^"]*)"', html)
    if base:
        data["base_version"] = base.group(1)
    data.update(fields)
    return data


ITEMS = {
    "items-count": "3",
    "items-0-name": "姓名", "items-0-data_type": "C", "items-0-length": "50",
    "items-0-basic_item": "1", "items-0-sharing_type": "unconditional",
    "items-1-name": "公民身份号码", "items-1-data_type": "C", "items-1-length": "18",
    "items-1-basic_item": "1", "items-1-sharing_type": "unconditional",
    "items-2-name": "出生日期", "items-2-data_type": "D", "items-2-length": "",
}
GOOD = {
    "category_code": "101001", "name": "户籍人口基本信息", "summary": "本市户籍人口基本登记信息。",
    "format_category": "database", "format_type": "oracle", "sharing_type": "conditional",
    "sharing_condition": "仅限履行法定职责需要。", "sharing_method_category": "platform",
    "sharing_method_type": "interface", "sensitivity": "personal_privacy", "open_to_public": "0",
    "update_cycle": "realtime", "network": "external", "secret": "0", **ITEMS,
}


@pytest.fixture
def editor(client, make_user):
    user = make_user("editor", "市公安局")
    login(client, user)
    return user


def count_entries():
    return db.session.scalar(select(func.count(Entry.id)))


def test_editor_creates_an_entry_with_three_data_items(client, editor):
    response = client.post("/manage/entries/new", data=form_for(client, "/manage/entries/new", **GOOD))
    assert response.status_code == 302
    entry = db.session.scalar(select(Entry))
    assert [i["name"] for i in entry.draft_version.data["data_items"]] == ["姓名", "公民身份号码", "出生日期"]
    assert entry.department.name == "市公安局"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "101001/000001" in page and "草稿" in page


def test_form_is_generated_from_the_schema(client, editor):
    from catalog_schema import get_schema
    html = client.get("/manage/entries/new").get_data(as_text=True)
    for section in get_schema().sections:
        assert section.label in html
    for spec in get_schema().editable_fields:
        assert f'name="{spec.key}"' in html, spec.key
    assert "涉及任一项的资源不得列为无条件共享" in html  # field help from the schema
    assert 'data-show-when=\'{"sharing_type": ["conditional"]}\'' in html


def test_errors_are_shown_next_to_fields_and_the_input_is_kept(client, editor):
    data = form_for(client, "/manage/entries/new", **{**GOOD, "sharing_condition": "", "name": "我的资源名称"})
    response = client.post("/manage/entries/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="error-summary"' in html and "「共享条件」为必填项" in html
    assert 'value="我的资源名称"' in html and 'value="公民身份号码"' in html
    assert count_entries() == 0


def test_add_row_without_javascript_keeps_everything_and_saves_nothing(client, editor):
    data = form_for(client, "/manage/entries/new", **{**GOOD, "action": "add_item"})
    response = client.post("/manage/entries/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'name="items-count" value="4"' in html
    assert 'value="出生日期"' in html and count_entries() == 0


def test_rows_can_be_moved_and_removed_without_javascript(client, editor):
    data = form_for(client, "/manage/entries/new", **{**GOOD, "action": "up-2"})
    html = client.post("/manage/entries/new", data=data).get_data(as_text=True)
    assert html.index('value="出生日期"') < html.index('value="公民身份号码"')
    data = form_for(client, "/manage/entries/new", **{**GOOD, "items-2-remove": "1"})
    client.post("/manage/entries/new", data=data)
    entry = db.session.scalar(select(Entry))
    assert [i["name"] for i in entry.draft_version.data["data_items"]] == ["姓名", "公民身份号码"]


def test_second_editor_saving_a_stale_draft_gets_a_conflict_and_loses_nothing(client, editor, make_user, app):
    client.post("/manage/entries/new", data=form_for(client, "/manage/entries/new", **GOOD))
    entry = db.session.scalar(select(Entry))
    url = f"/manage/entries/{entry.id}/edit"
    first = form_for(client, url, **{**GOOD, "summary": "甲编辑的摘要。"})
    second = form_for(client, url, **{**GOOD, "summary": "乙编辑的摘要。"})
    assert client.post(url, data=first).status_code == 302
    response = client.post(url, data=second)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "保存冲突" in html and "甲编辑的摘要。" in html  # what the other editor saved
    assert "乙编辑的摘要。" in html  # still in the form
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).draft_version.data["summary"] == "甲编辑的摘要。"
    base = re.search(r'name="base_version" value="([^"]+)"', html).group(1)
    assert client.post(url, data={**second, "base_version": base}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).draft_version.data["summary"] == "乙编辑的摘要。"


def test_two_editors_starting_the_first_revision_of_a_published_entry(client, app, make_user, make_entry):
    """Both open the published entry; the first save starts version 2; the second gets 409 with both versions."""
    first_editor, second_editor = make_user("editor", "市公安局"), make_user("editor", "市公安局")
    entry = make_entry(user=first_editor)  # published by the admin: version 1
    other = app.test_client()
    login(client, first_editor)
    login(other, second_editor)
    url = f"/manage/entries/{entry.id}/edit"
    mine = form_for(client, url, **{**GOOD, "summary": "甲的修订：补充户籍迁移记录。"})
    theirs = form_for(other, url, **{**GOOD, "summary": "乙的修订：更正数据范围。"})
    assert mine["base_version"] == theirs["base_version"] != ""
    assert client.post(url, data=mine).status_code == 302
    response = other.post(url, data=theirs)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "保存冲突" in html
    assert "甲的修订：补充户籍迁移记录。" in html and "乙的修订：更正数据范围。" in html  # both versions, side by side
    assert "第 2 版" in html
    db.session.expire_all()
    versions = db.session.scalars(select(EntryVersion).where(EntryVersion.entry_id == entry.id)
                                  .order_by(EntryVersion.number)).all()
    assert [v.data["summary"] for v in versions][1:] == ["甲的修订：补充户籍迁移记录。"]


def test_a_save_without_a_base_version_is_refused_with_the_side_by_side_page(client, editor):
    client.post("/manage/entries/new", data=form_for(client, "/manage/entries/new", **GOOD))
    entry = db.session.scalar(select(Entry))
    url = f"/manage/entries/{entry.id}/edit"
    for forged in ("", "abc", f"{entry.draft_version.id}", f"{entry.draft_version.id}:99"):
        data = {**form_for(client, url, **{**GOOD, "summary": "伪造基准的修改。"}), "base_version": forged}
        response = client.post(url, data=data)
        assert response.status_code == 409, forged
        assert "伪造基准的修改。" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).draft_version.data["summary"] == GOOD["summary"]


def test_post_without_csrf_token_is_refused(client, editor):
    response = client.post("/manage/entries/new", data=GOOD)
    assert response.status_code == 400 and count_entries() == 0


# ---- hostile input -----------------------------------------------------------------------------------

def test_script_tags_are_stored_as_text_and_escaped(client, editor):
    data = form_for(client, "/manage/entries/new", **{**GOOD, "name": "<script>alert(1)</script>",
                                                      "items-2-name": "<img src=x onerror=alert(1)>"})
    response = client.post("/manage/entries/new", data=data)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_very_long_strings_are_refused_naming_the_field(client, editor):
    data = form_for(client, "/manage/entries/new", **{**GOOD, "summary": "长" * 100_000, "items-0-name": "名" * 5000})
    response = client.post("/manage/entries/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "「信息资源摘要」不能超过 2000 个字符" in html
    assert "信息项第1行「信息项名称」不能超过 100 个字符" in html
    assert count_entries() == 0


def test_unknown_vocabulary_codes_are_refused(client, editor):
    data = form_for(client, "/manage/entries/new", **{**GOOD, "update_cycle": "hourly", "items-1-data_type": "X"})
    html = client.post("/manage/entries/new", data=data).get_data(as_text=True)
    assert "「更新周期」的取值 “hourly” 不在代码表中" in html
    assert "信息项第2行「数据类型」的取值 “X” 不在代码表中" in html
    assert count_entries() == 0


def test_forged_department_id_is_refused(client, editor, department):
    data = form_for(client, "/manage/entries/new", **{**GOOD, "provider": str(department("市民政局").id)})
    response = client.post("/manage/entries/new", data=data)
    assert response.status_code == 403 and "无权为“市民政局”登记" in response.get_data(as_text=True)
    assert count_entries() == 0


def test_forged_department_on_edit_is_refused(client, editor, department):
    client.post("/manage/entries/new", data=form_for(client, "/manage/entries/new", **GOOD))
    entry = db.session.scalar(select(Entry))
    url = f"/manage/entries/{entry.id}/edit"
    data = form_for(client, url, **{**GOOD, "summary": "改", "provider": str(department("市民政局").id)})
    response = client.post(url, data=data)
    assert response.status_code == 422 and "「信息资源提供方」首次登记后不可更改" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(EntryVersion.id))) == 1


def test_too_many_item_rows_are_refused(client, editor):
    data = form_for(client, "/manage/entries/new", **{**GOOD, "items-count": "100000"})
    response = client.post("/manage/entries/new", data=data)
    assert response.status_code == 422 and "不能超过 500 项" in response.get_data(as_text=True)


def test_editing_another_departments_entry_is_forbidden(client, editor, make_entry):
    entry = make_entry()  # the authority's entry
    assert client.get(f"/manage/entries/{entry.id}/edit").status_code == 403
