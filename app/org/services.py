"""Department services: loading the department table and keeping each department's catalog node."""
from __future__ import annotations

import pathlib

from blinker import Namespace
from flask import current_app
from sqlalchemy import select

from app import audit
from app.core.csvfile import read_rows, row_problem
from app.core.errors import InvalidInput
from app.extensions import db

from .credit_code import credit_code_problem
from .models import Department, RegionLevel

_signals = Namespace()

#: sent with the loaded departments (and `root`, the department class's node) inside the loading transaction
departments_loaded = _signals.signal("departments-loaded")

COLUMNS = {
    "code": ("code", "部门代码"),
    "name": ("name", "部门名称"),
    "short_name": ("short_name", "简称"),
    "aliases": ("aliases", "别名"),
    "credit_code": ("credit_code", "统一社会信用代码"),
    "region_level": ("region_level", "行政层级"),
    "parent_code": ("parent_code", "上级部门代码"),
}
LEVELS = {"city": RegionLevel.city, "市": RegionLevel.city, "市级": RegionLevel.city,
          "district": RegionLevel.district, "县区": RegionLevel.district, "县（区）级": RegionLevel.district}


def load_departments(path: pathlib.Path | str, *, actor=None) -> dict[str, int]:
    """Insert or update departments from a CSV (code,name,short_name,aliases,credit_code,region_level,parent_code).

    Each department's `category_code` is its node in the department class of the classification tree
    (`DEPARTMENT_CATEGORY_ROOT` + code), which its department-class resource codes start with; the catalog
    creates those nodes when it hears `departments_loaded` (and refuses the load when the root is missing).
    All or nothing.
    """
    root = current_app.config["DEPARTMENT_CATEGORY_ROOT"]
    rows = read_rows(path, COLUMNS)
    existing = {d.code: d for d in db.session.scalars(select(Department))}
    problems, seen_codes, seen_names, seen_credit = [], {}, set(), set()
    for line, row in rows:
        code = row["code"]
        if not code.isdigit() or not 1 <= len(code) <= 16:
            problems.append(row_problem(line, "code", f"部门代码“{code}”须为数字", "code must be digits"))
        elif code in seen_codes:
            problems.append(row_problem(line, "code", f"部门代码“{code}”重复", "duplicate code"))
        if not row["name"] or len(row["name"]) > 100:
            problems.append(row_problem(line, "name", "部门名称不能为空且不超过 100 个字符", "name is empty or too long"))
        elif row["name"] in seen_names:
            problems.append(row_problem(line, "name", f"部门名称“{row['name']}”重复", "duplicate name"))
        message = credit_code_problem(row["credit_code"])
        if message:
            problems.append(row_problem(line, "credit_code", message, "invalid unified social credit code"))
        elif row["credit_code"] in seen_credit:
            problems.append(row_problem(line, "credit_code", "统一社会信用代码重复", "duplicate credit code"))
        if row["region_level"] not in LEVELS:
            problems.append(row_problem(line, "region_level", f"行政层级“{row['region_level']}”须为 city（市）或 district（县区）",
                                        "region_level must be city or district"))
        seen_codes[code] = row
        seen_names.add(row["name"])
        seen_credit.add(row["credit_code"])
    for line, row in rows:
        parent = row["parent_code"]
        if parent and parent not in seen_codes and parent not in existing:
            problems.append(row_problem(line, "parent_code", f"上级部门“{parent}”不存在", "unknown parent"))
    if problems:
        raise InvalidInput(problems)

    added = 0
    by_code = dict(existing)
    for _line, row in rows:
        department = by_code.get(row["code"])
        if department is None:
            department = Department(code=row["code"])
            db.session.add(department)
            by_code[row["code"]] = department
            added += 1
        department.name = row["name"]
        department.short_name = row["short_name"]
        department.aliases = row["aliases"]
        department.credit_code = row["credit_code"]
        department.region_level = LEVELS[row["region_level"]]
        department.category_code = f"{root}{row['code']}"
    db.session.flush()
    departments_loaded.send([by_code[row["code"]] for _line, row in rows], root=root)
    for _line, row in rows:
        parent = by_code.get(row["parent_code"]) if row["parent_code"] else None
        by_code[row["code"]].parent_id = parent.id if parent else None
    db.session.flush()
    audit.record("department.load", None, actor=actor, summary=f"导入部门：新增 {added}，共 {len(rows)}",
                 details={"file": pathlib.Path(path).name, "added": added})
    db.session.flush()
    return {"added": added, "total": len(rows)}


def authority() -> Department | None:
    """The competent authority (主管部门)."""
    code = current_app.config["AUTHORITY_DEPARTMENT_CODE"]
    return db.session.scalar(select(Department).where(Department.code == code))
