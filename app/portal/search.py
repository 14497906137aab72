"""The search portal's read layer: query string → SearchQuery → facets with labels, trees and removable chips.

Every search is a bookmarkable URL: `q`, `sort`, `page`, and one repeated parameter per facet (the schema's
facet keys, e.g. `sharing_type=conditional&provider=12`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import current_app
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app import indexing
from app.catalog import Category
from app.core.errors import InvalidInput
from app.extensions import db
from app.org import Department
from catalog_schema import Problem, get_schema
from search.fields import facet_keys, hierarchical_keys
from search.query import SORTS, SearchQuery, SearchResult

MAX_PAGE = 500
TAGS_SHOWN = 20  # a free-text facet (keywords) lists its most frequent values and the selected ones
CODE = re.compile(r"^[0-9]{1,32}$")  # ASCII digits: \d would take full-width and other scripts' digits

# The catalogs of SPEC §3 as pre-filtered views: key → (title, fixed filters, public)
CATALOGS = {
    "resource": ("政务信息资源目录", {}, False),
    "shared": ("共享目录", {"sharing_type": ["unconditional", "conditional"]}, False),
    "not-shared": ("不予共享目录", {"sharing_type": ["not_shared"]}, False),
    "open": ("开放目录", {"open_to_public": ["1"]}, True),
}


class SearchArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="", validate=validate.Length(max=100), metadata={"label": "关键词"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE), metadata={"label": "页码"})
    sort = fields.String(load_default="relevance", validate=validate.OneOf(SORTS), metadata={"label": "排序"})


def _facet_problem(key: str, value: str) -> Problem | None:
    schema = get_schema()
    spec = schema.field(key)
    if spec.type == "enum":
        ok = value in schema.vocabulary(spec.vocabulary).by_code
    elif spec.type == "bool":
        ok = value in ("0", "1")
    elif spec.type == "tags":  # keywords: free text, as long as the schema lets a value be
        ok = 0 < len(value) <= (spec.max_length or 50) and value.isprintable()
    else:  # provider ids, classification and topic codes
        ok = bool(CODE.match(value))
    if ok:
        return None
    return Problem(key, spec.label, f"查询参数「{spec.label}」（{key}）的值“{value[:50]}”无效",
                   f"query parameter {key} has an invalid value")


def parse(args: MultiDict) -> tuple[dict, dict[str, list[str]]]:
    """(plain arguments, facet filters) from a query string; a Chinese error naming each bad parameter."""
    problems = []
    try:
        plain = SearchArgs().load({k: args.get(k) for k in ("q", "page", "sort") if args.get(k) not in (None, "")})
    except ValidationError as error:
        plain = {}
        for key in error.messages:
            label = SearchArgs().fields[key].metadata["label"]
            problems.append(Problem(key, label, f"查询参数「{label}」（{key}）的值无效", f"query parameter {key} is invalid"))
    filters: dict[str, list[str]] = {}
    for key in facet_keys():
        values = [v for v in args.getlist(key) if v != ""][:50]
        for value in values:
            problem = _facet_problem(key, value)
            if problem:
                problems.append(problem)
        if values:
            filters[key] = list(dict.fromkeys(values))
    if problems:
        raise InvalidInput(problems, "查询参数有误", "invalid query parameters")
    plain["q"] = (plain.get("q") or "").strip()
    return plain, filters


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    depth: int = 0


@dataclass
class Facet:
    key: str
    label: str
    values: list[FacetValue] = field(default_factory=list)


@dataclass
class Chip:
    key: str
    value: str
    label: str


class Labels:
    """Names of departments and classification nodes, loaded once per request."""

    def __init__(self):
        self.departments = {str(d.id): d for d in db.session.scalars(select(Department))}
        self.categories = dict(db.session.execute(select(Category.code, Category.name)).all())

    def of(self, key: str, value: str) -> str:
        schema = get_schema()
        spec = schema.field(key)
        if spec.type == "department":
            d = self.departments.get(value)
            return d.name if d else value
        if spec.type in ("category", "code_list"):
            return self.categories.get(value, value)
        if spec.type == "bool":
            return "是" if value == "1" else "否"
        if spec.type == "enum":
            return schema.vocabulary(spec.vocabulary).label_of(value)
        return value


def run(plain: dict, filters: dict[str, list[str]], *, public_only: bool, fixed: dict | None = None,
        per_page: int | None = None, any_term: bool = False, local_only: bool = False) -> SearchResult:
    """Search with the fixed filters of a catalog view added to the visitor's own."""
    combined = {**filters}
    for key, values in (fixed or {}).items():
        combined[key] = values if key not in combined else [v for v in combined[key] if v in values] or ["__none__"]
    return indexing.backend().search(SearchQuery(
        text=plain.get("q", ""), filters=combined, facets=facet_keys(), sort=plain.get("sort", "relevance"),
        page=plain.get("page", 1), per_page=per_page or current_app.config["PAGE_SIZE"], public_only=public_only,
        any_term=any_term, local_only=local_only))


