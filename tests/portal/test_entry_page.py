"""The portal's entry page (issue 14: provider card, tags, last updated, versions, API links, copy button, feedback,
修订, the data-item table) and the department pages, for the public, government users and the owning editor."""
import re
from urllib.parse import quote

from app.core.db import transaction
from tests.conftest import edit, valid_values
from tests.portal.test_portal import OPEN, login


def html_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def section(html: str, element_id: str) -> str:
    """The element with this id, up to the end of the page (enough to look inside one card)."""
    assert f'id="{element_id}"' in html, element_id
    return html.split(f'id="{element_id}"', 1)[1]


def logout(client, html: str) -> None:
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)})


def register_leader(department, editor, name="王建国"):
    from app.changes import register_contacts

    with transaction():
        register_contacts(department.id, editor, {"leader-name": name, "leader-phone": "020-83123456",
                                                  "leader-email": "wang@example.gov.cn"})


# ---- provider card -------------------------------------------------------------------------------------------

def test_provider_card_links_the_department_page_and_shows_its_level(client, make_entry, make_user, department):
    police = department("市公安局")
    entry = make_entry(user=make_user("editor", "市公安局"), **OPEN)
    card = section(html_of(client, f"/entries/{entry.id}"), "provider").split("</section>")[0]
    assert f'<a href="/departments/{police.id}">市公安局</a>' in card
    assert police.region_level.label in card


def test_provider_contacts_are_for_government_users_only(client, make_entry, make_user, department):
    editor = make_user("editor", "市公安局")
    entry = make_entry(user=editor, **OPEN)
    register_leader(department("市公安局"), editor)
    public = html_of(client, f"/entries/{entry.id}")
    assert "王建国" not in public and 'id="contacts"' not in public
    login(client, make_user("seeker", "市民政局"))
    card = section(html_of(client, f"/entries/{entry.id}"), "provider").split("</section>")[0]
    assert "分管领导：王建国" in card and 'href="tel:020-83123456"' in card


# ---- tags, dates -------------------------------------------------------------------------------------------------

def test_keywords_are_chips_that_search_for_the_keyword(client, make_entry):
    entry = make_entry(**OPEN, keywords=["空气质量", "AQI & PM2.5"])
    chips = section(html_of(client, f"/entries/{entry.id}"), "field-keywords").split("</ul>")[0]
    links = re.findall(r'<a class="[^"]*\btag\b[^"]*" href="([^"]+)">([^<]+)</a>', chips)
    assert links == [(f"/search?keywords={quote('空气质量')}", "空气质量"),
                     ("/search?keywords=AQI+%26+PM2.5", "AQI &amp; PM2.5")]


def test_last_update_is_shown_beside_the_release_date_and_follows_a_reported_update(client, make_entry, make_user,
                                                                                   clock):
    from app import catalog

    clock("2026-03-02")
    editor = make_user("editor", "市公安局")
    entry = make_entry(user=editor, **OPEN)
    html = html_of(client, f"/entries/{entry.id}")
    assert '<th>发布日期</th><td class="pre-line">2026-03-02</td>' in html
    assert '<th>最近更新日期</th><td class="pre-line">2026-03-02</td>' in html
    clock("2026-03-20")
    with transaction():
        catalog.record_update(entry, user=editor, updated_on="2026-03-19")
    html = html_of(client, f"/entries/{entry.id}")
    assert '<th>发布日期</th><td class="pre-line">2026-03-02</td>' in html
    assert '<th>最近更新日期</th><td class="pre-line">2026-03-19</td>' in html
    # the 更新状态 card stays where it was, with the same day
    assert "最近更新：2026-03-19" in section(html, "freshness")


# ---- versions as activity ----------------------------------------------------------------------------------------

