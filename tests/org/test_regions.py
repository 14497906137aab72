"""Regions (行政区划) as data: a province with its cities and districts, each department under its own region's
node; departments loaded without a 统一社会信用代码 wait on the admins' 待补充 list until one is filled in."""
from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select

from app.audit import AuditEntry
from app.catalog.models import Category
from app.core.db import transaction
from app.core.errors import InvalidInput
from app.extensions import db
from app.org import Department, Region, RegionLevel, fill_credit_code, load_departments, load_regions
from app.org.credit_code import check_character
from tests.accounts.helpers import post_form
from tests.portal.test_portal import login

REGION_HEADER = ["行政区划代码", "行政区划名称", "行政层级", "上级行政区划代码", "分类代码"]
DEPARTMENT_HEADER = ["code", "name", "short_name", "aliases", "credit_code", "region_level", "parent_code",
                     "region_code"]
#: the province's nodes in the department class (部门信息资源类 → 省（自治区、直辖市）和计划单列市)
NODES = [("307010", "测试省", "307"), ("307011", "甲市", "307"), ("307012", "乙市", "307"),
         ("307013", "甲市东河区", "307")]
REGIONS = [["990000", "测试省", "省级", "", "307010"],
           ["990100", "甲市", "市级", "990000", "307011"],
           ["990200", "乙市", "city", "990000", "307012"],
           ["990102", "东河区", "县（区）级", "990100", "307013"]]


def credit_code(n: int) -> str:
    first17 = f"12990000MB{n:07d}"
    return first17 + check_character(first17)


DEPARTMENTS = [["9001", "测试省发展和改革委员会", "省发改委", "", credit_code(1), "", "", "990000"],
               ["9101", "甲市公安局", "公安局", "", credit_code(2), "", "", "990100"],
               ["9201", "乙市公安局", "公安局", "", credit_code(3), "", "", "990200"],
               ["9102", "甲市东河区公安分局", "东河公安", "", "", "", "9101", "990102"]]


def write(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run(app, *args):
    return app.test_cli_runner().invoke(args=["catalog", *args])


@pytest.fixture
def province(app, tmp_path):
    """The province's classification nodes and its regions, loaded as a deployment would, from the command line."""
    nodes = write(tmp_path / "nodes.csv", ["code", "name", "parent_code"], [list(n) for n in NODES])
    assert run(app, "load-classification", str(nodes)).exit_code == 0
    result = run(app, "load-regions", str(write(tmp_path / "regions.csv", REGION_HEADER, REGIONS)))
    assert result.exit_code == 0, result.output
    assert "行政区划导入完成：共 4 个，新增 4，更新 0" in result.output
    return tmp_path


@pytest.fixture
def departments(app, province):
    result = run(app, "load-departments", str(write(province / "departments.csv", DEPARTMENT_HEADER, DEPARTMENTS)))
    assert result.exit_code == 0, result.output
    assert "其中 1 个部门的统一社会信用代码待补充" in result.output
    return {d.code: d for d in db.session.scalars(select(Department).where(Department.code.in_(
        [row[0] for row in DEPARTMENTS])))}


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Department, Region, Category))


def messages(error) -> list[str]:
    return [p.message for p in error.value.problems]


def test_a_province_with_two_cities_and_a_district_forms_a_tree(province):
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    assert regions["990000"].level == RegionLevel.province and regions["990000"].parent is None
    assert [c.name for c in regions["990000"].children] == ["甲市", "乙市"]
    assert regions["990200"].level == RegionLevel.city
    assert [r.name for r in regions["990102"].path()] == ["测试省", "甲市", "东河区"]
    assert regions["990102"].level.label == "县（区）级"


