"""Department services: loading the regions (行政区划) and the department table, keeping each department's catalog
node, and filling in the 统一社会信用代码 of the departments loaded without one (待补充)."""
from __future__ import annotations

import pathlib
import re

from blinker import Namespace
from flask import current_app
from sqlalchemy import func, select

from app import audit
from app.core.csvfile import read_rows, row_problem
from app.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.extensions import db

from .credit_code import credit_code_problem
from .models import Department, Region, RegionLevel

_signals = Namespace()

#: sent with the loaded departments (and `root`, the node of departments without a region) inside the loading
#: transaction: the catalog makes each department's 细目 under its region's node, or under `root`
departments_loaded = _signals.signal("departments-loaded")

#: asked, before a load writes anything, which of the classification nodes it needs (the sender, a set of codes)
#: are missing: the catalog, which owns the tree, answers with them, so the load can name the rows needing them
category_nodes_missing = _signals.signal("category-nodes-missing")

DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() also takes full-width and other scripts' digits
CATEGORY_CODE_LENGTH = 32  # Category.code and Department.category_code

COLUMNS = {
    "code": ("code", "部门代码"),
    "name": ("name", "部门名称"),
    "short_name": ("short_name", "简称"),
    "aliases": ("aliases", "别名"),
    "credit_code": ("credit_code", "统一社会信用代码"),
    "region_level": ("region_level", "行政层级"),
    "parent_code": ("parent_code", "上级部门代码"),
}
OPTIONAL_COLUMNS = {"region_code": ("region_code", "行政区划代码", "区划代码")}

REGION_COLUMNS = {
    "code": ("code", "行政区划代码", "区划代码"),
    "name": ("name", "行政区划名称", "名称"),
    "level": ("level", "行政层级", "层级"),
    "parent_code": ("parent_code", "上级行政区划代码", "上级区划代码"),
    "category_code": ("category_code", "分类代码", "部门类分类代码"),
}

LEVELS = {"province": RegionLevel.province, "省": RegionLevel.province, "省级": RegionLevel.province,
          "city": RegionLevel.city, "市": RegionLevel.city, "市级": RegionLevel.city,
          "district": RegionLevel.district, "县区": RegionLevel.district, "区县": RegionLevel.district,
          "县（区）级": RegionLevel.district, "县(区)级": RegionLevel.district}
LEVEL_CHOICES = "province（省级）、city（市级）或 district（县区）"


def missing_category_nodes(codes) -> set[str]:
    """Which of these classification nodes are not in the tree (the catalog answers `category_nodes_missing`)."""
    missing: set[str] = set()
    for _receiver, answer in category_nodes_missing.send(frozenset(codes)):
        missing |= set(answer or ())
    return missing


def _in_file_order(problems: list) -> list:
    """Problems by their CSV line (“row 7.code”), those of one line in the order they were found."""
    def line(problem) -> int:
        head = problem.path.split(".")[0]
        return int(head[4:]) if head.startswith("row ") and head[4:].isdigit() else 0
    return sorted(problems, key=line)


