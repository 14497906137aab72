"""The Action API driven by the real `ckanapi` client (RemoteCKAN, as harvesters and scripts use it) against the
app served on 127.0.0.1: searches with fq and facets, paging, package_show, organizations, package_create with a
token, and each error type ckanapi turns into its exception."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import ckanapi
import pytest
from sqlalchemy import select

from app import accounts, catalog, demo, indexing
from app.catalog import Entry, EntryStatus
from app.core.db import transaction
from app.extensions import db

OPEN = dict(category_code="201001", sensitivity=[], sharing_type="unconditional", sharing_condition=None,
            open_to_public=True, open_condition="无条件开放，注明来源即可")


@pytest.fixture
def catalog_entries(make_entry, make_user):
    """Three open entries of two departments and one for government users only."""
    police = make_user("editor", "市公安局")
    education = make_user("editor", "市教育局")
    return {
        "air": make_entry(**OPEN, name="空气质量监测日报", keywords=["环境", "空气"], user=police),
        "water": make_entry(**OPEN, name="饮用水水源水质月报", keywords=["环境", "水质"], user=police),
        "schools": make_entry(**OPEN, name="中小学校名录", keywords=["学校"], user=education),
        "people": make_entry(name="户籍人口基本信息", user=police),
    }


@pytest.fixture
def remote(live_server):
    with ckanapi.RemoteCKAN(live_server, user_agent="catalog-tests/1.0") as ckan:
        yield ckan


def _token(user, name="测试令牌") -> str:
    with transaction():
        _token_row, raw = accounts.create_token(user, name)
    return raw


def _names(packages) -> set[str]:
    return {p["title"] for p in packages}


def test_anonymous_search_holds_the_open_catalog_with_facets(catalog_entries, remote):
    result = remote.call_action("package_search", {"facet.field": ["organization", "tags"], "rows": 10})
    assert result["count"] == 3
    assert _names(result["results"]) == {"空气质量监测日报", "饮用水水源水质月报", "中小学校名录"}
    assert result["facets"]["tags"]["环境"] == 2
    police = catalog_entries["air"].department
    assert result["facets"]["organization"][police.code] == 2
    items = {i["name"]: i for i in result["search_facets"]["organization"]["items"]}
    assert items[police.code]["display_name"] == "市公安局"


def test_fq_filters_by_tag_organization_negation_and_alternatives(catalog_entries, remote):
    police = catalog_entries["air"].department.code
    assert _names(remote.action.package_search(fq="tags:环境")["results"]) == {"空气质量监测日报", "饮用水水源水质月报"}
    assert _names(remote.action.package_search(fq=f"+organization:{police} -tags:水质")["results"]) == {"空气质量监测日报"}
    assert _names(remote.action.package_search(fq='tags:(学校 OR "空气")')["results"]) == {"空气质量监测日报", "中小学校名录"}
    assert remote.action.package_search(fq_list=["tags:环境", "tags:学校"])["count"] == 0


def test_fq_ranges_on_metadata_modified_page_incrementally(catalog_entries, remote):
    everything = remote.action.package_search(sort="metadata_modified asc", rows=10)["results"]
    stamps = [p["metadata_modified"] for p in everything]
    assert stamps == sorted(stamps)
    later = remote.action.package_search(fq=f"metadata_modified:[{stamps[0]}Z TO *]")
    assert later["count"] == 3
    assert remote.action.package_search(fq="metadata_modified:[NOW+1DAY TO *]")["count"] == 0


def test_paging_with_rows_and_start_visits_every_dataset_once(catalog_entries, remote):
    seen = []
    for start in range(0, 3):
        page = remote.action.package_search(rows=1, start=start, sort="title_string asc")
        assert page["count"] == 3
        seen += [p["name"] for p in page["results"]]
    assert len(set(seen)) == 3
    assert remote.action.package_search(rows=5, start=3)["results"] == []


def test_package_show_by_name_id_and_resource_code(catalog_entries, remote):
    air = catalog_entries["air"]
    name = air.resource_code.replace("/", "-")
    for identifier in (name, str(air.id), air.resource_code):
        package = remote.action.package_show(id=identifier)
        assert package["name"] == name and package["title"] == "空气质量监测日报"
    assert package["organization"]["title"] == "市公安局"
    assert {t["name"] for t in package["tags"]} == {"环境", "空气"}
    assert package["sharing_type"] == "unconditional" and package["open_to_public"] is True
    assert package["data_items"][0]["name"] == "姓名"
    assert package["resources"][0]["format"] == "oracle"


def test_a_dataset_for_government_users_is_not_found_by_the_public(catalog_entries, remote, live_server, admin):
    people = catalog_entries["people"]
    with pytest.raises(ckanapi.NotFound):
        remote.action.package_show(id=str(people.id))
    with ckanapi.RemoteCKAN(live_server, apikey=_token(admin)) as government:
        assert government.action.package_show(id=str(people.id))["title"] == "户籍人口基本信息"
        assert government.action.package_search(include_private=True)["count"] == 4
        assert government.action.package_search()["count"] == 3  # CKAN's default: public datasets only


def test_organization_list_names_departments_with_their_datasets(catalog_entries, remote):
    names = remote.action.organization_list()
    police, education = catalog_entries["air"].department, catalog_entries["schools"].department
    assert police.code in names and education.code in names
    rows = {o["name"]: o for o in remote.action.organization_list(all_fields=True)}
    assert rows[police.code]["package_count"] == 2  # the public counts open datasets only
    assert rows[police.code]["title"] == "市公安局"
    shown = remote.action.organization_show(id=police.code, include_datasets=True)
    assert _names(shown["packages"]) == {"空气质量监测日报", "饮用水水源水质月报"}


def test_package_create_with_a_token_registers_a_draft_of_the_callers_department(app, live_server, make_user):
    editor = make_user("editor", "市公安局")
    with ckanapi.RemoteCKAN(live_server, apikey=_token(editor, "同步脚本")) as ckan:
        package = ckan.action.package_create(
            title="道路交通事故统计", notes="全市道路交通事故的起数、伤亡人数，按月统计。", category_code="101001",
            format_category="spreadsheet", format_type="xlsx", sharing_type="unconditional",
            sharing_method_category="platform", sharing_method_type="interface", open_to_public=False,
            update_cycle="monthly", tags=[{"name": "交通"}],
            data_items=[{"name": "月份", "data_type": "D"}, {"name": "事故起数", "data_type": "I"}])
        assert package["state"] == "draft" and package["title"] == "道路交通事故统计"
        assert package["organization"]["title"] == "市公安局" and package["keywords"] == ["交通"]
        entry = db.session.get(Entry, int(package["id"]))
        assert entry.draft_version.name == "道路交通事故统计"
        assert package["name"] == entry.resource_code.replace("/", "-")
        assert ckan.action.package_show(id=package["name"])["state"] == "draft"
    from app.audit import AuditEntry
    created = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "entry",
                                                          AuditEntry.object_id == entry.id)).all()
    assert created and all(row.details.get("api_token") == "同步脚本" for row in created)


def test_a_draft_created_through_the_api_can_be_submitted_for_review(app, live_server, make_user):
    editor = make_user("editor", "市公安局")
    with ckanapi.RemoteCKAN(live_server, apikey=_token(editor)) as ckan:
        package = ckan.action.package_create(
            title="机动车保有量", notes="按车辆类型统计的本市机动车保有量。", category_code="101001",
            format_category="spreadsheet", format_type="xlsx", sharing_type="unconditional",
            sharing_method_category="platform", sharing_method_type="interface", open_to_public=False,
            update_cycle="monthly", data_items=[{"name": "车辆类型", "data_type": "C"}], submit=True)
    assert package["version_state"] == "department_review"


def test_validation_errors_name_each_field(app, live_server, make_user):
    editor = make_user("editor", "市公安局")
    with ckanapi.RemoteCKAN(live_server, apikey=_token(editor)) as ckan:
        with pytest.raises(ckanapi.ValidationError) as error:
            ckan.action.package_create(notes="没有名称", category_code="101001", colour="蓝")
    errors = error.value.error_dict
    assert errors["__type"] == "Validation Error"
    assert "colour" in errors and "未知字段" in errors["colour"][0]
    assert db.session.scalar(select(Entry.id)) is None  # nothing half-written


def test_writing_needs_a_token_and_the_right_department(app, live_server, make_user, catalog_entries):
    with ckanapi.RemoteCKAN(live_server) as anonymous:
        with pytest.raises(ckanapi.NotAuthorized):
            anonymous.action.package_create(title="无令牌")
    education = make_user("editor", "市教育局")
    with ckanapi.RemoteCKAN(live_server, apikey=_token(education)) as ckan:
        with pytest.raises(ckanapi.NotAuthorized):
            ckan.action.package_patch(id=str(catalog_entries["air"].id), title="改名")
    with ckanapi.RemoteCKAN(live_server, apikey="gcat_not-a-real-token") as forged:
        with pytest.raises(ckanapi.NotAuthorized):
            forged.action.package_search()


def test_search_query_errors_and_not_found(catalog_entries, remote):
    with pytest.raises(ckanapi.SearchQueryError):
        remote.action.package_search(fq="colour:blue")
    with pytest.raises(ckanapi.SearchQueryError):
        remote.action.package_search(fq='tags:"unclosed')
    with pytest.raises(ckanapi.SearchQueryError):
        remote.action.package_search(sort="popularity desc")
    with pytest.raises(ckanapi.NotFound):
        remote.action.package_show(id="999999")
    with pytest.raises(ckanapi.NotFound):
        remote.action.organization_show(id="no-such-department")


def test_patch_revises_and_delete_retires_through_the_workflow(app, live_server, make_user, make_entry, admin):
    editor = make_user("editor", "市公安局")
    entry = make_entry(**OPEN, name="空气质量监测日报", user=editor)
    with ckanapi.RemoteCKAN(live_server, apikey=_token(editor)) as ckan:
        patched = ckan.action.package_patch(id=str(entry.id), notes="新的摘要：每日发布。", change_note="改写摘要")
        assert patched["state"] == "active"  # v1 stays published while v2 is drafted
        assert (patched["notes"], patched["version"], patched["version_state"]) == ("新的摘要：每日发布。", "2", "draft")
        assert ckan.action.package_show(id=str(entry.id))["notes"] != "新的摘要：每日发布。"  # the public one is v1
        with pytest.raises(ckanapi.ValidationError):
            ckan.action.package_delete(id=str(entry.id))  # a reason is required
    db.session.rollback()  # the server committed in its own sessions: read afresh
    assert entry.draft_version.data["summary"] == "新的摘要：每日发布。"
    assert entry.published_version.data["summary"] != "新的摘要：每日发布。"
    with ckanapi.RemoteCKAN(live_server, apikey=_token(admin)) as ckan:
        retired = ckan.action.package_delete(id=str(entry.id), reason="数据已并入新资源")
        assert retired["state"] == "deleted"
    db.session.rollback()
    assert entry.status == EntryStatus.retired
    with ckanapi.RemoteCKAN(live_server) as anonymous:
        with pytest.raises(ckanapi.NotFound):
            anonymous.action.package_show(id=str(entry.id))


def test_ckanapi_dump_of_the_demo_catalog_holds_the_open_catalog(app, live_server, tmp_path):
    """`ckanapi dump datasets --all` over the demo city as `make run` builds it (800 entries)."""
    demo.load_reference_data()
    demo.generate(800)
    indexing.reindex()
    open_entries = [e for e in db.session.scalars(select(Entry).where(Entry.status == EntryStatus.published))
                    if catalog.policy.is_open(e.published_version)]
    assert 0 < len(open_entries) < 800
    out = tmp_path / "datasets.jsonl"
    bin_dir = pathlib.Path(sys.executable).parent  # ckanapi starts its worker processes as `ckanapi` on the PATH
    environment = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([str(bin_dir / "ckanapi"), "dump", "datasets", "--all", "-q", "-p", "4", "-r", live_server,
                           "-O", str(out)], capture_output=True, text=True, timeout=300, env=environment)
    assert done.returncode == 0, done.stderr[-2000:]
    dumped = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    assert len(dumped) == len(open_entries)
    assert {p["name"] for p in dumped} == {e.resource_code.replace("/", "-") for e in open_entries}