def test_each_citys_departments_are_placed_under_their_own_regions_node(departments):
    assert departments["9101"].category_code == "3070119101"
    assert departments["9201"].category_code == "3070129201"
    assert departments["9001"].category_code == "3070109001"
    assert departments["9102"].category_code == "3070139102"
    for code, parent in (("9101", "307011"), ("9201", "307012"), ("9001", "307010"), ("9102", "307013")):
        node = db.session.get(Category, departments[code].category_code)
        assert node.parent_code == parent and node.name == departments[code].name
    assert {code: d.region_level for code, d in departments.items()} == {
        "9001": RegionLevel.province, "9101": RegionLevel.city, "9201": RegionLevel.city,
        "9102": RegionLevel.district}
    assert departments["9102"].parent == departments["9101"]


def test_a_department_page_shows_its_region_and_level(client, departments, make_user):
    login(client, make_user("seeker", "市民政局"))
    html = client.get(f"/departments/{departments['9102'].id}").get_data(as_text=True)
    assert "测试省 › 甲市 › 东河区" in html and "990102" in html
    assert "县（区）级" in html and "统一社会信用代码</dt>" in html and "待补充" in html
    province_page = client.get(f"/departments/{departments['9001'].id}").get_data(as_text=True)
    assert "省级" in province_page and credit_code(1) in province_page


def test_a_department_without_a_region_column_stays_under_the_configured_root(app, tmp_path):
    path = write(tmp_path / "d.csv", DEPARTMENT_HEADER[:-1], [["961", "市新设局", "新设局", "", "", "city", ""]])
    with transaction():
        result = load_departments(path)
    assert result == {"added": 1, "total": 1, "credit_code_missing": 1}
    department = db.session.scalar(select(Department).where(Department.code == "961"))
    assert department.category_code == "307001961" and department.region is None
    assert department.credit_code is None and department.region_level == RegionLevel.city


def test_a_department_without_credit_code_waits_on_the_admins_list(client, departments, admin):
    login(client, admin)
    landing = client.get("/admin/").get_data(as_text=True)
    assert "统一社会信用代码待补充" in landing
    assert '<span class="badge text-bg-warning" id="credit-codes-missing">1 个部门</span>' in landing
    html = client.get("/admin/departments/credit-codes").get_data(as_text=True)
    assert "统一社会信用代码待补充（1 个部门）" in html
    assert "甲市东河区公安分局" in html and "测试省 › 甲市 › 东河区" in html
    assert "甲市公安局</a>" not in html  # those with a code are not listed
    assert f'for="credit-code-{departments["9102"].id}"' in html


def test_filling_in_a_credit_code_is_checked_saved_and_audited(client, departments, admin):
    login(client, admin)
    waiting = departments["9102"]
    page, action = "/admin/departments/credit-codes", f"/admin/departments/{waiting.id}/credit-code"
    wrong = credit_code(4)[:17] + ("0" if credit_code(4)[17] != "0" else "1")
    for value, words in [("", "「统一社会信用代码」为必填项"),
                         ("1299", "「统一社会信用代码」须为 18 位，“1299”为 4 位"),
                         (wrong, f"「统一社会信用代码」“{wrong}”校验位错误：应为 {credit_code(4)[17]}"),
                         (credit_code(2), f"“{credit_code(2)}”已由部门“甲市公安局”（代码 9101）使用")]:
        response = post_form(client, page, action, credit_code=value)
        assert response.status_code == 422, value
        html = response.get_data(as_text=True)
        assert words in html and 'aria-invalid="true"' in html and "未保存" in html
    db.session.rollback()
    assert db.session.get(Department, waiting.id).credit_code is None

    typed = " " + credit_code(4)[:9].lower() + " " + credit_code(4)[9:] + " "
    response = post_form(client, page, action, credit_code=typed)
    assert response.status_code == 302
    followed = client.get(page).get_data(as_text=True)
    assert f"已补充“甲市东河区公安分局”的统一社会信用代码 {credit_code(4)}" in followed
    assert "所有部门都已有统一社会信用代码" in followed
    db.session.rollback()
    assert db.session.get(Department, waiting.id).credit_code == credit_code(4)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "department.credit_code"))
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("department", waiting.id, admin.id)
    assert entry.details == {"from": None, "to": credit_code(4)}
    assert 'id="credit-codes-missing">0 个部门' in client.get("/admin/").get_data(as_text=True)
    # a code already there is not replaced from this page
    again = post_form(client, page, action, credit_code=credit_code(5))
    assert again.status_code == 409
    assert db.session.get(Department, waiting.id).credit_code == credit_code(4)


