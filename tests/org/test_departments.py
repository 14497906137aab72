"""Departments: 统一社会信用代码 checking and loading the department table."""
import csv

import pytest
from sqlalchemy import func, select

from app.catalog.models import Category
from app.core.db import transaction
from app.core.errors import InvalidInput
from app.extensions import db
from app.org.credit_code import check_character, credit_code_problem
from app.org.models import Department, RegionLevel
from app.org.services import load_departments
from tests.conftest import DATA

HEADER = ["code", "name", "short_name", "aliases", "credit_code", "region_level", "parent_code"]


def demo_codes():
    with open(DATA / "departments.csv", encoding="utf-8") as f:
        return [row["credit_code"] for row in csv.DictReader(f)]


def test_every_demo_department_has_a_valid_credit_code():
    assert all(credit_code_problem(code) is None for code in demo_codes())


def test_wrong_check_character_is_reported_with_the_expected_one():
    code = demo_codes()[0]
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    message = credit_code_problem(wrong)
    assert message == f"统一社会信用代码“{wrong}”校验位错误：应为 {check_character(code[:17])}"


@pytest.mark.parametrize("code, words", [("1199010", "须为 18 位"), ("11990100MB1899249I", "不允许的字符：I")])
def test_malformed_credit_codes_are_explained(code, words):
    assert words in credit_code_problem(code)


def test_loaded_departments_form_a_tree_with_catalog_nodes(app):
    district = db.session.scalar(select(Department).where(Department.name.like("%东城区人民政府")))
    assert district.region_level == RegionLevel.district
    assert district.children and all(c.region_level == RegionLevel.district for c in district.children)
    police = db.session.scalar(select(Department).where(Department.name == "市公安局"))
    node = db.session.get(Category, police.category_code)
    assert node.name == "市公安局" and node.parent_code == "307001"


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_a_bad_row_names_line_and_column_and_nothing_is_written(app, tmp_path):
    before = db.session.scalar(select(func.count(Department.id)))
    path = write_csv(tmp_path / "d.csv", [
        ["901", "市新设局甲", "甲局", "", "11990100MB0000001X", "city", ""],
        ["902", "市新设局乙", "乙局", "", demo_codes()[0][:17] + "0", "county", "999"],
    ])
    with pytest.raises(InvalidInput) as error, transaction():
        load_departments(path)
    messages = [p.message for p in error.value.problems]
    assert any(m.startswith("第 2 行「credit_code」") for m in messages)
    assert any(m.startswith("第 3 行「region_level」") for m in messages)
    assert any(m.startswith("第 3 行「parent_code」：上级部门“999”不存在") for m in messages)
    assert db.session.scalar(select(func.count(Department.id))) == before


def test_reloading_the_same_file_changes_nothing(app):
    before = db.session.scalar(select(func.count(Department.id)))
    with transaction():
        result = load_departments(DATA / "departments.csv")
    assert result["added"] == 0
    assert db.session.scalar(select(func.count(Department.id))) == before