def load_regions(path: pathlib.Path | str, *, actor=None) -> dict[str, int]:
    """Insert or update 行政区划 (provinces, cities, districts) from a CSV (code,name,level,parent_code,
    category_code).

    A region's parent is of a higher level (省 → 市 → 县区). `category_code` is the region's node in the department
    class of the classification tree, under which its departments get their 细目: the node must be in the tree
    already (load the classification first). A region that has departments keeps its node. All or nothing.
    """
    rows = read_rows(path, REGION_COLUMNS)
    existing = {r.code: r for r in db.session.scalars(select(Region))}
    problems, in_file = [], {}
    for line, row in rows:
        code, name, node = row["code"], row["name"], row["category_code"]
        if not DIGITS.fullmatch(code) or len(code) > 12:
            problems.append(row_problem(line, "code", f"行政区划代码“{code}”须为不超过 12 位的数字",
                                        "code must be at most 12 digits"))
        elif code in in_file:
            problems.append(row_problem(line, "code", f"行政区划代码“{code}”重复（第 {in_file[code][0]} 行已有）",
                                        "duplicate code"))
        else:
            in_file[code] = (line, row)
        if not name or len(name) > 100:
            problems.append(row_problem(line, "name", f"行政区划名称“{name}”不能为空且不超过 100 个字符",
                                        "name is empty or too long"))
        if row["level"] not in LEVELS:
            problems.append(row_problem(line, "level", f"行政层级“{row['level']}”须为 {LEVEL_CHOICES}",
                                        "level must be province, city or district"))
        if not DIGITS.fullmatch(node) or len(node) > CATEGORY_CODE_LENGTH:
            problems.append(row_problem(line, "category_code",
                                        f"分类代码“{node}”须为不超过 {CATEGORY_CODE_LENGTH} 位的数字（该行政区划在部门类中的节点）",
                                        "category_code must be digits"))

    def level_of(code: str) -> RegionLevel | None:
        if code in in_file:
            return LEVELS.get(in_file[code][1]["level"])
        return existing[code].level if code in existing else None

    for line, row in rows:
        parent, level = row["parent_code"], LEVELS.get(row["level"])
        if not parent:
            continue
        if parent == row["code"]:
            problems.append(row_problem(line, "parent_code", f"上级行政区划“{parent}”不能是其自身", "own parent"))
        elif parent not in in_file and parent not in existing:
            problems.append(row_problem(line, "parent_code", f"上级行政区划“{parent}”不存在", "unknown parent"))
        elif level is not None and (parent_level := level_of(parent)) is not None and parent_level.rank >= level.rank:
            problems.append(row_problem(line, "parent_code",
                                        f"上级行政区划“{parent}”为{parent_level.label}，须高于本级（{level.label}）",
                                        "the parent's level must be higher"))
    for child in existing.values():  # a region the file leaves alone stays below its parent
        parent = child.parent
        if child.code in in_file or parent is None or parent.code not in in_file:
            continue
        line, row = in_file[parent.code]
        level = LEVELS.get(row["level"])
        if level is not None and level.rank >= child.level.rank:
            problems.append(row_problem(line, "level", f"行政层级“{row['level']}”须高于其下级行政区划“{child.name}”"
                                        f"（{child.level.label}）", "a region's level must be above its children's"))
    nodes = {row["category_code"] for _line, row in rows if DIGITS.fullmatch(row["category_code"])}
    missing = missing_category_nodes(nodes)
    for line, row in rows:
        node, region = row["category_code"], existing.get(row["code"])
        if node in missing:
            problems.append(row_problem(line, "category_code",
                                        f"分类树中没有节点“{node}”：请先在分类树中为该行政区划建立部门类节点并导入",
                                        f"classification node {node} is missing"))
        elif region is not None and region.category_code != node:
            count = db.session.scalar(select(func.count(Department.id)).where(Department.region_id == region.id))
            if count:
                problems.append(row_problem(line, "category_code",
                                            f"行政区划“{region.name}”下已有 {count} 个部门，分类节点不能由“{region.category_code}”"
                                            f"改为“{node}”（其部门的信息资源编码以原节点开头）",
                                            "a region with departments keeps its node"))
    if problems:
        raise InvalidInput(_in_file_order(problems))

    added = updated = 0
    by_code = dict(existing)
    ordered = sorted(rows, key=lambda lr: (LEVELS[lr[1]["level"]].rank, lr[1]["code"]))
    for _line, row in ordered:
        region, level = by_code.get(row["code"]), LEVELS[row["level"]]
        if region is None:
            region = Region(code=row["code"])
            db.session.add(region)
            by_code[row["code"]] = region
            added += 1
        elif (region.name, region.level, region.category_code, region.parent.code if region.parent else "") != (
                row["name"], level, row["category_code"], row["parent_code"]):
            updated += 1
        if region.level is not None and region.level != level:
            # the region's level is its departments' 行政层级
            for department in db.session.scalars(select(Department).where(Department.region_id == region.id)):
                department.region_level = level
        region.name, region.level, region.category_code = row["name"], level, row["category_code"]
        region.parent = by_code[row["parent_code"]] if row["parent_code"] else None
    db.session.flush()
    audit.record("region.load", None, actor=actor, summary=f"导入行政区划：新增 {added}，更新 {updated}，共 {len(rows)}",
                 details={"file": pathlib.Path(path).name, "added": added, "updated": updated})
    db.session.flush()
    return {"added": added, "updated": updated, "total": len(rows)}