def test_only_admins_see_and_fill_the_list(client, departments, make_user):
    login(client, make_user("authority_reviewer", "市政务服务数据管理局"))
    assert client.get("/admin/departments/credit-codes").status_code == 403
    response = post_form(client, "/account/sessions", f"/admin/departments/{departments['9102'].id}/credit-code",
                         credit_code=credit_code(4))
    assert response.status_code == 403
    db.session.rollback()
    assert db.session.get(Department, departments["9102"].id).credit_code is None


def test_reloading_without_a_credit_code_keeps_the_one_filled_in(app, departments, province, admin):
    with transaction():
        fill_credit_code(departments["9102"], credit_code(4), actor=admin)
    rows = [row[:4] + [""] + row[5:] for row in DEPARTMENTS]
    with transaction():
        load_departments(write(province / "again.csv", DEPARTMENT_HEADER, rows))
    assert db.session.get(Department, departments["9102"].id).credit_code == credit_code(4)
    assert db.session.get(Department, departments["9101"].id).credit_code == credit_code(2)


def test_bad_department_rows_are_refused_whole_naming_line_column_and_value(app, departments, province):
    before = counts()
    rows = [["9202", "乙市民政局", "民政局", "", credit_code(6), "", "", "990300"],  # no such region
            ["9203", "乙市教育局", "教育局", "", "12990000MB0000007I", "", "", "990200"],  # I is not allowed
            ["9204", "乙市财政局", "财政局", "", credit_code(2), "", "", "990200"],  # 甲市公安局's code
            ["9202", "乙市司法局", "司法局", "", credit_code(8), "", "", "990200"],  # the code of line 2 again
            ["9205", "乙市审计局", "审计局", "", credit_code(9), "", "", "990200"],
            ["9206", "乙市统计局", "统计局", "", credit_code(9), "市级", "", "990200"],  # line 6's credit code
            ["9207", "乙市水务局", "水务局", "", "", "省级", "", "990200"]]  # 乙市 is a city
    with pytest.raises(InvalidInput) as error, transaction():
        load_departments(write(province / "bad.csv", DEPARTMENT_HEADER, rows))
    assert messages(error) == [
        "第 2 行「region_code」：行政区划“990300”不存在：请先导入行政区划（load-regions）",
        "第 3 行「credit_code」：统一社会信用代码含有不允许的字符：I（不使用 I、O、S、V、Z）",
        f"第 4 行「credit_code」：统一社会信用代码“{credit_code(2)}”已由部门“甲市公安局”（代码 9101）使用",
        "第 5 行「code」：部门代码“9202”重复（第 2 行已有）",
        f"第 7 行「credit_code」：统一社会信用代码“{credit_code(9)}”重复（第 6 行已有）",
        "第 8 行「region_level」：行政层级“省级”与行政区划“乙市”的层级（市级）不一致",
    ]
    assert counts() == before