@dataclass
class Help:
    """What a results page offers when the query found nothing as typed."""
    partial: bool = False  # the results match some of the query's parts, not all
    did_you_mean: list[tuple[str, int]] = field(default_factory=list)  # (term, entries it finds)


def run_with_help(plain: dict, filters: dict[str, list[str]], *, public_only: bool,
                  fixed: dict | None = None) -> tuple[SearchResult, Help]:
    """The search; when the text finds nothing, the entries matching part of it (labelled as such) and known terms
    close to it that do find something."""
    result = run(plain, filters, public_only=public_only, fixed=fixed)
    help_ = Help()
    if result.total == 0 and plain.get("q"):
        partial = run(plain, filters, public_only=public_only, fixed=fixed, any_term=True)
        if partial.total:
            result, help_.partial = partial, True
        help_.did_you_mean = indexing.did_you_mean(plain["q"], public_only=public_only)
    return result, help_


def matching_ids(plain: dict, filters: dict[str, list[str]], *, public_only: bool, fixed: dict | None = None,
                 page_size: int = 2000, limit: int | None = None) -> list[int]:
    """Every entry id a search matches, in its order (for exports), up to `limit` (EXPORT_MAX_ENTRIES).

    Fetched a page at a time, so a 100,000-entry export never holds 100,000 result documents at once.
    """
    limit = limit or current_app.config["EXPORT_MAX_ENTRIES"]
    page_size = min(page_size, limit)
    ids: list[int] = []
    page = 1
    while len(ids) < limit:
        result = run({**plain, "page": page}, filters, public_only=public_only, fixed=fixed, per_page=page_size,
                     local_only=True)  # harvested records are other registries' to export
        ids += [hit.id for hit in result.hits]
        if len(result.hits) < page_size:
            break
        page += 1
    return ids[:limit]


def facets(result: SearchResult, filters: dict[str, list[str]], labels: Labels, *,
           hide_single: bool = False) -> list[Facet]:
    """The facets with their values; `hide_single` leaves out a facet that cannot narrow the results (one value,
    which every result has) unless the visitor selected it — e.g. 是否向社会开放 on the open catalog."""
    out = []
    for key in facet_keys():
        counts = result.facets.get(key, {})
        selected = set(filters.get(key, []))
        facet = Facet(key, get_schema().field(key).label)
        if get_schema().field(key).type == "department":
            facet.values = _department_tree(counts, selected, labels, key)
        elif key in hierarchical_keys():
            facet.values = _category_levels(counts, selected, labels, key)
        else:
            ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if get_schema().field(key).type == "tags":
                ordered = [kv for i, kv in enumerate(ordered) if i < TAGS_SHOWN or kv[0] in selected]
            facet.values = [FacetValue(v, labels.of(key, v), n, v in selected) for v, n in ordered]
        if not facet.values:
            continue
        if hide_single and not selected and len(facet.values) == 1 and facet.values[0].count >= result.total:
            continue
        out.append(facet)
    return out


def active_filters(filters: dict[str, list[str]]) -> int:
    """How many facet values the visitor selected (the 筛选（n） button); a catalog view's fixed filters not counted."""
    return sum(len(values) for values in filters.values())