def test_government_users_see_each_published_version_with_publisher_note_and_comparison(client, make_entry,
                                                                                        make_user, admin):
    from app import catalog

    editor = make_user("editor", "市公安局")
    entry = make_entry(user=editor, **OPEN)
    with transaction():
        edit(entry, valid_values(**{**OPEN, "summary": "第二版的摘要。"}), user=editor, change_note="补充监测站点说明")
        catalog.publish_directly([entry], user=admin, reason="测试数据")
    public = html_of(client, f"/entries/{entry.id}")
    assert 'id="activity"' not in public and "补充监测站点说明" not in public
    login(client, make_user("seeker", "市民政局"))
    activity = section(html_of(client, f"/entries/{entry.id}"), "activity").split("</section>")[0]
    items = re.findall(r'<li class="list-group-item">(.*?)</li>', activity, re.S)
    assert [re.search(r"第 (\d) 版", i).group(1) for i in items] == ["2", "1"]  # newest first
    assert "补充监测站点说明" in items[0] and f"{admin.display_name}（市政务服务数据管理局）发布" in items[0]
    assert f'href="/manage/entries/{entry.id}/compare?a=1&amp;b=2"' in items[0]
    assert "compare" not in items[1]  # nothing before the first version
    assert f'href="/manage/entries/{entry.id}/history"' in activity
    compare = client.get(f"/manage/entries/{entry.id}/compare?a=1&b=2")
    assert compare.status_code == 200 and "第二版的摘要" in compare.get_data(as_text=True)


def test_a_revision_in_progress_is_named_to_the_owning_department_only(client, make_entry, make_user, admin):
    entry = make_entry(user=make_user("editor", "市公安局"))
    with transaction():
        edit(entry, valid_values(summary="修订中的摘要，尚未发布。"), user=admin)
    login(client, make_user("seeker", "市民政局"))
    html = html_of(client, f"/entries/{entry.id}")
    assert 'id="working-version"' not in html and "第 2 版" not in html
    logout(client, html)
    login(client, make_user("seeker", "市公安局"))
    working = section(html_of(client, f"/entries/{entry.id}"), "working-version").split("</li>")[0]
    assert "第 2 版" in working and f'href="/manage/entries/{entry.id}"' in working


# ---- API links and the JSON route ----------------------------------------------------------------------------------

def test_the_page_links_its_json_and_a_search_for_its_code(client, make_entry):
    entry = make_entry(**OPEN)
    api = section(html_of(client, f"/entries/{entry.id}"), "api").split("</section>")[0]
    assert f'href="/entries/{entry.id}.json"' in api and f'href="/search.json?q={entry.resource_code}"' in api
    assert "CKAN" not in api
    hits = client.get(f"/search.json?q={entry.resource_code}").get_json()["hits"]
    assert [h["id"] for h in hits] == [entry.id]


def test_entry_json_holds_the_published_values(client, make_entry, admin):
    entry = make_entry(**OPEN, keywords=["空气"])
    with transaction():
        edit(entry, valid_values(**{**OPEN, "name": "草稿中的新名称"}), user=admin)
    data = client.get(f"/entries/{entry.id}.json").get_json()
    assert data["id"] == entry.id and data["url"].endswith(f"/entries/{entry.id}") and data["version"] == 1
    values = data["values"]
    assert values["name"] == "空气质量监测日报" and values["resource_code"] == entry.resource_code
    assert values["keywords"] == ["空气"] and [i["name"] for i in values["data_items"]] == ["监测站点", "AQI"]
    assert values["provider"]["name"] == entry.department.name
    assert values["last_updated_on"] == values["release_date"]


def test_entry_json_has_the_pages_visibility(client, make_entry, make_user):
    hidden = make_entry()  # conditional sharing, not open to the public
    draft = make_entry(publish=False, **OPEN)
    assert client.get(f"/entries/{hidden.id}.json").status_code == 404
    assert client.get(f"/entries/{hidden.id}").status_code == 404
    assert client.get("/entries/999999.json").status_code == 404
    login(client, make_user("seeker", "市民政局"))
    assert client.get(f"/entries/{hidden.id}.json").get_json()["values"]["sharing_type"] == "conditional"
    assert client.get(f"/entries/{draft.id}.json").status_code == 404


