"""The entry form's ergonomics (issue 14 point 8): pickers for 主题分类 and 关联资源代码, the data-item editor, the
phone rule shared by the form and Excel, the dashboard reaching every entry, and the revision notice."""
import html as htmllib
import re

import pytest
from sqlalchemy import func, select

from app import catalog
from app.catalog.models import Entry
from app.core.db import transaction
from app.extensions import db
from app.imports import services as imports
from tests.catalog.test_views import GOOD, form_for
from tests.conftest import edit
from tests.imports.test_import_services import edited_export
from tests.portal.test_portal import login

NEW = "/manage/entries/new"
PHONE_MESSAGE = "「联系电话」须为手机号码或带区号的固定电话，如 0991-6231001 或 13899120601"


@pytest.fixture
def editor(client, make_user):
    user = make_user("editor", "市公安局")
    login(client, user)
    return user


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def saved() -> Entry:
    return db.session.scalar(select(Entry).order_by(Entry.id.desc()))


def count_entries() -> int:
    return db.session.scalar(select(func.count(Entry.id)))


# ---- 主题分类: chosen from the topic class's nodes -------------------------------------------------------------

def test_topics_are_checkboxes_of_the_topic_class_grouped_by_their_parent(client, editor):
    page = client.get(NEW).get_data(as_text=True)
    group = re.search(r'<legend class="picker-group-title">公共服务</legend>(.*?)</fieldset>', page, re.DOTALL)
    assert group, "the topics of 公共服务 are grouped under it"
    assert 'type="checkbox" name="topic_codes" value="201001"' in group.group(1)
    assert "办事指南和事项清单" in group.group(1)
    assert 'name="topic_codes" value="101001"' not in page      # a basic class node is no topic
    assert re.search(r'<input[^>]*name="topic_codes"[^>]*type="text"|<input class="form-control[^>]*name="topic_codes"',
                     page) is None                               # no free-text code box


def test_topics_chosen_from_the_list_are_saved_and_shown_as_name_and_code(client, editor):
    data = form_for(client, NEW, **GOOD)
    data["topic_codes"] = ["201001", "202"]
    response = client.post(NEW, data=data)
    assert response.status_code == 302
    entry = saved()
    assert entry.draft_version.data["topic_codes"] == ["201001", "202"]
    page = text(client.get(f"/manage/entries/{entry.id}/edit"))
    chosen = re.search(r'id="f-topic_codes-chosen">(.*?)</p>', page, re.DOTALL).group(1)
    assert "办事指南和事项清单（201001）" in chosen and "健康保障（202）" in chosen
    assert 'value="201001" id="f-topic_codes-201001" checked' in page


def test_a_posted_topic_outside_the_topic_class_is_refused(client, editor):
    data = form_for(client, NEW, **GOOD)
    data["topic_codes"] = ["101001"]
    response = client.post(NEW, data=data)
    assert response.status_code == 422
    assert "「主题分类」“101001”不是主题信息资源类中的分类" in text(response)
    assert count_entries() == 0


# ---- 关联资源代码: entries by name or code, shown as 名称（代码） ---------------------------------------------------

def test_related_entries_by_name_and_by_code_are_saved_as_codes_and_shown_as_name_and_code(
        client, editor, make_entry):
    by_name = make_entry(name="机动车登记信息")
    by_code = make_entry(name="驾驶人信息")
    both = make_entry(name="交通违法信息")
    typed = f"机动车登记信息\n{by_code.resource_code}；交通违法信息（{both.resource_code}）"
    response = client.post(NEW, data=form_for(client, NEW, **{**GOOD, "related_codes": typed}))
    assert response.status_code == 302, text(response)
    entry = saved()
    assert entry.draft_version.data["related_codes"] == [by_name.resource_code, by_code.resource_code,
                                                        both.resource_code]
    box = re.search(r'<textarea[^>]*name="related_codes"[^>]*>(.*?)</textarea>',
                    text(client.get(f"/manage/entries/{entry.id}/edit")), re.DOTALL).group(1)
    assert box.splitlines() == [f"机动车登记信息（{by_name.resource_code}）", f"驾驶人信息（{by_code.resource_code}）",
                                f"交通违法信息（{both.resource_code}）"]