SORT_LABELS = {"relevance": "相关度", "updated": "最近更新", "name": "名称"}


def browsing(plain: dict) -> bool:
    """No query text and the default order: the results are listed newest updated first (SearchQuery.sort
    `relevance` without text is ordered by the update time in every backend)."""
    return not plain.get("q") and plain.get("sort", "relevance") == "relevance"


def sort_options(plain: dict) -> list[tuple[str, str]]:
    """(value, label) of the 排序 choices. Without query text there is no relevance to order by, so the default
    choice is labelled 按最近更新 — what the backend does — and keeps the value `relevance`, so that typing words
    and searching again orders by relevance."""
    if plain.get("q"):
        return [(value, f"按{label}") for value, label in SORT_LABELS.items()]
    newest = "updated" if plain.get("sort") == "updated" else "relevance"
    return [(newest, "按最近更新"), ("name", "按名称")]


def _department_tree(counts: dict[str, int], selected: set[str], labels: Labels, key: str) -> list[FacetValue]:
    """Departments with entries, each indented under its parent (a district government's bureaus under it)."""
    children: dict[str | None, list] = {}
    for department_id, d in labels.departments.items():
        if department_id in counts:
            children.setdefault(str(d.parent_id) if d.parent_id else None, []).append(department_id)
    out = []

    def walk(parent, depth):
        for value in sorted(children.get(parent, []), key=lambda v: -counts[v]):
            out.append(FacetValue(value, labels.of(key, value), counts[value], value in selected, depth))
            walk(value, depth + 1)

    walk(None, 0)
    return out


def _category_levels(counts: dict[str, int], selected: set[str], labels: Labels, key: str) -> list[FacetValue]:
    """Classes and their 项 always; deeper levels under a selected node."""
    def visible(code: str) -> bool:
        if len(code) <= 3:
            return True
        return any(code.startswith(s) and len(code) > len(s) and _is_child(code, s, counts) for s in selected) \
            or code in selected

    shown = sorted((c for c in counts if visible(c)), key=lambda c: (c[:1], c))
    return [FacetValue(c, labels.of(key, c), counts[c], c in selected, _depth(c)) for c in shown]


def _depth(code: str) -> int:
    return {1: 0, 3: 1, 6: 2}.get(len(code), 3)


def _is_child(code: str, parent: str, counts: dict[str, int]) -> bool:
    """The nearest shorter code in the counts that prefixes `code` is `parent`."""
    prefixes = [c for c in counts if code.startswith(c) and c != code]
    return bool(prefixes) and max(prefixes, key=len) == parent


def chips(filters: dict[str, list[str]], labels: Labels) -> list[Chip]:
    return [Chip(key, value, f"{get_schema().field(key).label}：{labels.of(key, value)}")
            for key, values in filters.items() for value in values]


def url_args(plain: dict, filters: dict[str, list[str]], **changes) -> dict:
    """Arguments for url_for: the current search with some changes (a value of None drops the key)."""
    out: dict = {}
    if plain.get("q"):
        out["q"] = plain["q"]
    if plain.get("sort", "relevance") != "relevance":
        out["sort"] = plain["sort"]
    if plain.get("page", 1) != 1:
        out["page"] = plain["page"]
    out.update({k: list(v) for k, v in filters.items()})
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def toggle(plain: dict, filters: dict[str, list[str]], key: str, value: str) -> dict:
    current = list(filters.get(key, []))
    if value in current:
        current.remove(value)
    else:
        current.append(value)
    return url_args({**plain, "page": 1}, {**filters, key: current} if current else
                    {k: v for k, v in filters.items() if k != key})


def topic_nodes(counts: dict[str, int], labels: Labels) -> list[tuple[str, str, int, int]]:
    """主题目录: (code, name, entries, depth) of the 基础 (1) and 主题 (2) classes down to the 目 (six digits), in
    code order — a class, then its 项 each followed by its 目 (codes have a fixed width per level)."""
    shown = [code for code in counts if code[:1] in ("1", "2") and len(code) in (1, 3, 6)]
    return [(code, labels.of("category_code", code), counts[code], _depth(code))
            for code in sorted(shown)]
