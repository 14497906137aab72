"""The topic vocabulary (主题分类): a deployment's own list of themes, loaded from a CSV file.

Topics are the nodes of the classification's topic class (主题信息资源类, code `TOPIC_CLASS`), which an entry's
主题分类 (topic_codes) must be in. A deployment's list — 财税金融, 教育科技 … — comes as rows of
code,name,parent_code, where the code (or the whole column) and the parent may be left out:

- a row with a code is that node (as in `catalog load-classification`); without a parent it sits under the class
  root;
- a row without a code is the topic of that name: the existing one under the parent the row names (with no parent
  given: the top-level one, else the only one of that name wherever it is; several are an error asking for a
  code), else a new node with the next free code under its parent — `TOPIC_CLASS` + two digits under the root,
  the parent's code + three digits below — given in file order. The same file on the same tree gives the same
  codes, and loading it twice changes nothing;
- the parent is a code, or the name of another row or of an existing topic.

The rows, resolved to codes, then go through the classification loader (`classification.load_nodes`): the same
checks, the same writes, audited as ``topics.load``. All or nothing: any problem refuses the whole file, and
each problem names its line, column and value.
"""
from __future__ import annotations

import pathlib
from dataclasses import dataclass

from sqlalchemy import select

from app.core.csvfile import read_rows, row_problem
from app.extensions import db
from catalog_schema import Problem
from catalog_schema.rules import TOPIC_CLASS

from .classification import NO_PARENT, line_of, load_nodes
from .models import Category

COLUMNS = {"name": ("name", "topic_name", "主题名称", "分类名称", "classify_name")}
OPTIONAL_COLUMNS = {
    "code": ("code", "topic_code", "主题代码", "分类代码", "classify_code"),
    "parent_code": ("parent_code", "parent", "上级主题", "上级代码", "上级分类代码"),
}
ROOT_NAME = "主题信息资源类"


@dataclass
class _Row:
    line: int
    name: str
    code: str            # as given ("" when the row has none), then as resolved
    parent: str          # as given: a code, a name or ""
    parent_code: str | None = None
    assigned: bool = False


def load_topics(path: pathlib.Path | str, *, actor=None) -> dict:
    """Insert or update the topic nodes of a CSV (name, and optionally code and parent_code); see the module
    docstring. Returns the classification loader's counts and `assigned`: (name, code) of the topics that got
    a new code."""
    rows = [_Row(line, r["name"], r.get("code", ""), r.get("parent_code", ""))
            for line, r in read_rows(path, COLUMNS, OPTIONAL_COLUMNS)]
    existing = {c.code: c for c in db.session.scalars(select(Category).where(Category.code.startswith(TOPIC_CLASS))
                                                      .order_by(Category.code))}
    problems, resolved = _resolve(rows, existing)
    nodes = [(row.line, {"code": row.code, "name": row.name, "parent_code": row.parent_code or ""})
             for row in resolved]
    if TOPIC_CLASS not in existing and all(row.code != TOPIC_CLASS for row in rows):
        nodes.insert(0, (1, {"code": TOPIC_CLASS, "name": ROOT_NAME, "parent_code": ""}))
    result = load_nodes(nodes, source=pathlib.Path(path).name, actor=actor, action="topics.load",
                        what="主题分类", problems=problems)
    return {**result, "assigned": [(row.name, row.code) for row in resolved if row.assigned]}


def _resolve(rows: list[_Row], existing: dict[str, Category]) -> tuple[list[Problem], list[_Row]]:
    """Give the rows their codes and their parents' codes, in place: (the problems of the rows that cannot have
    them, the rows that have them, in file order)."""
    problems, by_name, pending = [], {}, []
    for row in rows:
        problem = _row_problem(row, by_name)
        if problem is not None:
            problems.append(problem)
        else:
            pending.append(row)
        if row.name:
            by_name.setdefault(row.name, []).append(row)
    failed = {row.name for row in rows} - {row.name for row in pending}
    taken = set(existing) | {row.code for row in rows if row.code}
    resolved = []
    while pending:       # a row is resolved once its parent is: parents named by name may come later in the file
        waiting = []
        for row in pending:
            parent, problem = _parent_of(row, by_name, existing)
            if parent is _WAIT:
                waiting.append(row)
                continue
            row.parent_code = parent
            if problem is None and not row.code:
                problem = _code_for(row, existing, taken)
            if problem is not None:
                problems.append(problem)
                failed.add(row.name)
            else:
                resolved.append(row)
        if len(waiting) == len(pending):      # each waits for another: a cycle, or a parent row that failed
            problems += [row_problem(row.line, "parent_code", f"上级主题“{row.parent}”无法确定（循环引用）", "cycle")
                         for row in waiting if row.parent not in failed]
            break
        pending = waiting
    return sorted(problems, key=line_of), sorted(resolved, key=lambda row: row.line)