def test_unknown_and_invisible_related_entries_are_refused_and_what_was_typed_is_kept(
        client, editor, make_entry, make_user):
    other_editor = make_user("editor", "市民政局")
    hidden = make_entry(publish=False, user=other_editor, category_code="101001", name="婚姻登记草稿")
    typed = f"没有这个资源\n{hidden.resource_code}\n婚姻登记草稿"
    response = client.post(NEW, data=form_for(client, NEW, **{**GOOD, "related_codes": typed,
                                                               "name": "我填写的名称"}))
    assert response.status_code == 422
    page = text(response)
    assert "「关联资源代码」“没有这个资源”不是已登记的资源" in page
    assert "「关联资源代码」“婚姻登记草稿”不是已登记的资源" in page       # another department's draft, by name
    assert f"「关联资源代码」“{hidden.resource_code}”不是已登记的资源" in page   # … and by code: as if unknown
    assert 'value="我填写的名称"' in page and "没有这个资源" in page    # nothing typed is lost
    assert count_entries() == 1                                      # only the other department's draft


def test_a_code_with_another_entrys_name_is_refused(client, editor, make_entry):
    first = make_entry(name="机动车登记信息")
    make_entry(name="驾驶人信息")
    response = client.post(NEW, data=form_for(client, NEW, **{
        **GOOD, "related_codes": f"驾驶人信息（{first.resource_code}）"}))
    assert response.status_code == 422
    assert f"代码“{first.resource_code}”是“机动车登记信息”，不是“驾驶人信息”" in text(response)


def test_the_suggestions_offer_published_entries_the_user_may_see(client, editor, make_entry, make_user):
    published = make_entry(name="机动车登记信息")
    make_entry(publish=False, user=make_user("editor", "市民政局"), name="机动车草稿")
    rows = client.get("/manage/pickers/entries?q=机动车").get_json()
    assert rows == [{"name": "机动车登记信息", "code": published.resource_code}]
    by_code = client.get(f"/manage/pickers/entries?q={published.resource_code[:8]}").get_json()
    assert {"name": "机动车登记信息", "code": published.resource_code} in by_code
    assert client.get("/manage/pickers/entries?q=").get_json() == []


def test_the_suggestions_need_a_signed_in_user(client, make_entry):
    make_entry(name="机动车登记信息")
    response = client.get("/manage/pickers/entries?q=机动车")
    assert response.status_code in (302, 401) and "机动车登记信息" not in response.get_data(as_text=True)


# ---- the data-item editor ----------------------------------------------------------------------------------

def test_each_item_input_has_a_label_naming_the_item_and_rows_are_removed_by_a_button(client, editor):
    page = client.get(NEW).get_data(as_text=True)
    assert 'aria-label="第 1 项 信息项名称"' in page
    data = form_for(client, NEW, **{**GOOD, "action": "add_item"})
    page = client.post(NEW, data=data).get_data(as_text=True)
    assert 'aria-label="第 2 项 信息项名称"' in page and 'aria-label="第 4 项 基础信息项"' in page
    assert ">删除</button>" in page and "＋ 添加信息项" in page
    data = form_for(client, NEW, **{**GOOD, "action": "remove-1"})
    page = text(client.post(NEW, data=data))
    assert "已删除第 2 项信息项（尚未保存）" in page
    assert 'value="公民身份号码"' not in page and 'name="items-count" value="2"' in page
    assert count_entries() == 0


# ---- the phone rule: one rule for the form and for Excel ---------------------------------------------------