def load_departments(path: pathlib.Path | str, *, actor=None) -> dict[str, int]:
    """Insert or update departments from a CSV (code,name,short_name,aliases,credit_code,region_level,parent_code,
    and optionally region_code).

    Each department's `category_code` is its node in the department class of the classification tree: its
    region's node + its code, or `DEPARTMENT_CATEGORY_ROOT` + code without a region; its department-class resource
    codes start with it, and the catalog creates those nodes when it hears `departments_loaded`. A department
    with a region takes its 行政层级 from the region. The 统一社会信用代码 may be left empty (待补充: filled in later
    on the admin page); an empty credit code or region keeps what an existing department has. All or nothing.
    """
    root = current_app.config["DEPARTMENT_CATEGORY_ROOT"]
    rows = read_rows(path, COLUMNS, OPTIONAL_COLUMNS)
    existing = {d.code: d for d in db.session.scalars(select(Department))}
    regions = {r.code: r for r in db.session.scalars(select(Region))}
    credit_owners = {d.credit_code: d for d in existing.values() if d.credit_code}
    problems, seen_codes, seen_names, seen_credit = [], {}, {}, {}
    region_of: dict[int, Region | None] = {}
    for line, row in rows:
        code, credit = row["code"], row["credit_code"]
        if not DIGITS.fullmatch(code) or len(code) > 16:
            problems.append(row_problem(line, "code", f"部门代码“{code}”须为不超过 16 位的数字", "code must be digits"))
        elif code in seen_codes:
            problems.append(row_problem(line, "code", f"部门代码“{code}”重复（第 {seen_codes[code][0]} 行已有）",
                                        "duplicate code"))
        if not row["name"] or len(row["name"]) > 100:
            problems.append(row_problem(line, "name", "部门名称不能为空且不超过 100 个字符", "name is empty or too long"))
        elif row["name"] in seen_names:
            problems.append(row_problem(line, "name", f"部门名称“{row['name']}”重复（第 {seen_names[row['name']]} 行已有）",
                                        "duplicate name"))
        if credit:
            message = credit_code_problem(credit)
            owner = credit_owners.get(credit)
            if message:
                problems.append(row_problem(line, "credit_code", message, "invalid unified social credit code"))
            elif credit in seen_credit:
                problems.append(row_problem(line, "credit_code",
                                            f"统一社会信用代码“{credit}”重复（第 {seen_credit[credit]} 行已有）",
                                            "duplicate credit code"))
            elif owner is not None and owner.code != code:
                problems.append(row_problem(line, "credit_code",
                                            f"统一社会信用代码“{credit}”已由部门“{owner.name}”（代码 {owner.code}）使用",
                                            "credit code used by another department"))
        region = _region_problems(line, row, regions, existing.get(code), problems)
        region_of[line] = region
        node = region.category_code if region is not None else root
        if DIGITS.fullmatch(code) and len(node) + len(code) > CATEGORY_CODE_LENGTH:
            problems.append(row_problem(line, "code", f"部门代码“{code}”接在分类节点“{node}”后超过 "
                                        f"{CATEGORY_CODE_LENGTH} 位", "category code too long"))
        seen_codes.setdefault(code, (line, row))
        seen_names.setdefault(row["name"], line)
        if credit:
            seen_credit.setdefault(credit, line)
    for line, row in rows:
        parent = row["parent_code"]
        if parent and parent not in seen_codes and parent not in existing:
            problems.append(row_problem(line, "parent_code", f"上级部门“{parent}”不存在", "unknown parent"))
    problems += _node_problems(rows, region_of, root)
    if problems:
        raise InvalidInput(_in_file_order(problems))

    added = 0
    by_code = dict(existing)
    for line, row in rows:
        department = by_code.get(row["code"])
        if department is None:
            department = Department(code=row["code"], credit_code=None)
            db.session.add(department)
            by_code[row["code"]] = department
            added += 1
        region = region_of[line]
        department.name = row["name"]
        department.short_name = row["short_name"]
        department.aliases = row["aliases"]
        if row["credit_code"]:
            department.credit_code = row["credit_code"]
        department.region = region
        department.region_level = region.level if region is not None else LEVELS[row["region_level"]]
        department.category_code = f"{region.category_code if region is not None else root}{row['code']}"
    db.session.flush()
    departments_loaded.send([by_code[row["code"]] for _line, row in rows], root=root)
    for _line, row in rows:
        parent = by_code.get(row["parent_code"]) if row["parent_code"] else None
        by_code[row["code"]].parent_id = parent.id if parent else None
    db.session.flush()
    missing = sum(1 for _line, row in rows if by_code[row["code"]].credit_code is None)
    audit.record("department.load", None, actor=actor,
                 summary=f"导入部门：新增 {added}，共 {len(rows)}" + (f"，统一社会信用代码待补充 {missing}" if missing else ""),
                 details={"file": pathlib.Path(path).name, "added": added, "credit_code_missing": missing})
    db.session.flush()
    return {"added": added, "total": len(rows), "credit_code_missing": missing}