def _row_problem(row: _Row, by_name: dict[str, list[_Row]]) -> Problem | None:
    """What is wrong with a row by itself: no name, a name given twice under one parent, a code or a parent
    code outside the topic class."""
    if not row.name:
        return row_problem(row.line, "name", "主题名称不能为空", "name is empty")
    same = [other for other in by_name.get(row.name, []) if other.parent == row.parent]
    if same:
        return row_problem(row.line, "name", f"主题名称“{row.name}”在文件中重复（第 {same[0].line} 行已有）",
                           "duplicate name")
    if row.code.isdigit() and not row.code.startswith(TOPIC_CLASS):
        return row_problem(row.line, "code", f"主题代码“{row.code}”不在主题信息资源类中（代码须以 {TOPIC_CLASS} 开头）",
                           "the code is not in the topic class")
    if row.parent.isdigit() and not row.parent.startswith(TOPIC_CLASS):
        return row_problem(row.line, "parent_code",
                           f"上级主题“{row.parent}”不在主题信息资源类中（代码须以 {TOPIC_CLASS} 开头）",
                           "the parent is not in the topic class")
    return None


_WAIT = object()


def _parent_of(row: _Row, by_name: dict[str, list[_Row]], existing: dict[str, Category]):
    """(the row's parent code — None for the class root itself —, None), (_WAIT, None) while the parent row has
    no code yet, or (None, problem)."""
    given = row.parent
    if given in NO_PARENT:
        return (None if row.code == TOPIC_CLASS else TOPIC_CLASS), None
    if given.isdigit():
        return given, None
    in_file = by_name.get(given, [])
    if len(in_file) == 1:
        return (in_file[0].code or _WAIT), None
    known = [c for c in existing.values() if c.name == given]
    if len(in_file) > 1 or len(known) > 1:
        lines = "、".join(f"第 {other.line} 行" for other in in_file) or "、".join(f"{c.name}（{c.code}）" for c in known)
        return None, row_problem(row.line, "parent_code", f"上级主题“{given}”对应多个主题：{lines}，请填写上级主题的代码",
                                 "ambiguous parent")
    if known:
        return known[0].code, None
    return None, row_problem(row.line, "parent_code", f"上级主题“{given}”既不是文件中的主题，也不是已有的主题",
                             "unknown parent")


def _code_for(row: _Row, existing: dict[str, Category], taken: set[str]) -> Problem | None:
    """A row without a code: the existing topic of its name, else the next free code under its parent."""
    named = [c for c in existing.values() if c.name == row.name and c.code != TOPIC_CLASS]
    under_parent = [c for c in named if c.parent_code == row.parent_code]
    if under_parent:
        row.code = under_parent[0].code
        return None
    if named and row.parent in NO_PARENT:
        if len(named) > 1:
            listed = "、".join(f"{c.name}（{c.code}）" for c in named)
            return row_problem(row.line, "name", f"主题“{row.name}”在分类树中有多个：{listed}，请填写代码或上级主题",
                               "ambiguous name")
        row.code, row.parent_code = named[0].code, named[0].parent_code     # stays where it is
        return None
    parent = row.parent_code
    width = 2 if parent == TOPIC_CLASS else 3
    siblings = [code for code in taken if len(code) == len(parent) + width and code.startswith(parent)]
    sequence = max((int(code[len(parent):]) for code in siblings if code[len(parent):].isdigit()), default=0) + 1
    if sequence >= 10 ** width:
        return row_problem(row.line, "code", f"上级主题“{parent}”下已无可分配的代码，请为“{row.name}”填写代码",
                           "no free code under the parent")
    row.code, row.assigned = f"{parent}{sequence:0{width}d}", True
    taken.add(row.code)
    return None
