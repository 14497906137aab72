"""The entry form's pickers for code-list fields: 主题分类 from the topic class of the classification, and 关联资源代码
from the published entries a user may see (policy.py), instead of codes typed from memory.

Which picker a field gets comes from the schema: a code list whose values are classification codes of a class
(`rules.CATEGORY_LISTS`) gets that class's nodes as checkboxes, grouped by their parent; any other code list
holds resource codes and gets a text box taking one entry a line — its code, its name or “名称（代码）” — which
JavaScript helps fill from `suggestions`. What was typed is resolved to codes here, with the same reading of
“code name” as the Excel importer (importers/codes.py); validation then checks the codes as for every other path.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from app.core.errors import InvalidInput
from app.extensions import db
from catalog_schema import Problem, get_schema
from catalog_schema.rules import CATEGORY_LISTS
from importers.codes import CODE_TOKEN, normalize_value, split_code_name

from . import policy, queries
from .models import Category, Entry, EntryStatus, EntryVersion
from .services import visible_codes

#: what separates the entries typed into the related-entries box (names may hold “、” and “，”, so not those)
TYPED_SPLIT = re.compile(r"[；;\r\n]+")
SUGGESTIONS = 10


@dataclass
class TopicGroup:
    code: str
    name: str
    nodes: list[tuple[str, str]] = field(default_factory=list)   # (code, name) under the group


@dataclass
class Picker:
    """What the form shows for one code-list field."""

    key: str
    kind: str                              # "topic" (checkboxes of classification nodes) or "entry" (typed)
    chosen: list[tuple[str, str]]          # (name, code) of each resolved value; name "" when unknown to the user
    typed: str = ""                        # entry pickers: the box's text, one value a line
    groups: list[TopicGroup] = field(default_factory=list)

    @property
    def chosen_codes(self) -> set[str]:
        return {code for _name, code in self.chosen}


def code_list_keys() -> list[str]:
    return [spec.key for spec in get_schema().editable_fields if spec.type == "code_list"]


def split_typed(values) -> list[str]:
    """The values posted for a code-list field (several checkboxes, or lines of one text box), one per value."""
    parts: list[str] = []
    for value in values if isinstance(values, (list, tuple)) else [values]:
        parts += [p.strip() for p in TYPED_SPLIT.split(str(value or "")) if p.strip()]
    return list(dict.fromkeys(parts))


# ---- topics (classification nodes of one class) ---------------------------------------------------------

def _class_nodes(class_code: str) -> list[Category]:
    return db.session.scalars(select(Category).where(Category.code.startswith(class_code))
                              .order_by(Category.code)).all()


def topic_groups(class_code: str) -> list[TopicGroup]:
    """The class's nodes under their top-level node (the class root itself is no topic anyone picks)."""
    groups: dict[str, TopicGroup] = {}
    for node in _class_nodes(class_code):
        if node.code == class_code:
            continue
        if node.parent_code == class_code or node.parent_code is None:
            groups[node.code] = TopicGroup(node.code, node.name)
            continue
        top = next((g for code, g in groups.items() if node.code.startswith(code)), None)
        if top is not None:
            top.nodes.append((node.code, node.name))
        else:
            groups[node.code] = TopicGroup(node.code, node.name)
    return list(groups.values())


def _resolve_topics(key: str, parts: list[str], class_code: str) -> tuple[list[str], list[Problem]]:
    nodes = [n for n in _class_nodes(class_code) if n.code != class_code]
    by_code = {n.code: n for n in nodes}
    by_name: dict[str, list[Category]] = {}
    for n in nodes:
        by_name.setdefault(normalize_value(n.name), []).append(n)
    label = get_schema().label(key)
    codes, problems, bad = [], [], set()
    for part in parts:
        found = [by_code[part]] if part in by_code else by_name.get(normalize_value(part), [])
        if not found and (split := split_code_name(part)):
            found = [by_code[split[0]]] if split[0] in by_code else []
        if len(found) == 1:
            codes.append(found[0].code)
        else:
            codes.append(part)
            bad.add(part)
            problems.append(Problem(key, label, f"「{label}」“{part[:50]}”不是主题信息资源类中的分类，请从列表中选择",
                                    f"{key}: {part!r} is not a topic"))
    return list(dict.fromkeys(codes)), bad, problems


# ---- related entries (resource codes of entries the user may see) -----------------------------------------

def _published_named(user, name: str) -> list[Entry]:
    """Published entries the user may see whose published name is `name` (compared as importers compare names)."""
    rows = db.session.scalars(
        select(Entry).join(EntryVersion, Entry.published_version_id == EntryVersion.id)
        .where(Entry.status == EntryStatus.published, func.lower(EntryVersion.name) == name.strip().lower())
        .options(joinedload(Entry.published_version))).unique().all()
    return [e for e in rows if policy.can_see_published(user, e)]