def _region_problems(line: int, row: dict, regions: dict[str, Region], department: Department | None,
                     problems: list) -> Region | None:
    """The row's region (given, or the one the department already has), adding the row's region and level
    problems to `problems`."""
    code, level = row["region_code"], row["region_level"]
    if code and code not in regions:
        problems.append(row_problem(line, "region_code", f"行政区划“{code}”不存在：请先导入行政区划（load-regions）",
                                    "unknown region: load the regions first"))
        return None
    region = regions[code] if code else (department.region if department is not None else None)
    if region is None:
        if level not in LEVELS:
            problems.append(row_problem(line, "region_level", f"行政层级“{level}”须为 {LEVEL_CHOICES}",
                                        "region_level must be province, city or district"))
    elif level and LEVELS.get(level) != region.level:
        problems.append(row_problem(line, "region_level",
                                    f"行政层级“{level}”与行政区划“{region.name}”的层级（{region.level.label}）不一致",
                                    "region_level differs from the region's level"))
    return region


def _node_problems(rows: list[tuple[int, dict]], region_of: dict[int, Region | None], root: str) -> list:
    """The rows whose parent node (their region's, or the root) is missing from the classification tree."""
    missing = missing_category_nodes({r.category_code for r in region_of.values() if r is not None} | {root})
    problems = []
    if root in missing and any(region_of[line] is None for line, _row in rows):
        line = next(line for line, _row in rows if region_of[line] is None)
        problems.append(row_problem(line, "code", f"分类树中缺少部门类根节点“{root}”，请先导入分类树",
                                    f"classification root {root} is missing: load the classification first"))
    for line, row in rows:
        region = region_of[line]
        if region is not None and region.category_code in missing:
            problems.append(row_problem(line, "region_code",
                                        f"行政区划“{region.name}”（{region.code}）的分类节点“{region.category_code}”"
                                        "不在分类树中，请先导入分类树", "the region's classification node is missing"))
    return problems


def authority() -> Department | None:
    """The competent authority (主管部门)."""
    code = current_app.config["AUTHORITY_DEPARTMENT_CODE"]
    return db.session.scalar(select(Department).where(Department.code == code))


def get_department_or_404(department_id: int) -> Department:
    """The department with this id, or NotFound (404)."""
    department = db.session.get(Department, department_id) if 1 <= department_id <= 2 ** 31 - 1 else None
    if department is None:
        raise NotFound("部门不存在", "no such department")
    return department


def departments_missing_credit_code() -> list[Department]:
    """统一社会信用代码待补充: the departments loaded without a credit code, by region and code."""
    return list(db.session.scalars(select(Department).outerjoin(Region, Department.region_id == Region.id)
                                   .where(Department.credit_code.is_(None))
                                   .order_by(Region.code.is_(None), Region.code, Department.code)))


def count_missing_credit_code() -> int:
    return db.session.scalar(select(func.count(Department.id)).where(Department.credit_code.is_(None))) or 0


def normalize_credit_code(value: str | None) -> str:
    """As typed → as stored: spaces dropped, letters upper-case (the code uses upper-case letters only)."""
    return re.sub(r"\s+", "", value or "").upper()


def fill_credit_code(department: Department, value: str | None, *, actor) -> None:
    """An admin fills in the 统一社会信用代码 of a department loaded without one (待补充). A code already there is
    changed only by loading the department table again."""
    if actor is None or not actor.has_role("admin"):
        raise PermissionDenied("只有平台管理员可以补充统一社会信用代码", "only admins may fill in credit codes")
    if department.credit_code:
        raise Conflict(f"部门“{department.name}”已有统一社会信用代码“{department.credit_code}”",
                       "the department already has a credit code")
    code = normalize_credit_code(value)
    label = "统一社会信用代码"
    if not code:
        raise InvalidInput.single("credit_code", label, f"「{label}」为必填项", "credit_code is required")
    message = credit_code_problem(code)
    if message:
        # credit_code_problem's messages start with the field's name: put it in the form's 「」
        raise InvalidInput.single("credit_code", label, f"「{label}」{message.removeprefix(label)}",
                                  "invalid unified social credit code")
    owner = db.session.scalar(select(Department).where(Department.credit_code == code))
    if owner is not None:
        raise InvalidInput.single("credit_code", label,
                                  f"「{label}」：“{code}”已由部门“{owner.name}”（代码 {owner.code}）使用",
                                  "credit code used by another department")
    department.credit_code = code
    audit.record("department.credit_code", department, actor=actor, department_id=department.id,
                 summary=f"补充部门“{department.name}”的统一社会信用代码 {code}", details={"from": None, "to": code})
    db.session.flush()