# ---- copy button, feedback, 修订 -----------------------------------------------------------------------------------

def test_the_resource_code_is_text_with_a_copy_button_that_script_reveals(client, make_entry):
    entry = make_entry(**OPEN)
    html = html_of(client, f"/entries/{entry.id}")
    assert f'id="resource-code">{entry.resource_code}</span>' in html
    button = re.search(r"<button[^>]*data-copy=\"#resource-code\"[^>]*>", html, re.S).group(0)
    assert " hidden" in button  # without JavaScript there is no button that does nothing
    assert '<script src="/static/copy.js" defer></script>' in html
    script = client.get("/static/copy.js")
    assert script.status_code == 200 and "navigator.clipboard.writeText" in script.get_data(as_text=True)
    script.close()


def test_another_department_may_report_a_data_problem_the_public_and_the_provider_may_not(client, make_entry,
                                                                                           make_user):
    editor = make_user("editor", "市公安局")
    entry = make_entry(user=editor, **OPEN)
    assert "报告数据问题" not in html_of(client, f"/entries/{entry.id}")
    login(client, make_user("seeker", "市民政局"))
    html = html_of(client, f"/entries/{entry.id}")
    actions = section(html, "entry-actions").split("</div>")[0]
    assert f'href="/reports/entries/{entry.id}/new">报告数据问题</a>' in actions
    assert client.get(f"/reports/entries/{entry.id}/new").status_code == 200
    logout(client, html)
    login(client, editor)
    assert "报告数据问题" not in html_of(client, f"/entries/{entry.id}")


def test_only_the_owning_editor_gets_a_revise_link(client, make_entry, make_user):
    editor = make_user("editor", "市公安局")
    entry = make_entry(user=editor, **OPEN)
    revise = f'href="/manage/entries/{entry.id}/edit">修订</a>'
    assert revise not in html_of(client, f"/entries/{entry.id}")
    other = make_user("editor", "市民政局")
    login(client, other)
    html = html_of(client, f"/entries/{entry.id}")
    assert revise not in html
    logout(client, html)
    login(client, editor)
    assert revise in html_of(client, f"/entries/{entry.id}")
    assert client.get(f"/manage/entries/{entry.id}/edit").status_code == 200


# ---- the data-item table -------------------------------------------------------------------------------------------

def test_item_columns_empty_for_every_item_are_not_shown(client, make_entry):
    items = [{"name": "监测站点", "data_type": "C", "length": "50", "basic_item": False},
             {"name": "AQI", "data_type": "I", "length": "4", "description": "空气质量指数", "basic_item": False}]
    entry = make_entry(**{**OPEN, "data_items": items})
    table = section(html_of(client, f"/entries/{entry.id}"), "data-items").split("</table>")[0]
    headers = re.findall(r"<th scope=\"col\"[^>]*>([^<]+)</th>", table)
    assert headers == ["#", "信息项名称", "数据类型", "数据长度", "说明"]
    rows = re.findall(r"<tr><td>(.*?)</tr>", table, re.S)
    assert [re.findall(r"<td>([^<]*)</td>", "<td>" + r) for r in rows] == [
        ["1", "监测站点", "字符型", "50", ""], ["2", "AQI", "整型", "4", "空气质量指数"]]
    # a yes/no column shows once one item says yes
    items[1]["basic_item"] = True
    other = make_entry(**{**OPEN, "name": "空气质量小时数据", "data_items": items})
    table = section(html_of(client, f"/entries/{other.id}"), "data-items").split("</table>")[0]
    assert re.findall(r"<th scope=\"col\"[^>]*>([^<]+)</th>", table)[-1] == "基础信息项"


# ---- department pages -----------------------------------------------------------------------------------------------

