"""Loading the classification tree from a CSV file."""
import pytest
from sqlalchemy import func, select

from app.catalog.classification import load_classification, path_of
from app.catalog.models import Category
from app.core.db import transaction
from app.core.errors import InvalidInput
from app.extensions import db


def test_demo_tree_has_the_three_classes_and_the_basic_items(app):
    names = {c.code: c.name for c in db.session.scalars(select(Category))}
    assert names["1"].startswith("基础") and names["2"].startswith("主题") and names["3"].startswith("部门")
    assert [names[c] for c in ("101", "102", "103", "104", "105")] == ["人口", "法人", "自然资源和空间地理", "社会信用", "电子证照"]


def test_national_format_is_accepted(app, tmp_path):
    path = tmp_path / "national.csv"
    path.write_text("classify_code,classify_name,parent_code,code_length\n"
                    "218,数字政府,2,3\n218001,一网通办,218,6\n", encoding="utf-8")
    with transaction():
        result = load_classification(path)
    assert result == {"added": 2, "updated": 0, "total": 2}
    assert [c.code for c in path_of("218001")] == ["2", "218", "218001"]


def test_unknown_parent_and_duplicate_code_are_reported_and_nothing_is_written(app, tmp_path):
    before = db.session.scalar(select(func.count()).select_from(Category))
    path = tmp_path / "bad.csv"
    path.write_text("code,name,parent_code\n219,新主题,2\n219,重复,2\n219001,孤儿,888\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as error, transaction():
        load_classification(path)
    messages = [p.message for p in error.value.problems]
    assert "第 3 行「code」：分类代码“219”重复" in messages
    assert "第 4 行「parent_code」：上级分类“888”不存在" in messages
    assert db.session.scalar(select(func.count()).select_from(Category)) == before


def test_missing_columns_are_named(app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("编号,名称\n1,x\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as error:
        load_classification(path)
    assert "CSV 缺少列" in error.value.problems[0].message and "code" in error.value.problems[0].message