def test_the_form_refuses_a_phone_that_is_not_one_with_a_chinese_message(client, editor):
    response = client.post(NEW, data=form_for(client, NEW, **{**GOOD, "contact_phone": "12345abc"}))
    assert response.status_code == 422 and PHONE_MESSAGE in text(response)
    assert count_entries() == 0
    for good in ("0991-6231001", "13899120601"):
        assert client.post(NEW, data=form_for(client, NEW, **{**GOOD, "contact_phone": good})).status_code == 302


def test_an_excel_import_refuses_the_same_phone_with_the_same_message(tmp_path, published):
    editor, entries = published
    path = edited_export(tmp_path, entries, {(entries[0].resource_code, "联系电话"): "12345abc"})
    report, counts = imports.import_file(path, user=editor)
    assert counts == {}
    assert any(PHONE_MESSAGE in p.message for p in report.problems), [p.message for p in report.problems]


def test_department_contacts_use_the_same_phone_rule():
    from app.org import contact_problems
    from catalog_schema.formats import is_phone

    good = {"name": "张三", "email": "zhang@example.gov.cn"}
    for phone in ("12345abc", "0991-6231001", "13899120601", "(020)8312 3456"):
        refused = any(p.path == "leader-phone" for p in contact_problems("leader", {**good, "phone": phone}))
        assert refused is not is_phone(phone), phone


# ---- the dashboard reaches every entry ---------------------------------------------------------------------

def test_the_dashboard_pages_through_all_25_published_entries(client, make_user, make_entry):
    editor = make_user("editor", "市公安局")
    for n in range(1, 26):
        make_entry(user=editor, name=f"户籍资源第{n:02d}号")
    login(client, editor)
    first = text(client.get("/manage/"))
    assert re.search(r'data-list="published">已发布 <span[^>]*>25</span>', first)
    assert first.count('data-label="名称"') == 20 and "户籍资源第25号" in first   # newest first
    assert "户籍资源第01号" not in first
    second = text(client.get("/manage/?list=published&page=2"))
    assert second.count('data-label="名称"') == 5 and "户籍资源第01号" in second
    assert '<span class="page-link">下一页</span>' in second                 # no link past the last page
    assert client.get("/manage/?page=0").status_code == 200
    assert "户籍资源第01号" in text(client.get("/manage/?page=99"))           # past the end: the last page


def test_the_dashboard_filters_by_state(client, make_user, make_entry):
    editor = make_user("editor", "市公安局")
    make_entry(user=editor, name="已发布的资源")
    make_entry(publish=False, user=editor, name="还是草稿的资源")
    login(client, editor)
    drafts = text(client.get("/manage/?list=draft"))
    table = re.search(r'<table[^>]*id="entries-table".*?</table>', drafts, re.DOTALL).group(0)
    assert "还是草稿的资源" in table and "已发布的资源" not in table


# ---- revising a published entry says what happens ----------------------------------------------------------

def test_the_revision_page_says_the_published_version_stays_until_the_revision_is_approved(
        client, editor, make_entry, admin):
    entry = make_entry(user=editor)
    url = f"/manage/entries/{entry.id}/edit"
    assert "修订期间，第 1 版仍对外发布；第 2 版审核通过后替换它" in text(client.get(url))
    with transaction():
        edit(entry, {**GOOD_VALUES(), "summary": "第二版摘要。"}, user=editor)
        catalog.publish_directly([entry], user=admin, reason="测试")
    assert "修订期间，第 2 版仍对外发布；第 3 版审核通过后替换它" in text(client.get(url))


def test_a_new_or_never_published_entry_has_no_revision_notice(client, editor, make_entry):
    assert "修订期间" not in text(client.get(NEW))
    draft = make_entry(publish=False, user=editor)
    assert "修订期间" not in text(client.get(f"/manage/entries/{draft.id}/edit"))


def GOOD_VALUES():
    from tests.conftest import valid_values
    return valid_values()
