"""The search word lists an admin edits: 同义词 (synonym groups) and 政务词典 (terms kept whole).

Both apply when a query is read (see `search.plan`): a save takes effect on the next search in every process,
with no reindex, because the index also holds every text as character pairs. The shipped defaults are the files
`search/synonyms.txt` and `search/dictionary.txt`; an admin's saved list replaces them, and "恢复默认" saves the
defaults again. Department names, short names and aliases are always added, from the department table.
"""
from __future__ import annotations

import dataclasses
import re

from sqlalchemy import func, select

from app import audit
from app.core.errors import InvalidInput, PermissionDenied
from app.extensions import db
from catalog_schema import Problem
from search.segment import DICTIONARY, SYNONYMS

from . import policy
from .models import SearchVocabulary

MAX_BYTES = 200_000
MAX_LINES = 2000
TERM = re.compile(r"^[\w·\-]+$", re.UNICODE)
SPLIT = re.compile(r"[,，、\s]+")


@dataclasses.dataclass(frozen=True)
class Kind:
    key: str
    label: str
    label_en: str
    default_file: object
    min_length: int
    max_length: int
    help: str


KINDS = {
    "synonyms": Kind("synonyms", "同义词", "synonyms", SYNONYMS, 2, 30,
                     "每行一组同义词，词之间用逗号、顿号或空格分隔，每组至少两个词；以 # 开头的行是注释。"
                     "检索其中任何一个词，也会找到含有同组其他词的资源。"),
    "words": Kind("words", "政务词典", "dictionary", DICTIONARY, 2, 20,
                  "每行一个政务用语（2 到 20 个字符），分词时保持完整；以 # 开头的行是注释。"),
}


def kind_of(key: str) -> Kind:
    if key not in KINDS:
        raise InvalidInput.single("kind", "词表", f"没有名为“{key[:20]}”的词表", f"no word list {key[:20]!r}")
    return KINDS[key]


def default_body(kind: Kind) -> str:
    return kind.default_file.read_text(encoding="utf-8")


def latest(kind: Kind) -> SearchVocabulary | None:
    return db.session.scalar(select(SearchVocabulary).where(SearchVocabulary.kind == kind.key)
                             .order_by(SearchVocabulary.id.desc()).limit(1))


def body_in_force(kind: Kind) -> str:
    row = latest(kind)
    return row.body if row is not None else default_body(kind)


def history(kind: Kind, limit: int = 10) -> list[SearchVocabulary]:
    return db.session.scalars(select(SearchVocabulary).where(SearchVocabulary.kind == kind.key)
                              .order_by(SearchVocabulary.id.desc()).limit(limit)).all()


def version() -> int:
    """Changes whenever a list is saved (every process compares it before searching)."""
    return db.session.scalar(select(func.max(SearchVocabulary.id))) or 0


def _lines(body: str):
    for number, line in enumerate(body.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if line:
            yield number, line


def _term_problems(kind: Kind, number: int, term: str) -> list[Problem]:
    if not kind.min_length <= len(term) <= kind.max_length:
        return [Problem("body", kind.label, f"第 {number} 行：“{term[:40]}”须为 {kind.min_length} 到 {kind.max_length} 个字符",
                        f"line {number}: {term[:40]!r} must be {kind.min_length} to {kind.max_length} characters")]
    if not TERM.match(term):
        return [Problem("body", kind.label, f"第 {number} 行：“{term[:40]}”只能含汉字、字母、数字、间隔号和连字符",
                        f"line {number}: {term[:40]!r} may hold only letters, digits, · and -")]
    return []


def parse(kind: Kind, body: str) -> list[list[str]]:
    """The groups (synonyms) or one-word lists (dictionary) of a body; InvalidInput names each bad line."""
    if len(body.encode("utf-8")) > MAX_BYTES:
        raise InvalidInput.single("body", kind.label, f"{kind.label}不能超过 {MAX_BYTES // 1000} KB",
                                  f"{kind.label_en} must not exceed {MAX_BYTES // 1000} KB")
    problems, groups, seen = [], [], {}
    lines = list(_lines(body))
    if len(lines) > MAX_LINES:
        raise InvalidInput.single("body", kind.label, f"{kind.label}最多 {MAX_LINES} 行，现有 {len(lines)} 行",
                                  f"at most {MAX_LINES} lines, got {len(lines)}")
    for number, line in lines:
        terms = list(dict.fromkeys(t for t in SPLIT.split(line) if t))
        line_problems = [p for t in terms for p in _term_problems(kind, number, t)]
        if kind.key == "words":
            if len(terms) > 1:
                line_problems.append(Problem("body", kind.label, f"第 {number} 行：每行只写一个词（“{line[:40]}”）",
                                             f"line {number}: one word a line"))
        elif len(terms) < 2:
            line_problems.append(Problem("body", kind.label, f"第 {number} 行：“{line[:40]}”只有一个词，每组同义词至少两个",
                                         f"line {number}: a synonym group needs two words at least"))
        for term in terms:
            if term in seen and kind.key == "synonyms":
                line_problems.append(Problem("body", kind.label, f"第 {number} 行：“{term}”已在第 {seen[term]} 行出现，"
                                             "一个词只能属于一组", f"line {number}: {term!r} is already on line {seen[term]}"))
            seen.setdefault(term, number)
        problems += line_problems
        if not line_problems:
            groups.append(terms)
    if problems:
        raise InvalidInput(problems, f"{kind.label}有 {len(problems)} 处问题，未保存", f"{kind.label_en}: not saved")
    return groups


def save(kind_key: str, body: str, user, *, note: str = "") -> bool:
    """Save a new version of a list (admins). All or nothing; False when nothing changed."""
    if not policy.can_edit_vocabulary(user):
        raise PermissionDenied("只有平台管理员可以修改检索词表", "only admins may change the search word lists")
    kind = kind_of(kind_key)
    body = body.replace("\r\n", "\n").strip() + "\n"
    groups = parse(kind, body)
    if body == body_in_force(kind):
        return False
    before = parse(kind, body_in_force(kind))
    row = SearchVocabulary(kind=kind.key, body=body, saved_by_id=user.id, note=note[:200])
    db.session.add(row)
    db.session.flush()
    added = [g for g in groups if g not in before]
    removed = [g for g in before if g not in groups]
    audit.record("search.vocabulary", row, actor=user,
                 summary=f"修改{kind.label}：新增 {len(added)} 行，删除 {len(removed)} 行，共 {len(groups)} 行",
                 details={"kind": kind.key, "added": ["、".join(g) for g in added][:50],
                          "removed": ["、".join(g) for g in removed][:50]})
    return True


def restore_default(kind_key: str, user) -> bool:
    kind = kind_of(kind_key)
    return save(kind.key, default_body(kind), user, note="恢复默认")


def in_force() -> tuple[list[str], list[list[str]]]:
    """(dictionary words, synonym groups) as saved, or the defaults. A list saved under older rules that no longer
    parses falls back to the defaults rather than stopping search."""
    words_kind, synonyms_kind = KINDS["words"], KINDS["synonyms"]
    try:
        words = [g[0] for g in parse(words_kind, body_in_force(words_kind))]
    except InvalidInput:
        words = [g[0] for g in parse(words_kind, default_body(words_kind))]
    try:
        groups = parse(synonyms_kind, body_in_force(synonyms_kind))
    except InvalidInput:
        groups = parse(synonyms_kind, default_body(synonyms_kind))
    return words, groups
