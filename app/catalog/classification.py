"""The classification tree (信息资源分类): loading it from a CSV file and reading it."""
from __future__ import annotations

import pathlib

from sqlalchemy import select

from app import audit
from app.core.csvfile import read_rows, row_problem
from app.core.errors import InvalidInput
from app.extensions import db
from app.org import departments_loaded

from .models import Category

COLUMNS = {
    "code": ("code", "classify_code", "分类代码"),
    "name": ("name", "classify_name", "分类名称"),
    "parent_code": ("parent_code", "上级分类代码"),
}
NO_PARENT = {"", "root", "0"}


def load_classification(path: pathlib.Path | str, *, actor=None) -> dict[str, int]:
    """Insert or update every node of a classification CSV (columns code,name,parent_code). All or nothing."""
    rows = read_rows(path, COLUMNS)
    existing = {c.code: c for c in db.session.scalars(select(Category))}
    problems, nodes = [], {}
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
            problems.append(row_problem(line, "name", "分类名称不能为空且不超过 100 个字符", "name is empty or too long"))
            continue
        nodes[code] = (line, name, parent)
    for code, (line, _name, parent) in nodes.items():
        if parent is not None and parent not in nodes and parent not in existing:
            problems.append(row_problem(line, "parent_code", f"上级分类“{parent}”不存在", "unknown parent"))
    if problems:
        raise InvalidInput(problems)

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
    audit.record("classification.load", None, actor=actor, summary=f"导入分类树：新增 {added}，更新 {updated}",
                 details={"file": pathlib.Path(path).name, "added": added, "updated": updated})
    db.session.flush()
    return {"added": added, "updated": updated, "total": len(nodes)}


def _parents_first(nodes: dict[str, tuple]) -> list[str]:
    order, done = [], set()

    def visit(code: str, trail: tuple = ()):
        if code in done or code not in nodes:
            return
        if code in trail:
            raise InvalidInput([row_problem(nodes[code][0], "parent_code", "分类树中存在循环引用", "cycle in tree")])
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
    """Each loaded department gets its 细目 under the department class's root node (部门信息资源类按部门编目)."""
    if db.session.get(Category, root) is None:
        raise InvalidInput([row_problem(1, "code", f"分类树中缺少部门类根节点“{root}”，请先导入分类树",
                                        f"classification root {root} is missing: load the classification first")])
    for department in departments:
        ensure_node(department.category_code, department.name, root)
    db.session.flush()


def path_of(code: str) -> list[Category]:
    """The node and its ancestors, root first."""
    out = []
    node = db.session.get(Category, code)
    while node is not None:
        out.append(node)
        node = node.parent
    return list(reversed(out))
