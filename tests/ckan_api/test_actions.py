"""The Action API's HTTP behaviour: CKAN's envelope and errors, methods, argument forms, visibility by caller, and
the fq parser (any text gives filters or a Search Query Error, never anything else)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.ckan_api import fq
from app.ckan_api.envelope import SEARCH_QUERY, ApiError
from app.core.db import transaction
from app.extensions import db
from tests.portal.test_portal import login

OPEN = dict(category_code="201001", sensitivity=[], sharing_type="unconditional", sharing_condition=None,
            open_to_public=True, open_condition="无条件开放，注明来源即可")


def _json(response):
    return json.loads(response.get_data(as_text=True))


def test_api_root_says_version_3_without_redirecting(client):
    for path in ("/api/3", "/api"):
        response = client.get(path)
        assert response.status_code == 200 and _json(response) == {"version": 3}
    assert client.get("/api/3/action/status_show").status_code == 200


def test_success_and_failure_use_ckans_envelope(client, make_entry):
    make_entry(**OPEN, name="空气质量监测日报")
    body = _json(client.get("/api/3/action/package_search"))
    assert body["success"] is True and body["help"].endswith("/api/3/action/help_show?name=package_search")
    assert body["result"]["count"] == 1
    failed = client.get("/api/3/action/package_show?id=424242")
    assert failed.status_code == 404
    error = _json(failed)
    assert error["success"] is False and error["error"]["__type"] == "Not Found Error"
    assert error["error"]["message"] == "未找到该信息资源" and error["error"]["message_en"] == "Not found"


def test_unknown_actions_and_writes_by_get_are_refused(client):
    unknown = client.get("/api/3/action/package_revise")
    assert unknown.status_code == 400 and "package_revise" in _json(unknown)["error"]["message"]
    by_get = client.get("/api/3/action/package_create?title=x")
    assert by_get.status_code == 405 and "POST" in _json(by_get)["error"]["message"]


def test_unknown_search_parameters_and_bad_numbers_are_validation_errors(client):
    response = client.get("/api/3/action/package_search?qq=水")
    assert response.status_code == 409
    error = _json(response)["error"]
    assert error["__type"] == "Validation Error" and "qq" in error and "不支持的参数" in error["message"]
    bad_rows = _json(client.get("/api/3/action/package_search?rows=-1"))["error"]
    assert bad_rows["rows"] and "不能小于 0" in bad_rows["message"]


def test_rows_are_clamped_at_1000_and_default_to_10(client, make_entry):
    for i in range(12):
        make_entry(**OPEN, name=f"空气质量监测日报{i:02d}")
    assert len(_json(client.get("/api/3/action/package_search"))["result"]["results"]) == 10
    assert len(_json(client.get("/api/3/action/package_search?rows=100000"))["result"]["results"]) == 12


def test_repeated_keys_form_bodies_and_json_strings_give_lists(client, make_entry):
    make_entry(**OPEN, name="空气质量监测日报", keywords=["环境"])
    by_get = _json(client.get("/api/3/action/package_search?facet.field=tags&facet.field=sharing_type"))
    assert set(by_get["result"]["facets"]) == {"tags", "sharing_type"}
    by_json_string = _json(client.get('/api/3/action/package_search?facet.field=["tags"]'))
    assert set(by_json_string["result"]["facets"]) == {"tags"}
    by_form = _json(client.post("/api/3/action/package_search", data={"facet.field": ["tags", "open_to_public"]}))
    assert by_form["result"]["facets"]["open_to_public"] == {"true": 1}
    by_json = _json(client.post("/api/3/action/package_search", json={"fq": "tags:环境", "rows": 1}))
    assert by_json["result"]["count"] == 1


def test_a_body_that_is_not_json_is_a_clear_error(client):
    response = client.post("/api/3/action/package_search", data="{oops", content_type="application/json")
    assert response.status_code == 400 and _json(response)["error"]["message"] == "请求内容不是有效的 JSON"


def test_the_public_sees_the_open_catalog_and_a_session_sees_the_government_one(client, make_entry, make_user):
    make_entry(**OPEN, name="空气质量监测日报")
    hidden = make_entry(name="户籍人口基本信息")
    assert _json(client.get("/api/3/action/package_search?include_private=true"))["result"]["count"] == 1
    assert client.get(f"/api/3/action/package_show?id={hidden.id}").status_code == 404
    login(client, make_user("editor", "市教育局"))
    assert _json(client.get("/api/3/action/package_search?include_private=true"))["result"]["count"] == 2
    assert client.get(f"/api/3/action/package_show?id={hidden.id}").status_code == 200


def test_a_draft_is_shown_to_its_department_only(app, client, make_entry, make_user):
    editor = make_user("editor", "市公安局")
    draft = make_entry(publish=False, user=editor, name="机动车登记信息")
    other = app.test_client()
    login(other, make_user("editor", "市教育局"))
    assert other.get(f"/api/3/action/package_show?id={draft.id}").status_code == 404
    login(client, editor)
    shown = _json(client.get(f"/api/3/action/package_show?id={draft.id}"))["result"]
    assert shown["state"] == "draft" and shown["title"] == "机动车登记信息"


def test_a_browser_session_cannot_write_through_the_api(client, make_user):
    login(client, make_user("editor", "市公安局"))
    response = client.post("/api/3/action/package_create", json={"title": "会话写入"})
    assert response.status_code == 403
    assert _json(response)["error"]["__type"] == "Authorization Error"


def test_related_codes_hide_entries_the_caller_may_not_see(client, make_entry):
    hidden = make_entry(name="户籍人口基本信息")
    shown = make_entry(**OPEN, name="空气质量监测日报", related_codes=[hidden.resource_code])
    package = _json(client.get(f"/api/3/action/package_show?id={shown.id}"))["result"]
    assert package["related_codes"] == []


def test_groups_tags_and_activity(client, make_entry, admin):
    from app import catalog
    entry = make_entry(**OPEN, name="空气质量监测日报", keywords=["环境", "空气"], topic_codes=["211001"])
    groups = _json(client.get("/api/3/action/group_list?all_fields=true"))["result"]
    # topics are a tree: a topic counts the datasets of its subtopics, as the portal's 主题目录 does
    assert [(g["name"], g["package_count"]) for g in groups] == [("2", 1), ("211", 1), ("211001", 1)]
    classes = _json(client.get("/api/3/action/group_list?type=classification"))["result"]
    assert "201001" in classes
    assert _json(client.get("/api/3/action/group_show?id=211001"))["result"]["package_count"] == 1
    assert _json(client.get("/api/3/action/tag_list?query=空"))["result"] == ["空气"]
    with transaction():
        catalog.update_draft(entry, {**catalog.full_values(entry, entry.published_version), "summary": "新摘要。"},
                             user=admin, base=catalog.BaseRef.of(entry.base_version), change_note="改摘要")
        catalog.publish_directly([entry], user=admin, reason="测试")
    activity = _json(client.get(f"/api/3/action/package_activity_list?id={entry.id}"))["result"]
    assert [a["data"]["version"] for a in activity] == [2, 1]
    assert activity[0]["activity_type"] == "changed package" and activity[0]["data"]["change_note"] == "改摘要"


# ---- fq ---------------------------------------------------------------------------------------------------

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.timezone.utc)


def test_fq_terms_signs_groups_and_ranges():
    parsed = fq.parse(['+organization:001 -tags:"学 校" groups:(201001 OR 211001) '
                       'metadata_modified:[2026-11-01T00:00:00Z TO NOW]'], now=NOW)
    assert parsed.any_of == [(("provider", "001"),), (("topic_codes", "201001"), ("topic_codes", "211001"))]
    assert parsed.none_of == [("keywords", "学 校")]
    low, high = parsed.modified
    assert (high - low) // 1_000_000 == 29 * 86400 + 12 * 3600


def test_fq_or_between_terms_and_what_harvesters_add():
    assert fq.parse(["sharing_type:conditional OR tags:环境"]).any_of == [
        (("sharing_type", "conditional"), ("keywords", "环境"))]
    harvester = fq.parse(["*:* +dataset_type:dataset -state:deleted", "capacity:public"])
    assert harvester.any_of == [] and not harvester.nothing
    assert fq.parse(["dataset_type:harvest"]).nothing


@pytest.mark.parametrize("text, words", [
    ("colour:blue", "不能按字段“colour”筛选"),
    ('tags:"unclosed', "无法识别"),
    ("tags:", "缺少取值"),
    ("环境", "缺少字段名"),
    ("metadata_modified:yesterday", "须用范围筛选"),
    ("metadata_modified:[last TO *]", "不是 ISO 8601 格式"),
    ("sharing_type:[a TO b]", "只有 metadata_modified 可以按范围筛选"),
    ("tags:(a AND b)", "只能是以 OR 分隔的取值"),
    ("tags:a OR", "末尾缺少筛选条件"),
])
def test_fq_mistakes_are_search_query_errors_that_say_what_is_wrong(text, words):
    with pytest.raises(ApiError) as error:
        fq.parse([text])
    assert error.value.kind == SEARCH_QUERY and words in error.value.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list('tags:organization()[]{}"\\ +-*ORAND TO环境0123456789-:TZ')),
               max_size=60))
def test_any_fq_text_gives_filters_or_a_search_query_error(text):
    try:
        parsed = fq.parse([text], now=NOW)
    except ApiError as error:
        assert error.kind == SEARCH_QUERY and error.message.startswith("查询条件 fq 有误")
    else:
        assert all(group for group in parsed.any_of)


def test_behind_a_trusted_proxy_links_use_the_visitors_scheme_and_host(database_url, tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.setenv("CATALOG_INSTANCE_PATH", str(tmp_path / "proxied"))
    proxied = create_app({"DATABASE_URL": database_url, "TESTING": True, "TRUSTED_PROXIES": 1})
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "data.example.gov.cn"}
    body = _json(proxied.test_client().get("/api/3/action/status_show", headers=headers))
    assert body["help"].startswith("https://data.example.gov.cn/api/3/action/help_show")
    assert body["result"]["site_url"] == "https://data.example.gov.cn"
    plain = _json(proxied.test_client().get("/api/3/action/status_show"))  # no proxy headers: as it came
    assert plain["result"]["site_url"] == "http://localhost"
    with proxied.app_context():
        db.engine.dispose()


def test_package_update_replaces_the_metadata_and_empties_what_is_left_out(client, make_entry, make_user):
    from app import accounts, catalog

    editor = make_user("editor", "市公安局")
    entry = make_entry(**OPEN, name="空气质量监测日报", keywords=["环境"], user=editor)
    with transaction():
        _row, raw = accounts.create_token(editor, "更新脚本")
    headers = {"X-CKAN-API-Key": raw}
    values = {k: v for k, v in catalog.full_values(entry, entry.published_version).items()
              if k not in ("resource_code", "name", "summary", "release_date")}
    partial = client.post("/api/3/action/package_update", json={"id": str(entry.id), "title": "空气质量日报"},
                          headers=headers)
    assert partial.status_code == 409  # what is left out is emptied, and the required fields say so
    assert {"summary", "format_category"} <= set(_json(partial)["error"])
    whole = client.post("/api/3/action/package_update", headers=headers, json={
        **values, "id": entry.resource_code, "title": "空气质量日报", "notes": "每日发布。", "tags": []})
    assert whole.status_code == 200, _json(whole)
    package = _json(whole)["result"]
    assert package["state"] == "active" and package["version_state"] == "draft"
    db.session.rollback()
    draft = db.session.get(catalog.Entry, entry.id).draft_version
    assert (draft.name, draft.data["summary"], draft.data.get("keywords")) == ("空气质量日报", "每日发布。", [])


def test_an_organization_counts_its_own_datasets_not_its_subordinates(client, make_entry, make_user):
    district_bureau = make_user("editor", "东城区民政局")
    make_entry(**OPEN, name="东城区养老机构名录", user=district_bureau)
    make_entry(name="东城区低保对象信息", user=district_bureau)  # government users only
    rows = {o["title"]: o for o in _json(client.get("/api/3/action/organization_list?all_fields=true"))["result"]}
    assert rows["东城区民政局"]["package_count"] == 1  # the public: the open dataset
    assert rows["示例市东城区人民政府"]["package_count"] == 0  # CKAN counts an organization's own datasets
    shown = _json(client.get("/api/3/action/organization_show?id=048&include_datasets=true"))["result"]
    assert shown["package_count"] == 1 and [p["title"] for p in shown["packages"]] == ["东城区养老机构名录"]
    assert _json(client.get("/api/3/action/package_list"))["result"] == [
        p["name"] for p in shown["packages"]]