def test_bad_region_rows_are_refused_whole_naming_line_column_and_value(app, province):
    before = counts()
    rows = [["990300", "丙市", "市级", "990999", "307011"],  # no such parent
            ["990301", "丙市北区", "县（区）级", "", "307099"],  # no such node
            ["990400", "丁市", "地级", "990000", "307011"],  # no such level
            ["990500", "戊省", "省级", "990100", "307010"],  # a province under a city
            ["99O600", "己市", "市级", "990000", "307011"],  # letter O
            ["990300", "丙市", "市级", "990000", "307011"]]  # line 2's code again
    with pytest.raises(InvalidInput) as error, transaction():
        load_regions(write(province / "bad-regions.csv", REGION_HEADER, rows))
    assert messages(error) == [
        "第 2 行「parent_code」：上级行政区划“990999”不存在",
        "第 3 行「category_code」：分类树中没有节点“307099”：请先在分类树中为该行政区划建立部门类节点并导入",
        "第 4 行「level」：行政层级“地级”须为 province（省级）、city（市级）或 district（县区）",
        "第 5 行「parent_code」：上级行政区划“990100”为市级，须高于本级（省级）",
        "第 6 行「code」：行政区划代码“99O600”须为不超过 12 位的数字",
        "第 7 行「code」：行政区划代码“990300”重复（第 2 行已有）",
    ]
    assert counts() == before


def test_a_region_with_departments_keeps_its_node(app, departments, province):
    moved = [row if row[0] != "990200" else row[:4] + ["307013"] for row in REGIONS]
    with pytest.raises(InvalidInput) as error, transaction():
        load_regions(write(province / "moved.csv", REGION_HEADER, moved))
    assert messages(error) == [("第 4 行「category_code」：行政区划“乙市”下已有 1 个部门，分类节点不能由“307012”改为“307013”"
                                "（其部门的信息资源编码以原节点开头）")]
    assert db.session.get(Department, departments["9201"].id).category_code == "3070129201"


def test_the_command_line_lists_every_problem_and_writes_nothing(app, province):
    before = counts()
    path = write(province / "bad-cli.csv", DEPARTMENT_HEADER, [
        ["9301", "甲市民政局", "民政局", "", "123", "", "", "990100"],
        ["9302", "甲市教育局", "教育局", "", "", "", "", "990777"]])
    result = run(app, "load-departments", str(path))
    assert result.exit_code == 1
    assert "第 2 行「credit_code」：统一社会信用代码须为 18 位，“123”为 3 位" in result.output
    assert "第 3 行「region_code」：行政区划“990777”不存在" in result.output
    assert counts() == before


def test_reloading_the_regions_changes_nothing(app, province):
    with transaction():
        result = load_regions(province / "regions.csv")
    assert result == {"added": 0, "updated": 0, "total": 4}


def test_a_regions_level_is_its_departments_level(app, departments, province):
    regions = [row if row[0] != "990200" else row[:2] + ["县区"] + row[3:] for row in REGIONS]
    with transaction():
        load_regions(write(province / "changed.csv", REGION_HEADER, regions))
    assert db.session.get(Department, departments["9201"].id).region_level == RegionLevel.district
    assert db.session.get(Department, departments["9101"].id).region_level == RegionLevel.city


def test_a_missing_root_node_names_the_first_row_that_needs_it(app, tmp_path):
    app.config["DEPARTMENT_CATEGORY_ROOT"] = "307999"
    path = write(tmp_path / "d.csv", DEPARTMENT_HEADER[:-1], [["962", "市新设局", "新设局", "", "", "city", ""]])
    with pytest.raises(InvalidInput) as error, transaction():
        load_departments(path)
    assert messages(error) == ["第 2 行「code」：分类树中缺少部门类根节点“307999”，请先导入分类树"]
    assert db.session.scalar(select(Department).where(Department.code == "962")) is None


def test_a_region_cannot_sink_to_its_childrens_level(app, province):
    rows = [row if row[0] != "990100" else row[:2] + ["县区"] + row[3:] for row in REGIONS if row[0] != "990102"]
    with pytest.raises(InvalidInput) as error, transaction():
        load_regions(write(province / "sunk.csv", REGION_HEADER, rows))
    assert messages(error) == ["第 3 行「level」：行政层级“县区”须高于其下级行政区划“东河区”（县（区）级）"]