def test_department_page_counts_entries_by_sharing_type_for_government_users(client, make_entry, make_user,
                                                                             department):
    editor = make_user("editor", "市公安局")
    make_entry(user=editor, **OPEN)
    make_entry(user=editor, name="户籍人口基本信息")  # conditional
    make_entry(user=editor, name="户籍迁移记录")  # conditional
    make_entry(user=make_user("editor", "市民政局"), name="婚姻登记信息")  # another department
    police = department("市公安局")
    login(client, make_user("seeker", "市民政局"))
    html = html_of(client, f"/departments/{police.id}")
    counts = section(html, "department-counts").split("</ul>")[0]
    assert '<span class="stat" data-count="total">3</span>' in counts
    assert re.search(r'data-count="unconditional">无条件共享 1 条', counts)
    assert re.search(r'data-count="conditional">有条件共享 2 条', counts)
    assert re.search(r'data-count="not_shared">不予共享 0 条', counts)
    assert f'href="/search?provider={police.id}&amp;sharing_type=conditional"' in counts
    entries = section(html, "department-entries").split("</ul>")[0]
    assert entries.count('href="/entries/') == 3 and "婚姻登记信息" not in entries
    assert f'<a href="/search?provider={police.id}" id="search-all">检索全部 3 条</a>' in html


def test_the_public_sees_a_department_with_its_open_entries_only_and_no_contacts(client, make_entry, make_user,
                                                                                 department):
    editor = make_user("editor", "市公安局")
    make_entry(user=editor, **OPEN)
    make_entry(user=editor, name="户籍人口基本信息")
    police = department("市公安局")
    register_leader(police, editor)
    html = html_of(client, f"/departments/{police.id}")
    assert "市公安局" in html and "王建国" not in html and 'id="contacts"' not in html
    entries = section(html, "department-entries").split("</ul>")[0]
    assert "空气质量监测日报" in entries and "户籍人口基本信息" not in entries
    counts = section(html, "department-counts").split("</ul>")[0]
    assert '<span class="stat" data-count="total">1</span>' in counts
    assert "有条件共享" not in counts and "不予共享" not in counts  # always 0 for the public: not shown
    login(client, make_user("seeker", "市民政局"))
    assert "王建国" in section(html_of(client, f"/departments/{police.id}"), "contacts")


def test_department_page_links_its_parent_and_children(client, department):
    district, bureau = department("示例市东城区人民政府"), department("东城区民政局")
    parent_page = html_of(client, f"/departments/{district.id}")
    children = section(parent_page, "child-departments").split("</section>")[0]
    assert f'<a href="/departments/{bureau.id}">东城区民政局</a>' in children
    child_page = html_of(client, f"/departments/{bureau.id}")
    assert f'href="/departments/{district.id}" id="parent-department">示例市东城区人民政府</a>' in child_page
    assert client.get("/departments/999999").status_code == 404


def test_provider_names_link_to_department_pages_everywhere(client, make_entry, make_user, department):
    editor = make_user("editor", "市公安局")
    entry = make_entry(user=editor, **OPEN)
    police = department("市公安局")
    link = f'<a href="/departments/{police.id}">'
    assert link in section(html_of(client, f"/entries/{entry.id}"), "provider")
    metadata = html_of(client, f"/entries/{entry.id}").split('id="provider"')[0]
    assert f'{link}市公安局</a>' in metadata  # the 信息资源提供方 row
    assert f'{link}市公安局</a>' in html_of(client, "/search?q=空气质量")
    # the department catalog: for the public, the departments with open entries
    assert f'href="/departments/{police.id}">市公安局</a>' in html_of(client, "/catalogs/department")
    login(client, make_user("seeker", "市民政局"))
    assert f'href="/departments/{police.id}">市公安局</a>' in html_of(client, "/catalogs/department")


def test_ids_out_of_range_are_missing_pages(client):
    assert client.get("/departments/99999999999999999999").status_code == 404
    assert client.get("/entries/99999999999999999999.json").status_code == 404
