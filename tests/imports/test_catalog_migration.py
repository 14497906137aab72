"""Migrating an existing catalog whole (issue 13): a province's two cities, their departments (one without a credit
code), the deployment's own theme list, and a catalog whose rows name providers by short name or alias, topics
by name, keywords, and the dates it was first published and last updated. Everything typed comes out the same,
field by field, and the entries are found by what was migrated."""
import datetime as dt

from sqlalchemy import select

from app.catalog.models import Category, Entry
from app.extensions import db
from app.imports import services as imports
from app.org import Department
from tests.importers.test_roundtrip import PERSON_ITEMS, PERSON_ROW, fill
from tests.org.test_regions import DEPARTMENT_HEADER, NODES, REGION_HEADER, REGIONS, credit_code, write
from tests.portal.test_portal import login

DEPARTMENTS = [["9101", "甲市人力资源和社会保障局", "甲市人社局", "甲人社", credit_code(11), "", "", "990100"],
               ["9201", "乙市教育局", "乙市教育局", "乙教", "", "", "", "990200"]]
THEMES = [["name"], ["财税金融"], ["教育科技"]]

ROWS = [  # what the old catalog held, as its export had it
    {"信息资源分类*": "101001", "信息资源名称*": "甲市社会保险参保信息", "信息资源提供方*": "甲人社",
     "信息资源摘要*": "甲市职工和城乡居民社会保险参保登记、缴费信息。", "主题分类": "财税金融",
     "关键字": "社保、参保；养老保险", "首次发布日期": dt.date(2019, 3, 15), "最近更新日期": dt.date(2024, 6, 30)},
    {"信息资源分类*": "101002", "信息资源名称*": "乙市中小学校名录", "信息资源提供方*": "乙市教育局",
     "信息资源摘要*": "乙市中小学校的名称、学段、地址和办学性质。", "主题分类": "教育科技;财税金融",
     "关键字": "学校, 义务教育", "首次发布日期": dt.date(2020, 9, 1)},
]
EXPECTED = [
    {"name": "甲市社会保险参保信息", "department": "甲市人力资源和社会保障局", "category_code": "101001",
     "summary": "甲市职工和城乡居民社会保险参保登记、缴费信息。", "topics": ["财税金融"],
     "keywords": ["社保", "参保", "养老保险"], "release_date": "2019-03-15",
     "original": (dt.date(2019, 3, 15), dt.date(2024, 6, 30))},
    {"name": "乙市中小学校名录", "department": "乙市教育局", "category_code": "101002",
     "summary": "乙市中小学校的名称、学段、地址和办学性质。", "topics": ["教育科技", "财税金融"],
     "keywords": ["学校", "义务教育"], "release_date": "2020-09-01",
     "original": (dt.date(2020, 9, 1), dt.date(2020, 9, 1))},
]


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=["catalog", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_whole_catalog_migrates_without_losing_anything(app, admin, client, make_user, tmp_path):
    # reference data, as a deployment loads it
    cli(app, "load-classification", str(write(tmp_path / "nodes.csv", ["code", "name", "parent_code"],
                                              [list(n) for n in NODES])))
    cli(app, "load-regions", str(write(tmp_path / "regions.csv", REGION_HEADER, REGIONS)))
    output = cli(app, "load-departments", str(write(tmp_path / "departments.csv", DEPARTMENT_HEADER, DEPARTMENTS)))
    assert "待补充" in output  # 乙市教育局 came without a credit code
    cli(app, "load-topics", str(write(tmp_path / "themes.csv", THEMES[0], THEMES[1:])))

    # the old catalog, typed into the template, checked on the command line and imported by an admin
    template = tmp_path / "template.xlsx"
    imports.write_template(template)
    rows = [{**PERSON_ROW, "行号": n, **cells} for n, cells in enumerate(ROWS, 1)]
    items = [dict(item, **{"行号": n}) for n in range(1, len(ROWS) + 1) for item in PERSON_ITEMS]
    workbook = fill(template, tmp_path / "old-catalog.xlsx", rows, items)
    assert "校验通过" in cli(app, "import", str(workbook), "--dry-run", "--user", admin.username,
                             "--publish-reason", "迁移原有目录")
    cli(app, "import", str(workbook), "--user", admin.username, "--publish-reason", "迁移原有目录")

    topics = {c.name: c.code for c in db.session.scalars(select(Category).where(Category.name.in_(["财税金融", "教育科技"])))}
    assert set(topics) == {"财税金融", "教育科技"} and all(code.startswith("2") for code in topics.values())
    for expected in EXPECTED:
        version = next(e.published_version for e in db.session.scalars(select(Entry))
                       if e.published_version and e.published_version.name == expected["name"])
        entry = version.entry
        data = version.data
        department = db.session.get(Department, entry.department_id)
        assert department.name == expected["department"]
        assert department.region.code in ("990100", "990200")
        assert department.category_code == department.region.category_code + department.code
        assert entry.category_code == expected["category_code"]
        assert data["summary"] == expected["summary"]
        assert data["topic_codes"] == [topics[name] for name in expected["topics"]]
        assert data["keywords"] == expected["keywords"]
        assert data["release_date"] == expected["release_date"]
        assert (version.original_published_on, version.original_updated_on) == expected["original"]
        assert [i["name"] for i in data["data_items"]] == [i["信息项名称*"] for i in PERSON_ITEMS]
        assert data["sharing_type"] == "conditional" and data["update_cycle"] == "realtime"

    # found by what was migrated: a keyword, a theme's facet, a piece of the name, the original update dates
    login(client, make_user("seeker", "市民政局"))
    hits = client.get("/search.json", query_string={"q": "义务教育"}).get_json()["hits"]
    assert [h["name"] for h in hits] == ["乙市中小学校名录"]
    facet = client.get("/search.json").get_json()["facets"]["topic_codes"]
    assert facet[topics["财税金融"]] == 2 and facet[topics["教育科技"]] == 1
    assert [h["name"] for h in client.get("/search.json", query_string={"q": "险参保"}).get_json()["hits"]] == [
        "甲市社会保险参保信息"]
    either = client.get("/search.json", query_string={"q": "甲市 乙市", "sort": "updated"}).get_json()
    assert either["partial"] is True  # no entry holds both; each holds one
    # newest first by the dates the old catalog had (2024-06-30, 2020-09-01), not by the day of the import
    assert [h["name"] for h in either["hits"]] == ["甲市社会保险参保信息", "乙市中小学校名录"]
    page = client.get(f"/departments/{db.session.scalar(select(Department.id).where(Department.code == '9201'))}")
    assert "待补充" in page.get_data(as_text=True)
