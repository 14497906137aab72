"""The classification tree (信息资源分类): loading it from a CSV file and reading it."""
from __future__ import annotations

import pathlib

from sqlalchemy import select

from app import audit
from app.core.csvfile import read_rows, row_problem
from app.core.errors import InvalidInput
from app.extensions import db
from app.org import category_nodes_missing, departments_loaded
from catalog_schema import Problem

from .models import Category

COLUMNS = {
    "code": ("code", "classify_code", "分类代码"),
    "name": ("name", "classify_name", "分类名称"),
    "parent_code": ("parent_code", "上级分类代码"),
}
NO_PARENT = {"", "root", "0"}


def load_classification(path: pathlib.Path | str, *, actor=None) -> dict[str, int]:
    """Insert or update every node of a classification CSV (columns code,name,parent_code). All or nothing."""
    return load_nodes(read_rows(path, COLUMNS), source=pathlib.Path(path).name, actor=actor)


def load_nodes(rows: list[tuple[int, dict]], *, source: str, actor=None, action: str = "classification.load",
               what: str = "分类树", problems: list[Problem] | None = None) -> dict[str, int]:
    """Insert or update classification nodes given as numbered rows (line, {code, name, parent_code}): what
    `load_classification` does with its file, and the topic loader (topics.py) with the rows it resolved.

    `problems`: a loader's own problems with rows it left out, reported with these rows' in line order. Any
    problem refuses the whole load before anything is written. Audited as `action`.
    """
    existing = {c.code: c for c in db.session.scalars(select(Category))}
    problems, nodes = list(problems or []), {}
    for line, row in rows:
        code, name, parent = row["code"], row["name"], row["parent_code"]
        parent = None if parent in NO_PARENT else parent
        if not code.isdigit() or len(code) > 32:
            problems.append(row_problem(line, "code", f"分类代码“{code}”须为不超过 32 位的数字", "code must be digits"))
            continue
        if code in nodes:
            problems.append(row_problem(line, "code", f"分类代码“{code}”重复", "duplicate code"))
            continue
        if not name or len(name) > 100:
            problems.append(row_problem(line, "name", f"分类名称“{name[:30]}…”有 {len(name)} 个字符，不能超过 100 个"
                                        if name else "分类名称不能为空", "name is empty or too long"))
            continue
        nodes[code] = (line, name, parent)
    for code, (line, _name, parent) in nodes.items():
        if parent is not None and parent not in nodes and parent not in existing:
            problems.append(row_problem(line, "parent_code", f"上级分类“{parent}”不存在", "unknown parent"))
    if problems:
        raise InvalidInput(sorted(problems, key=line_of))

    added = updated = 0
    for code in _parents_first(nodes):
        _line, name, parent = nodes[code]
        node = existing.get(code)
        if node is None:
            db.session.add(Category(code=code, name=name, parent_code=parent))
            added += 1
        elif (node.name, node.parent_code) != (name, parent):
            node.name, node.parent_code = name, parent
            updated += 1
        db.session.flush()
    audit.record(action, None, actor=actor, summary=f"导入{what}：新增 {added}，更新 {updated}",
                 details={"file": source, "added": added, "updated": updated})
    db.session.flush()
    return {"added": added, "updated": updated, "total": len(nodes)}


def line_of(problem: Problem) -> int:
    """The CSV line a loader's problem is on (“row 7.code”), to list the problems in file order."""
    head = problem.path.split(".")[0]
    return int(head[4:]) if head.startswith("row ") and head[4:].isdigit() else 0


def _parents_first(nodes: dict[str, tuple]) -> list[str]:
    order, done = [], set()

    def visit(code: str, trail: tuple = ()):
        if code in done or code not in nodes:
            return
        if code in trail:
            raise InvalidInput([row_problem(nodes[code][0], "parent_code",
                                            f"分类“{code}”的上级“{nodes[code][2]}”形成循环引用", "cycle in tree")])
        visit(nodes[code][2], trail + (code,)) if nodes[code][2] else None
        done.add(code)
        order.append(code)

    for code in sorted(nodes, key=lambda c: (len(c), c)):
        visit(code)
    return order


def ensure_node(code: str, name: str, parent_code: str) -> Category:
    node = db.session.get(Category, code)
    if node is None:
        node = Category(code=code, name=name, parent_code=parent_code)
        db.session.add(node)
    else:
        node.name, node.parent_code = name, parent_code
    return node


@departments_loaded.connect
def _department_nodes(departments, root: str, **_kwargs) -> None:
    """Each loaded department gets its 细目 (部门信息资源类按部门编目) under its region's node, or under the department
    class's root node when it has no region. The loader has checked those nodes; a missing one refuses the load."""
    for department in departments:
        region = department.region
        parent = region.category_code if region is not None else root
        if db.session.get(Category, parent) is None:
            message = (f"分类树中缺少行政区划“{region.name}”的部门类节点“{parent}”，请先导入分类树" if region is not None
                       else f"分类树中缺少部门类根节点“{parent}”，请先导入分类树")
            raise InvalidInput([Problem(f"department {department.code}", f"部门“{department.name}”",
                                        f"部门“{department.name}”（代码 {department.code}）：{message}",
                                        f"classification node {parent} is missing: load the classification first")])
        ensure_node(department.category_code, department.name, parent)
    db.session.flush()


@category_nodes_missing.connect
def _missing_nodes(codes, **_kwargs) -> set[str]:
    """Which of these classification nodes a department or region load needs are not in the tree."""
    codes = set(codes)
    present = set(db.session.scalars(select(Category.code).where(Category.code.in_(codes)))) if codes else set()
    return codes - present


def path_of(code: str) -> list[Category]:
    """The node and its ancestors, root first."""
    out = []
    node = db.session.get(Category, code)
    while node is not None:
        out.append(node)
        node = node.parent
    return list(reversed(out))
