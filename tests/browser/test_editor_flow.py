"""The editor's user stories end to end in Chromium: real clicks and typing against the live app.

a. register an entry → department review → authority review (with the sharing-type confirmation) → portal
b. a revision of a published entry: the old version stays public while the new one is reviewed and returned
c. a cross-page POST without the CSRF token is refused
d. without JavaScript the entry form still adds data-item rows and saves
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.catalog.models import Entry
from app.extensions import db
from tests.conftest import valid_values

pytestmark = pytest.mark.browser

NAME = "户籍人口基本信息"
SUMMARY = "本市户籍人口的姓名、公民身份号码、性别、民族、出生日期等基本登记信息。"
CONDITION = "仅限因履行法定职责需要核验身份的部门使用，须经申请审核。"
# name, data type, length, basic item, item sharing type ("" = as the resource)
ITEMS = [("姓名", "C", "50", True, "unconditional"),
         ("公民身份号码", "C", "18", True, "unconditional"),
         ("出生日期", "D", "", False, "")]
CODE = "101001/000001"
# an entry open to the public, published beforehand: what the public's list does show
OPEN = dict(category_code="201001", name="空气质量监测日报", sensitivity=[], sharing_type="unconditional",
            sharing_condition=None, open_to_public=True, open_condition="无条件开放，注明来源即可",
            data_items=[{"name": "监测站点", "data_type": "C", "length": "50"},
                        {"name": "AQI", "data_type": "I", "length": "4"}])


def field(scope, label: str):
    """A form control by its label, exactly (a required field's label ends in a '*' mark)."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}\*?$"))


def card(page, header: str):
    """The Bootstrap card whose header reads `header`."""
    header_locator = page.locator(".card-header", has_text=re.compile(rf"^{re.escape(header)}$"))
    return page.locator(".card").filter(has=header_locator)


def flash(page, text: str):
    return page.locator("main > .alert-info", has_text=text)


def open_new_entry_form(page):
    page.get_by_role("link", name="本部门目录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("市公安局 · 本部门目录")
    page.get_by_role("link", name="登记信息资源", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登记信息资源")


def fill_entry_fields(page, *, javascript: bool = True) -> None:
    """Everything but the data items, in the order an editor goes down the form."""
    field(page, "信息资源分类").select_option("101001")
    field(page, "信息资源名称").fill(NAME)
    field(page, "信息资源摘要").fill(SUMMARY)
    field(page, "信息资源格式分类").select_option(label="数据库")
    field(page, "信息资源格式类型").select_option(label="oracle")
    condition, basis = field(page, "共享条件"), field(page, "不予共享依据")
    if javascript:  # the script shows 共享条件 only for 有条件共享, 不予共享依据 only for 不予共享
        expect(condition).to_be_hidden()
        field(page, "共享类型").select_option(label="不予共享")
        expect(basis).to_be_visible()
        expect(condition).to_be_hidden()
    field(page, "共享类型").select_option(label="有条件共享")
    expect(condition).to_be_visible()
    if javascript:
        expect(basis).to_be_hidden()
    condition.fill(CONDITION)
    field(page, "共享方式分类").select_option(label="共享平台方式")
    field(page, "共享方式类型").select_option(label="接口")
    page.get_by_label("个人隐私", exact=True).check()
    page.locator("#field-open_to_public").get_by_label("否", exact=True).check()
    field(page, "更新周期").select_option(label="实时")


def fill_item(page, index: int, name: str, data_type: str, length: str, basic: bool, sharing: str) -> None:
    n = index + 1  # every control of a row is labelled "第 N 项 <column>"
    page.get_by_label(f"第 {n} 项 信息项名称", exact=True).fill(name)
    page.get_by_label(f"第 {n} 项 数据类型", exact=True).select_option(data_type)
    page.get_by_label(f"第 {n} 项 数据长度", exact=True).fill(length)
    if basic:
        page.get_by_label(f"第 {n} 项 基础信息项", exact=True).check()
    if sharing:
        page.get_by_label(f"第 {n} 项 信息项共享类型", exact=True).select_option(sharing)


def add_item_row(page, rows_after: int) -> None:
    """＋ 添加信息项 is a submit button: the server renders the form again with one more (blank) row."""
    page.get_by_role("button", name="＋ 添加信息项").click()
    expect(page.locator("tr.item-row")).to_have_count(rows_after)
    expect(page.get_by_text("已添加一行信息项（尚未保存）")).to_be_visible()
    expect(page.get_by_label(f"第 {rows_after} 项 信息项名称", exact=True)).to_have_value("")


def entry_id_from(page) -> int:
    expect(page).to_have_url(re.compile(r"/manage/entries/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def count_entries() -> int:
    db.session.rollback()  # a fresh snapshot: see what the server's requests committed
    return db.session.scalar(select(func.count(Entry.id)))


# ---- a. register → department review → authority review → portal --------------------------------------------

def test_new_entry_is_registered_reviewed_twice_and_published(make_user, make_entry, sign_in, new_page):
    make_entry(**OPEN)
    editor = make_user("editor", "市公安局")
    department_reviewer = make_user("department_reviewer", "市公安局")
    authority_reviewer = make_user("authority_reviewer", "市政务服务数据管理局")
    seeker = make_user("seeker", "市民政局")

    # the editor registers the resource with three data items
    page = sign_in(editor, "/manage/")
    open_new_entry_form(page)
    fill_entry_fields(page)
    fill_item(page, 0, *ITEMS[0])
    for index in (1, 2):
        add_item_row(page, rows_after=index + 1)
        fill_item(page, index, *ITEMS[index])
    # the re-rendered form kept what was typed, and the script runs again on it
    expect(field(page, "信息资源名称")).to_have_value(NAME)
    expect(page.get_by_label("第 1 项 信息项名称", exact=True)).to_have_value("姓名")
    expect(field(page, "共享条件")).to_be_visible()
    expect(field(page, "共享条件")).to_have_value(CONDITION)
    expect(page.locator("#field-non_sharing_basis")).to_be_hidden()

    page.get_by_role("button", name="保存草稿").click()
    expect(flash(page, f"已保存草稿：{NAME}（信息资源代码 {CODE}）")).to_be_visible()
    entry_id = entry_id_from(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.locator("#entry-state")).to_contain_text("草稿")
    expect(card(page, "信息项（3 项）").locator("tbody tr")).to_have_count(3)
    page.get_by_role("button", name="提交审核").click()
    expect(flash(page, "已提交部门审核")).to_be_visible()
    expect(page.get_by_role("button", name="提交审核")).to_have_count(0)

    # the department's reviewer passes it on to the authority
    reviewer = sign_in(department_reviewer, "/review/")
    reviewer.get_by_role("link", name="审核队列", exact=True).click()
    expect(reviewer.locator("#queue-count")).to_have_text("1")
    reviewer.locator("#queue").get_by_role("link", name=NAME, exact=True).click()
    expect(reviewer.get_by_role("heading", level=1)).to_have_text(f"部门审核：{NAME}")
    expect(reviewer.locator("#reasons")).to_contain_text("新登记资源")
    reviewer.get_by_role("button", name="通过，转主管部门审核").click()
    expect(flash(reviewer, f"已通过：{NAME}（{CODE}），已转主管部门审核")).to_be_visible()
    expect(reviewer.locator("#queue")).to_contain_text("队列为空。")

    # the authority must confirm the conditional sharing before publishing
    authority = sign_in(authority_reviewer, "/review/")
    authority.get_by_role("link", name="审核队列", exact=True).click()
    authority.locator("#queue").get_by_role("link", name=NAME, exact=True).click()
    expect(authority.get_by_role("heading", level=1)).to_have_text(f"主管部门审核：{NAME}")
    confirm = authority.get_by_label(re.compile(r"^确认共享类型为“有条件共享”"))
    expect(confirm).not_to_be_checked()
    authority.get_by_role("button", name="通过并发布").click()
    expect(authority.get_by_role("alert")).to_contain_text("「确认共享类型」须勾选")
    confirm.check()
    authority.get_by_role("button", name="通过并发布").click()
    expect(flash(authority, f"已通过：{NAME}（{CODE}），已发布")).to_be_visible()

    # a government user finds it in the catalog, with its three data items
    portal = sign_in(seeker, "/entries")
    expect(portal.get_by_role("link", name=OPEN["name"], exact=True)).to_be_visible()
    portal.get_by_role("link", name=NAME, exact=True).click()
    expect(portal).to_have_url(re.compile(rf"/entries/{entry_id}$"))
    expect(portal.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(portal.locator("main")).to_contain_text(CODE)
    rows = card(portal, "信息项（3 项）").locator("tbody tr")
    expect(rows).to_have_count(3)
    for row, (name, *_rest) in zip(rows.all(), ITEMS):
        expect(row).to_contain_text(name)
    expect(card(portal, "共享属性")).to_contain_text(CONDITION)

    # the public does not: it is not open to the public (the open one is listed)
    anonymous = new_page()
    assert anonymous.goto("/entries").ok
    expect(anonymous.get_by_role("link", name=OPEN["name"], exact=True)).to_be_visible()
    expect(anonymous.locator("main")).not_to_contain_text(NAME)
    response = anonymous.goto(f"/entries/{entry_id}")
    assert response.status == 404
    expect(anonymous.get_by_role("heading", level=1)).to_have_text("未找到该信息资源或页面")
    expect(anonymous.locator("main")).not_to_contain_text(NAME)


# ---- b. revision while published ----------------------------------------------------------------------------

def test_revision_is_reviewed_while_the_published_version_stays_visible(make_user, make_entry, sign_in):
    editor = make_user("editor", "市公安局")
    department_reviewer = make_user("department_reviewer", "市公安局")
    seeker = make_user("seeker", "市民政局")
    entry = make_entry(user=editor)
    entry_id, code = entry.id, entry.resource_code
    old_summary = valid_values()["summary"]
    new_summary = "本市户籍人口的基本登记信息，含迁入迁出记录（第二版）。"
    comment = "请在摘要中写明数据来源和统计口径。"

    page = sign_in(editor, "/manage/")
    page.get_by_role("link", name="本部门目录", exact=True).click()
    card(page, "本部门全部资源").get_by_role("link", name=NAME, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/manage/entries/{entry_id}$"))
    page.get_by_role("link", name="修订（新建版本）", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("修改信息资源")
    summary = field(page, "信息资源摘要")
    expect(summary).to_have_value(old_summary)
    summary.fill(new_summary)
    page.get_by_label("修改说明").fill("补充迁入迁出记录")
    page.get_by_role("button", name="保存草稿").click()
    expect(flash(page, "已保存")).to_be_visible()
    expect(page.locator("#entry-state")).to_contain_text("已发布 · 第 2 版")
    page.get_by_role("button", name="提交审核").click()
    expect(flash(page, "已提交部门审核")).to_be_visible()

    # meanwhile the portal still shows the published version
    portal = sign_in(seeker, "/entries")
    portal.goto(f"/entries/{entry_id}")
    expect(portal.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(portal.locator("main")).to_contain_text(old_summary)
    expect(portal.locator("main")).not_to_contain_text(new_summary)

    # the reviewer sees what changed and returns it, a comment being required
    reviewer = sign_in(department_reviewer, "/review/")
    reviewer.get_by_role("link", name="审核队列", exact=True).click()
    reviewer.locator("#queue").get_by_role("link", name=NAME, exact=True).click()
    expect(reviewer.locator("#reasons")).to_contain_text("修订：与现行发布版相比有 1 处变化")
    diff_row = reviewer.locator('#diff tr[data-field="summary"]')
    expect(diff_row.locator("th")).to_have_text("信息资源摘要")
    expect(diff_row.locator(".diff-old")).to_have_text(old_summary)
    expect(diff_row.locator(".diff-new")).to_have_text(new_summary)
    expect(reviewer.locator("#diff tbody tr")).to_have_count(1)
    reviewer.get_by_role("button", name="退回修改").click()
    expect(reviewer.get_by_role("alert")).to_contain_text("「退回意见」为必填项")
    reviewer.get_by_label("退回意见").fill(comment)
    reviewer.get_by_role("button", name="退回修改").click()
    expect(flash(reviewer, re.compile(rf"已退回：.*（{re.escape(code)}）"))).to_be_visible()

    # the editor sees the comment on the entry and on the department's catalog
    page.reload()
    expect(page.locator("#return-comment")).to_contain_text("部门审核退回")
    expect(page.locator("#return-comment")).to_contain_text(comment)
    expect(page.get_by_role("link", name="修改草稿", exact=True)).to_be_visible()
    page.get_by_role("link", name="本部门目录", exact=True).click()
    expect(page.locator('[data-count="returned"]')).to_have_text("1")
    returned = card(page, "已退回，待修改")
    expect(returned.get_by_role("link", name=NAME, exact=True)).to_be_visible()
    expect(returned).to_contain_text(f"退回意见：{comment}")

    # and the portal still shows the published version
    portal.reload()
    expect(portal.locator("main")).to_contain_text(old_summary)


# ---- c. CSRF ------------------------------------------------------------------------------------------------

FETCH = """async (fields) => {
    const response = await fetch('/manage/entries/new', {method: 'POST', body: new URLSearchParams(fields)});
    return {status: response.status, text: await response.text()};
}"""


def test_post_without_csrf_token_is_refused(make_user, sign_in):
    page = sign_in(make_user("editor", "市公安局"), "/manage/")
    open_new_entry_form(page)

    refused = page.evaluate(FETCH, {"name": "x"})
    assert refused["status"] == 400
    assert "缺少安全令牌（CSRF）" in refused["text"]
    assert count_entries() == 0

    # the same request with the page's token gets through to the form's validation (still nothing saved)
    token = page.locator('#entry-form input[name="csrf_token"]').input_value()
    checked = page.evaluate(FETCH, {"name": "x", "csrf_token": token})
    assert checked["status"] == 422
    assert "error-summary" in checked["text"]
    assert count_entries() == 0


# ---- d. without JavaScript ----------------------------------------------------------------------------------

def test_form_works_without_javascript(make_user, sign_in):
    page = sign_in(make_user("editor", "市公安局"), "/manage/", java_script_enabled=False)
    open_new_entry_form(page)
    # no script: the conditional fields are all shown (the script would hide 格式说明 and 不予共享依据)
    expect(page.locator("#field-format_note")).to_be_visible()
    expect(page.locator("#field-non_sharing_basis")).to_be_visible()

    fill_entry_fields(page, javascript=False)
    fill_item(page, 0, *ITEMS[0])
    add_item_row(page, rows_after=2)
    expect(field(page, "信息资源名称")).to_have_value(NAME)
    expect(page.get_by_label("第 1 项 信息项名称", exact=True)).to_have_value("姓名")
    fill_item(page, 1, *ITEMS[1])
    page.get_by_role("button", name="保存草稿").click()

    expect(flash(page, f"已保存草稿：{NAME}（信息资源代码 {CODE}）")).to_be_visible()
    entry_id = entry_id_from(page)
    expect(card(page, "信息项（2 项）").locator("tbody tr")).to_have_count(2)
    db.session.rollback()
    entry = db.session.get(Entry, entry_id)
    assert [item["name"] for item in entry.draft_version.data["data_items"]] == ["姓名", "公民身份号码"]
    assert entry.draft_version.data["sharing_condition"] == CONDITION
