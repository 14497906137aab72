"""Search as people type it: word lists an admin edits, partial matches, did-you-mean, suggestions, codes, and the
hint for the public when nothing is found."""
import html as html_lib
import re

from sqlalchemy import select

from app.audit import AuditEntry
from app.extensions import db
from tests.portal.test_portal import login

OPEN = dict(category_code="201001", sensitivity=[], sharing_type="unconditional", sharing_condition=None,
            open_to_public=True, open_condition="无条件开放，注明来源即可")


def token(client, path="/admin/search-terms/"):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def results(html: str) -> str:
    return html.split('id="results"')[1]


def names(client, q: str) -> list[str]:
    return [h["name"] for h in client.get("/search.json", query_string={"q": q}).get_json()["hits"]]


def test_an_admin_adds_synonyms_on_a_page_and_search_uses_them_at_once(client, make_entry, make_user):
    make_entry(name="A级旅游景区名录", summary="全市 A 级旅游景区的名称、等级和地址。")
    admin = make_user("admin", "市政务服务数据管理局")
    login(client, admin)
    assert "旅游景区" not in " ".join(names(client, "观光地"))

    page = client.get("/admin/search-terms/").get_data(as_text=True)
    body = html_lib.unescape(re.search(r'<textarea[^>]*id="synonyms-body"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    assert "社保, 社会保障, 社会保险" in body  # the shipped defaults
    response = client.post("/admin/search-terms/synonyms", data={
        "csrf_token": token(client), "body": body.replace("景点, 景区", "景点, 观光地, 景区"), "note": "群众常用说法"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert names(client, "观光地") == ["A级旅游景区名录"]  # no reindex
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "search.vocabulary"))
    assert audit.actor_id == admin.id and "新增 1 行，删除 1 行" in audit.summary
    assert "群众常用说法" in client.get("/admin/search-terms/").get_data(as_text=True)

    # restoring the defaults takes the group away again
    client.post("/admin/search-terms/synonyms", data={"csrf_token": token(client), "action": "default"})
    assert names(client, "观光地") == []


def test_bad_word_lists_are_refused_whole_naming_each_line(client, make_entry, make_user):
    make_entry(name="A级旅游景区名录")
    login(client, make_user("admin", "市政务服务数据管理局"))
    response = client.post("/admin/search-terms/synonyms", data={
        "csrf_token": token(client), "body": "观光地, 景区\n孤词\n景区, 风景区\n<b>, 标签"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "第 2 行：“孤词”只有一个词" in html
    assert "第 3 行：“景区”已在第 1 行出现" in html
    assert "第 4 行：“&lt;b&gt;”只能含汉字、字母、数字" in html and "<b>," in html.replace("&lt;b&gt;,", "<b>,")
    assert names(client, "观光地") == []  # nothing saved
    words = client.post("/admin/search-terms/words", data={"csrf_token": token(client), "body": "一体化政务服务平台\n的"})
    assert words.status_code == 422 and "第 2 行：“的”须为 2 到 20 个字符" in words.get_data(as_text=True)


def test_only_admins_change_word_lists(client, make_user):
    login(client, make_user("authority_reviewer", "市政务服务数据管理局"))
    page = client.get("/admin/search-terms/")
    assert page.status_code == 200 and "<textarea" not in page.get_data(as_text=True)  # reads, cannot edit
    response = client.post("/admin/search-terms/synonyms", data={"csrf_token": token(client), "body": "甲乙, 丙丁"})
    assert response.status_code == 403
    client.post("/logout", data={"csrf_token": token(client, "/")})
    login(client, make_user("editor"))
    assert client.get("/admin/search-terms/").status_code == 403


def test_partial_matches_are_labelled_and_not_exported(client, make_entry, make_user):
    make_entry(name="婚姻登记信息", summary="结婚登记、离婚登记记录。")
    login(client, make_user("seeker", "市民政局"))
    html = client.get("/search", query_string={"q": "婚姻 航班"}).get_data(as_text=True)
    assert 'id="partial-note"' in html and "部分匹配" in html
    assert "婚姻登记信息" in results(html).replace("<mark>", "").replace("</mark>", "")
    assert 'id="export-link"' not in html
    data = client.get("/search.json", query_string={"q": "婚姻 航班"}).get_json()
    assert data["partial"] is True and data["total"] == 1
    exact = client.get("/search", query_string={"q": "婚姻 登记"}).get_data(as_text=True)
    assert 'id="partial-note"' not in exact and 'id="export-link"' in exact


def test_did_you_mean_offers_close_terms_that_find_something(client, make_entry, make_user):
    make_entry(user=make_user("editor", "市人力资源和社会保障局"), category_code="203001", name="社会保障卡信息",
               summary="社会保障卡的发卡和挂失记录。")
    login(client, make_user("seeker", "市民政局"))
    html = client.get("/search", query_string={"q": "人设局"}).get_data(as_text=True)  # a slip for 人社局
    assert 'id="no-results"' in html
    offered = dict(re.findall(r'class="did-you-mean">([^<]+)</a>（(\d+) 条）', html))
    assert offered.get("人社局") == "1"
    assert all(int(n) > 0 for n in offered.values())  # only terms that find something
    assert client.get("/search.json", query_string={"q": "人设局"}).get_json()["did_you_mean"][0]["total"] >= 1


def test_zero_results_help_for_government_users_and_the_public(client, make_entry, make_user):
    make_entry()
    anonymous = results(client.get("/search", query_string={"q": "航班时刻"}).get_data(as_text=True))
    assert "部分信息资源只向政务用户提供" in anonymous and "/catalogs/open" in anonymous
    login(client, make_user("seeker", "市民政局"))
    government = results(client.get("/search", query_string={"q": "航班时刻"}).get_data(as_text=True))
    assert "部分信息资源只向政务用户提供" not in government
    assert "/catalogs/topic" in government and "/catalogs/department" in government


def test_suggestions_complete_from_the_middle_and_through_synonyms(client, make_entry):
    make_entry(name="门头沟区地质灾害隐患点", summary="隐患点位置和等级。", **OPEN)
    make_entry(name="社会保险缴费明细", summary="单位和个人缴费记录。", **OPEN)
    assert client.get("/search/suggest?q=门头").get_json() == ["门头沟区地质灾害隐患点"]
    assert client.get("/search/suggest?q=灾害隐患").get_json() == ["门头沟区地质灾害隐患点"]
    assert client.get("/search/suggest?q=社保").get_json() == ["社会保险缴费明细"]


def test_a_resource_code_or_its_classification_finds_the_entry_first(client, make_entry, make_user):
    target = make_entry(name="户籍人口基本信息")
    make_entry(name="流动人口登记信息", category_code="101002", summary="含户籍人口基本信息以外的流动人口。")
    login(client, make_user("seeker", "市民政局"))
    assert names(client, target.resource_code) == ["户籍人口基本信息"]
    assert names(client, target.resource_code.split("/")[0]) == ["户籍人口基本信息"]
    assert set(names(client, "101")) == {"户籍人口基本信息", "流动人口登记信息"}


def test_highlights_mark_whole_matches_without_gaps(client, make_entry, make_user):
    make_entry(name="户籍人口基本信息")
    login(client, make_user("seeker", "市民政局"))
    html = client.get("/search", query_string={"q": "籍人口基"}).get_data(as_text=True)
    assert "户<mark>籍人口基</mark>本信息" in results(html)


def test_related_entries_share_the_classification_and_a_meaningful_word(client, make_entry, make_user):
    entry = make_entry(name="户籍人口基本信息")
    make_entry(name="户籍迁移登记信息", category_code="101002", summary="户籍迁入迁出记录。")
    make_entry(name="企业基本信息", category_code="102001", summary="企业的基本登记信息。")
    login(client, make_user("seeker", "市民政局"))
    html = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    related = html.split('id="related"')[1]
    assert "户籍迁移登记信息" in related and "企业基本信息" not in related


def test_keywords_are_searched_and_listed_as_a_facet(client, make_entry, make_user):
    make_entry(name="户籍人口基本信息", keywords=["人口普查", "常住人口"])
    make_entry(name="流动人口登记信息", category_code="101002", keywords=["常住人口"])
    login(client, make_user("seeker", "市民政局"))
    assert names(client, "人口普查") == ["户籍人口基本信息"]  # a keyword, found as a word and as a substring
    data = client.get("/search.json").get_json()
    assert data["facets"]["keywords"] == {"人口普查": 1, "常住人口": 2}
    filtered = client.get("/search.json", query_string={"keywords": "人口普查"}).get_json()
    assert [h["name"] for h in filtered["hits"]] == ["户籍人口基本信息"]
    html = client.get("/search", query_string={"keywords": "常住人口"}).get_data(as_text=True)
    assert "关键字：常住人口" in html  # the chip, labelled from the schema
    bad = client.get("/search.json", query_string={"keywords": "x" * 200})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["label"] == "关键字"
