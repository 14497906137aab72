"""The read-only portal: home counts, the entry list, entry pages, and what the public may see."""
import re

from app.core.db import transaction
from tests.conftest import edit, valid_values

OPEN = dict(category_code="201001", name="空气质量监测日报", sensitivity=[], sharing_type="unconditional",
            sharing_condition=None, open_to_public=True, open_condition="无条件开放，注明来源即可",
            data_items=[{"name": "监测站点", "data_type": "C", "length": "50"},
                        {"name": "AQI", "data_type": "I", "length": "4"}])


def login(client, user, password="correct-horse-1"):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": user.username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_home_page_shows_counts_by_sharing_type(client, make_entry, make_user):
    make_entry()
    make_entry(**OPEN)
    login(client, make_user("seeker", "市民政局"))
    html = client.get("/").get_data(as_text=True)
    assert "已发布信息资源" in html
    assert re.search(r'<div class="stat" id="total">2</div>', html)
    assert "无条件共享" in html and "有条件共享" in html
    assert 'href="/search?sharing_type=conditional"' in html


def test_public_sees_only_the_open_catalog(client, make_entry):
    closed = make_entry()
    opened = make_entry(**OPEN)
    html = client.get("/search").get_data(as_text=True)
    assert "空气质量监测日报" in html
    assert "户籍人口基本信息" not in html
    assert client.get(f"/entries/{opened.id}").status_code == 200
    assert client.get(f"/entries/{closed.id}").status_code == 404


def test_public_search_for_a_hidden_entry_name_finds_nothing(client, make_entry):
    make_entry()
    html = client.get("/search", query_string={"q": "户籍人口基本信息"}).get_data(as_text=True)
    results = html.split('id="results"')[1]
    assert "共 0 条" in html and "/entries/" not in results and "部分匹配" not in results
    assert "部分信息资源只向政务用户提供" in results  # the hint, without saying which
    assert "户籍" not in client.get("/search/suggest?q=户籍").get_data(as_text=True)


def test_government_user_sees_every_published_entry(client, make_entry, make_user):
    closed = make_entry()
    login(client, make_user("seeker", "市民政局"))
    page = client.get(f"/entries/{closed.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("户籍人口基本信息", "101001/000001", "公民身份号码", "有条件共享", "仅限因履行法定职责"):
        assert text in html
    assert "信息资源提供方代码" in html


def test_drafts_are_not_in_the_portal(client, make_entry, make_user):
    draft = make_entry(publish=False)
    login(client, make_user("seeker", "市民政局"))
    assert client.get(f"/entries/{draft.id}").status_code == 404


def test_published_version_stays_visible_while_a_revision_is_drafted(client, make_entry, admin, make_user):
    """Other departments see the published version and its published history only; the owning department also
    sees that a revision is under way (the one visibility rule: drafts stay with their department)."""
    entry = make_entry(user=make_user("editor", "市公安局"))
    with transaction():
        edit(entry, valid_values(summary="修订中的摘要，尚未发布。"), user=admin)
    login(client, make_user("seeker", "市民政局"))
    html = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert "修订中的摘要" not in html and "本市户籍人口" in html
    assert "第 1 版" in html and "第 2 版" not in html
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)})
    login(client, make_user("seeker", "市公安局"))
    html = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert "修订中的摘要" not in html and "第 2 版" in html


def test_bad_query_parameters_get_a_chinese_message(client):
    response = client.get("/search?page=abc&sharing_type=everything&provider=x1")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "查询参数「页码」的值无效" in html  # the page names each field in Chinese only
    assert "查询参数「共享类型」的值“everything”无效" in html
    assert "查询参数「信息资源提供方」的值“x1”无效" in html
    assert "（page）" not in html and "（sharing_type）" not in html and "（provider）" not in html


def test_old_list_address_redirects_to_search(client):
    response = client.get("/entries?sharing_type=conditional&department=3")
    assert response.status_code == 301
    assert response.headers["Location"] == "/search?sharing_type=conditional&provider=3"


def test_user_text_is_escaped(client, make_entry):
    entry = make_entry(**{**OPEN, "name": "<script>alert(1)</script>", "summary": "<b>粗体</b>"})
    html = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>粗体</b>" not in html
