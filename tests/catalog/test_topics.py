"""A deployment's own topic vocabulary (主题分类), loaded from a CSV with or without codes."""
import pytest
from sqlalchemy import func, select

from app.audit import AuditEntry
from app.catalog import load_topics
from app.catalog.classification import path_of
from app.catalog.models import Category
from app.core.db import transaction
from app.core.errors import InvalidInput
from app.extensions import db

# the demo tree's topic class ends at 215 (教育文化), so new top-level topics get 216, 217 …
NAMES_ONLY = "name,parent_code\n财税金融,\n教育科技,\n财政预算,财税金融\n"


def csv_file(tmp_path, text: str, name: str = "topics.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(path):
    with transaction():
        return load_topics(path)


def topics() -> dict[str, tuple[str, str | None]]:
    return {c.code: (c.name, c.parent_code) for c in db.session.scalars(select(Category)
                                                                      .where(Category.code.startswith("2")))}


def count_nodes() -> int:
    return db.session.scalar(select(func.count()).select_from(Category))


def test_topics_with_codes_are_loaded_as_given(app, tmp_path):
    result = load(csv_file(tmp_path, "code,name,parent_code\n230,财税金融,\n230001,财政预算,230\n231,教育科技,2\n"))
    assert (result["added"], result["updated"], result["assigned"]) == (3, 0, [])
    assert [c.code for c in path_of("230001")] == ["2", "230", "230001"]
    assert topics()["231"] == ("教育科技", "2")


def test_topics_by_name_only_get_the_next_codes_under_their_parents_in_file_order(app, tmp_path):
    result = load(csv_file(tmp_path, NAMES_ONLY))
    assert result["assigned"] == [("财税金融", "216"), ("教育科技", "217"), ("财政预算", "216001")]
    assert (result["added"], result["updated"]) == (3, 0)
    found = topics()
    assert (found["216"], found["217"], found["216001"]) == (("财税金融", "2"), ("教育科技", "2"), ("财政预算", "216"))


def test_loading_the_same_file_twice_changes_nothing(app, tmp_path):
    path = csv_file(tmp_path, NAMES_ONLY)
    load(path)
    before = topics()
    again = load(path)
    assert (again["added"], again["updated"], again["assigned"]) == (0, 0, [])
    assert topics() == before
    audited = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "topics.load")).all()
    assert audited == ["导入主题分类：新增 3，更新 0", "导入主题分类：新增 0，更新 0"]


def test_a_name_already_in_the_topic_tree_keeps_its_node(app, tmp_path):
    before = count_nodes()
    result = load(csv_file(tmp_path, "name\n医疗卫生服务\n社会救助\n"))
    assert (result["added"], result["updated"], result["assigned"]) == (0, 0, [])
    assert count_nodes() == before and topics()["202001"] == ("医疗卫生服务", "202")


def test_a_file_with_codes_for_some_rows_and_names_for_others(app, tmp_path):
    result = load(csv_file(tmp_path, "code,name,parent_code\n240,生态环境,\n,大气污染防治,生态环境\n,水污染防治,240\n"))
    assert result["assigned"] == [("大气污染防治", "240001"), ("水污染防治", "240002")]
    assert topics()["240002"] == ("水污染防治", "240")


def test_a_bad_row_refuses_the_whole_file_naming_line_column_and_value(app, tmp_path):
    before = count_nodes()
    path = csv_file(tmp_path, "code,name,parent_code\n250,数字经济,\n101099,人口专题,\n,,\n,智慧城市,数字政府\n"
                              ",数字经济,\n")
    with pytest.raises(InvalidInput) as error:
        load(path)
    assert [p.message for p in error.value.problems] == [
        "第 3 行「code」：主题代码“101099”不在主题信息资源类中（代码须以 2 开头）",
        "第 4 行「name」：主题名称不能为空",
        "第 5 行「parent_code」：上级主题“数字政府”既不是文件中的主题，也不是已有的主题",
        "第 6 行「name」：主题名称“数字经济”在文件中重复（第 2 行已有）",
    ]
    assert count_nodes() == before and "250" not in topics()


def test_an_unknown_parent_code_is_reported_with_the_rows_problems(app, tmp_path):
    before = count_nodes()
    path = csv_file(tmp_path, "code,name,parent_code\n250,数字经济,\n,智慧城市,299\n251,数字社会,2x\n")
    with pytest.raises(InvalidInput) as error:
        load(path)
    assert [p.message for p in error.value.problems] == [
        "第 3 行「parent_code」：上级分类“299”不存在",
        "第 4 行「parent_code」：上级主题“2x”既不是文件中的主题，也不是已有的主题",
    ]
    assert count_nodes() == before


def test_a_name_two_topics_share_must_be_given_a_code(app, tmp_path):
    load(csv_file(tmp_path, "code,name,parent_code\n260,甲,\n260001,综合,260\n261,乙,\n261001,综合,261\n", "a.csv"))
    with pytest.raises(InvalidInput) as error:
        load(csv_file(tmp_path, "name\n综合\n", "b.csv"))
    assert [p.message for p in error.value.problems] == [
        "第 2 行「name」：主题“综合”在分类树中有多个：综合（260001）、综合（261001），请填写代码或上级主题"]
    again = load(csv_file(tmp_path, "name,parent_code\n综合,乙\n", "c.csv"))
    assert (again["added"], again["updated"]) == (0, 0)


def test_the_command_loads_topics_and_an_import_then_finds_them_by_name(app, make_user, tmp_path):
    from app.imports import services as imports
    from tests.imports.test_migration_fidelity import new_rows

    runner = app.test_cli_runner()
    result = runner.invoke(args=["catalog", "load-topics", str(csv_file(tmp_path, NAMES_ONLY))])
    assert result.exit_code == 0, result.output
    assert "主题分类导入完成：共 3 个节点，新增 3，更新 0。" in result.output
    assert "按名称分配的代码：财税金融 216、教育科技 217、财政预算 216001" in result.output
    template = tmp_path / "template.xlsx"
    imports.write_template(template)
    path = new_rows(template, tmp_path, {"主题分类": "财税金融；216001 财政预算"})
    report, _plan = imports.check(path, user=make_user("editor", "市公安局"))
    assert report.problems == [] and _plan[0][2].values["topic_codes"] == ["216", "216001"]


def test_the_command_lists_the_problems_and_exits_non_zero(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["catalog", "load-topics", str(csv_file(tmp_path, "code,name\n101099,人口专题\n"))])
    assert result.exit_code == 1
    assert "第 2 行「code」：主题代码“101099”不在主题信息资源类中（代码须以 2 开头）" in result.output