def _resolve_entries(key: str, parts: list[str], user) -> tuple[list[str], list[Problem]]:
    label = get_schema().label(key)
    codes, problems, bad = [], [], set()

    def refuse(part: str, message: str, english: str):
        codes.append(part)
        bad.add(part)
        problems.append(Problem(key, label, f"「{label}」“{part[:60]}”{message}", f"{key}: {part!r} {english}"))

    for part in parts:
        if not part.isprintable():  # never sent to the database (PostgreSQL refuses NUL in text)
            refuse(part.encode("unicode_escape").decode("ascii"), "含有控制字符，请重新填写", "holds control characters")
            continue
        tokens = part.split()
        if tokens and all(CODE_TOKEN.match(t) and "/" in t for t in tokens):
            seen = visible_codes(tokens, user)     # an entry the user may not see is as unknown as a missing one
            for token in tokens:
                if token in seen:
                    codes.append(token)
                else:
                    refuse(token, "不是已登记的资源：请填写资源代码或已发布资源的完整名称，或从查找结果中选择",
                           "names no entry")
            continue
        named = _published_named(user, part)
        if len(named) == 1:
            codes.append(named[0].resource_code)
            continue
        if len(named) > 1:
            listed = "、".join(f"{e.published_version.name}（{e.resource_code}）" for e in named[:10])
            refuse(part, f"对应多个资源：{listed}，请填写资源代码", "matches several entries")
            continue
        split = split_code_name(part)
        if split is not None and "/" in split[0]:
            code, name = split
            names = queries.names_of_codes([code], user).get(code)
            if not names:
                refuse(part, f"中的代码“{code}”不是已登记的资源", "names no entry")
            elif normalize_value(name) not in {normalize_value(n) for n in names}:
                refuse(part, f"的代码与名称不一致：代码“{code}”是“{'”或“'.join(names)}”，不是“{name}”；"
                             "请改正其中之一，或只填写代码", "code and name disagree")
            else:
                codes.append(code)
            continue
        refuse(part, "不是已登记的资源：请填写资源代码或已发布资源的完整名称，或从查找结果中选择", "names no entry")
    return list(dict.fromkeys(codes)), bad, problems


def resolve(values: dict, user) -> tuple[dict, list[Problem]]:
    """Turn what was chosen or typed in each code-list field of `values` into codes, in place (values that name
    nothing, or several things, are kept as typed, so the form shows them again). Returns the values to check and
    save — those without the unreadable values — and the problems of the unreadable ones."""
    problems: list[Problem] = []
    checked = dict(values)
    for key in code_list_keys():
        parts = split_typed(values.get(key) or [])
        class_code = CATEGORY_LISTS.get(key)
        codes, bad, found = (_resolve_topics(key, parts, class_code) if class_code is not None
                             else _resolve_entries(key, parts, user))
        values[key] = codes
        checked[key] = [c for c in codes if c not in bad]
        problems += found
    return checked, problems


def pickers_for(values: dict, user) -> dict[str, Picker]:
    """The picker of each code-list field, showing `values` (codes, or text that resolved to nothing)."""
    out = {}
    for key in code_list_keys():
        current = split_typed(values.get(key) or [])
        class_code = CATEGORY_LISTS.get(key)
        if class_code is not None:
            groups = topic_groups(class_code)
            names = {g.code: g.name for g in groups} | {c: n for g in groups for c, n in g.nodes}
            out[key] = Picker(key, "topic", [(names.get(c, ""), c) for c in current], groups=groups)
        else:
            names = queries.names_of_codes([c for c in current if "/" in c], user)
            chosen = [(names[c][0], c) for c in current if c in names]
            lines = [f"{names[c][0]}（{c}）" if c in names else c for c in current]
            out[key] = Picker(key, "entry", chosen, typed="\n".join(lines))
    return out


def suggestions(text: str, user, limit: int = SUGGESTIONS) -> list[dict]:
    """Published entries the user may see whose name holds `text` or whose code starts with it: [{name, code}],
    names starting with the text first."""
    text = (text or "").strip()[:50]
    if not text:
        return []
    if not text.isprintable():
        raise InvalidInput.single("q", "查找", "查找内容不能含控制字符", "q must not contain control characters")
    name = EntryVersion.name
    rows = db.session.execute(
        select(Entry, name).join(EntryVersion, Entry.published_version_id == EntryVersion.id)
        .where(Entry.status == EntryStatus.published,
               or_(name.contains(text, autoescape=True), Entry.resource_code.startswith(text, autoescape=True)))
        .options(joinedload(Entry.published_version))
        .order_by(case((name.startswith(text, autoescape=True), 0), else_=1), func.length(name), name)
        .limit(limit * 5)).unique().all()
    out = [{"name": n, "code": e.resource_code} for e, n in rows if policy.can_see_published(user, e)]
    return out[:limit]
