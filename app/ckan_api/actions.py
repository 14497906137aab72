"""The actions of CKAN's Action API, each a translation onto the catalog's services and its one policy.

Reads: status_show, package_list, package_show, package_search, organization_list, organization_show, group_list,
group_show, tag_list, package_activity_list. Writes (POST with an API token): package_create, package_update,
package_patch, package_delete — through the same services, workflow and review as the forms. Every other CKAN action
is "not known" here (docs/api.md lists them).

What a caller sees is what the portal shows them: the public (no token, no session) the open catalog only;
government users every published entry; a department's drafts only to those who may see them. Following CKAN,
package_search and package_list hold public (open) datasets unless `include_private` is true.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable

from flask import current_app
from sqlalchemy import func, select

from app import catalog, indexing
from app.catalog import Entry, EntryStatus, EntryVersion, policy
from app.core.errors import InvalidInput, NotFound
from app.extensions import db
from app.org import Department
from catalog_schema import Problem, get_schema
from search.query import SearchQuery

from . import fq, packages
from .envelope import BAD_REQUEST, SEARCH_QUERY, VALIDATION, ApiError

INTEGER = re.compile(r"-?[0-9]{1,11}")
MAX_ROWS = 1000
DEFAULT_ROWS = 10


@dataclass(frozen=True)
class Action:
    name: str
    run: Callable[[dict, object], object]
    write: bool = False

    @property
    def doc(self) -> str:
        return (self.run.__doc__ or "").strip()


ACTIONS: dict[str, Action] = {}


def action(*, write: bool = False):
    def register(function):
        ACTIONS[function.__name__] = Action(function.__name__, function, write)
        return function
    return register


def get(name: str) -> Action:
    found = ACTIONS.get(name)
    if found is None:
        raise ApiError(BAD_REQUEST, f"未知的接口操作：{name[:50]}（可用的操作见 /api/docs）",
                       f"Action name not known: {name[:50]}")
    return found


# ---- arguments ------------------------------------------------------------------------------------------

class Args:
    """An action's arguments, read with CKAN's validation errors (409, naming the parameter in both languages)."""

    def __init__(self, data: dict, allowed: tuple[str, ...] | None = None):
        self.data = data
        if allowed is not None:
            unknown = [k for k in data if k not in allowed and not k.startswith("_")]
            if unknown:
                raise ApiError(VALIDATION, f"不支持的参数：{'、'.join(k[:40] for k in unknown[:5])}",
                               f"unknown parameter(s): {', '.join(k[:40] for k in unknown[:5])}",
                               fields={k[:40]: ["不支持的参数 / unknown parameter"] for k in unknown[:5]})

    def _bad(self, key: str, message: str, message_en: str) -> ApiError:
        return ApiError(VALIDATION, f"参数 {key} {message}", f"parameter {key} {message_en}",
                        fields={key: [f"{message} / {message_en}"]})

    def text(self, key: str, default: str = "", *, max_length: int = 1000, required: bool = False) -> str:
        value = self.data.get(key)
        if value in (None, ""):
            if required:
                raise self._bad(key, "不能为空", "is required (Missing value)")
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise self._bad(key, "须为字符串", "must be a string")
        if len(value) > max_length:
            raise self._bad(key, f"不能超过 {max_length} 个字符", f"is longer than {max_length} characters")
        if "\x00" in value:
            raise self._bad(key, "含有不允许的控制字符", "holds a control character")
        return value

    def integer(self, key: str, default: int | None, *, low: int = 0, high: int | None = None) -> int | None:
        """An integer; absent → `default`; an empty value is not one (409), as a number must be a number."""
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, str)) or (
                isinstance(value, str) and not INTEGER.fullmatch(value.strip())):
            raise self._bad(key, "须为整数", "must be an integer")
        number = int(value)
        if number < low:
            raise self._bad(key, f"不能小于 {low}", f"must be at least {low}")
        return min(number, high) if high is not None else number

    def boolean(self, key: str, default: bool = False) -> bool:
        """true or false (any case; a JSON body's booleans too); absent → `default`; anything else is a 409."""
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower() if isinstance(value, str) else ""
        if text in ("true", "false"):
            return text == "true"
        raise self._bad(key, "须为 true 或 false", "must be true or false")

    def strings(self, key: str) -> list[str]:
        """A list of strings: repeated keys, a JSON list in one string, or one value."""
        value = self.data.get(key)
        if value in (None, ""):
            return []
        if isinstance(value, str) and value.strip().startswith("["):
            try:
                value = json.loads(value)
            except ValueError:
                raise self._bad(key, "不是有效的 JSON 列表", "is not a valid JSON list") from None
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 50:
            raise self._bad(key, "须为字符串列表（至多 50 项）", "must be a list of strings (at most 50)")
        return value


# ---- reading ------------------------------------------------------------------------------------------------

@action()
def help_show(data: dict, user) -> str:
    """The documentation of an action (`name`): what it does and its parameters."""
    return get(Args(data, ("name",)).text("name", required=True, max_length=100)).doc


@action()
def status_show(data: dict, user) -> dict:
    """The site's description and version (CKAN's status_show)."""
    config = current_app.config
    return {"site_title": config.get("PORTAL_TITLE") or "政务信息资源目录", "site_description": "政务信息资源目录系统",
            "site_url": _site_url(), "ckan_version": "2.10.0", "api_version": 3, "locale_default": "zh_Hans_CN",
            "extensions": ["scheming_datasets", "dcat"], "organizer": config.get("PORTAL_ORGANIZER")}


def _site_url() -> str:
    from flask import url_for
    return url_for("portal.home", _external=True).rstrip("/")


@action()
def package_list(data: dict, user) -> list[str]:
    """The names of the datasets in the open catalog (limit, offset), in name order; with include_private, every
    published dataset the caller may see. (include_drafts and include_deleted are accepted: drafts and retired
    datasets are never listed.)"""
    args = Args(data, ("limit", "offset", "include_private", "include_drafts", "include_deleted"))
    limit = args.integer("limit", None, low=1)
    offset = args.integer("offset", 0)
    include_private = args.boolean("include_private")
    args.boolean("include_drafts")
    args.boolean("include_deleted")
    # resource codes are digits and "/": their order is their names' order ("/" → "-" sorts before digits too)
    query = (_published_by(user if include_private else None).with_only_columns(Entry.resource_code)
             .order_by(Entry.resource_code).offset(offset).limit(limit))
    return [packages.name_of(code) for code in db.session.scalars(query)]


@action()
def package_show(data: dict, user) -> dict:
    """One dataset by id, name or resource code (`id`): the published version, or to those who may see it an
    unpublished draft."""
    args = Args(data)
    entry, version = packages.require(args.text("id", required=True, max_length=100), user)
    return packages.package_dicts([(entry, version)], user)[0]


SORTS = {("score", "desc"): "relevance", ("metadata_modified", "desc"): "modified",
         ("metadata_modified", "asc"): "modified_asc", ("title_string", "asc"): "name",
         ("title_string", "desc"): "name_desc", ("title", "asc"): "name", ("title", "desc"): "name_desc"}
DEFAULT_SORT = "score desc, metadata_modified desc"
SEARCH_PARAMETERS = ("q", "fq", "fq_list", "sort", "rows", "start", "facet", "facet.field", "facet.limit",
                     "facet.mincount", "include_private", "include_drafts", "include_deleted")


def _sort(text: str, has_text: bool) -> str:
    chosen = None
    for clause in [c.strip() for c in text.split(",") if c.strip()]:
        parts = clause.split()
        key = (parts[0], parts[1].lower() if len(parts) > 1 else "asc")
        if len(parts) > 2 or key not in SORTS:
            known = "、".join(f"{k} {d}" for k, d in SORTS)
            raise ApiError(SEARCH_QUERY, f"不支持的排序“{clause[:50]}”（可用：{known}）",
                           f"cannot sort by {clause[:50]!r}")
        if chosen is None and not (SORTS[key] == "relevance" and not has_text):
            chosen = SORTS[key]
    return chosen or ("relevance" if has_text else "modified")


def _resolver(lookups: packages.Lookups):
    """A CKAN value in an fq → the index's: an organization name → its department id."""
    def resolve(key: str, value: str):
        if get_schema().field(key).type == "department":
            department = packages.find_department(value)
            return str(department.id) if department is not None else None
        return value
    return resolve


def _facet_key(name: str) -> str:
    key = fq.facet_key(name)
    if key is None:
        known = "、".join(fq.field_names())
        raise ApiError(VALIDATION, f"不能按“{name[:40]}”统计分面（可用：{known}）", f"cannot facet on {name[:40]!r}",
                       fields={"facet.field": [f"未知字段 {name[:40]} / unknown field"]})
    return key


@action()
def package_search(data: dict, user) -> dict:
    """Search datasets: q (words), fq / fq_list (field:value filters, see docs/api.md), sort, rows (≤ 1000),
    start, facet.field, facet.limit, facet.mincount, include_private."""
    args = Args(data, SEARCH_PARAMETERS)
    q = args.text("q", max_length=200).strip()
    if q in ("*:*", "*"):
        q = ""
    rows = args.integer("rows", DEFAULT_ROWS, low=0, high=MAX_ROWS)
    start = args.integer("start", 0, high=10_000_000)
    sort_text = args.text("sort", DEFAULT_SORT, max_length=200)
    sort = _sort(sort_text, bool(q))
    include_private = args.boolean("include_private")
    args.boolean("include_drafts")
    args.boolean("include_deleted")
    facet_on = args.boolean("facet", True)
    facet_names = args.strings("facet.field") if facet_on else []
    facet_limit = args.integer("facet.limit", 50, low=-1)
    mincount = args.integer("facet.mincount", 1, low=0)
    lookups = packages.Lookups()
    queries = ([args.text("fq", max_length=fq.MAX_LENGTH)] if data.get("fq") not in (None, "") else []) + \
        args.strings("fq_list")
    filters = fq.parse(queries, resolve=_resolver(lookups))
    keys = {name: _facet_key(name) for name in facet_names}
    public_only = policy.public_only(user) or not include_private
    if filters.nothing:
        return {"count": 0, "sort": sort_text, "results": [], "facets": {n: {} for n in keys},
                "search_facets": {n: {"title": n, "items": []} for n in keys}}
    result = indexing.backend().search(SearchQuery(
        text=q, facets=tuple(dict.fromkeys(keys.values())), sort=sort, per_page=rows, start=start,
        public_only=public_only, local_only=True, any_of=tuple(filters.any_of), none_of=tuple(filters.none_of),
        modified=filters.modified))
    ids = [hit.id for hit in result.hits]
    found = packages.load(ids)
    pairs = [(found[i], found[i].published_version) for i in ids if i in found and found[i].published_version]
    facets, search_facets = {}, {}
    for name, key in keys.items():
        counts = _facet_values(key, result.facets.get(key, {}), lookups)
        items = sorted(((value, label, n) for value, (label, n) in counts.items() if n >= mincount),
                       key=lambda item: (-item[2], item[0]))
        if facet_limit is not None and facet_limit >= 0:
            items = items[:facet_limit]
        facets[name] = {value: n for value, _label, n in items}
        search_facets[name] = {"title": get_schema().field(key).label,
                               "items": [{"name": value, "display_name": label, "count": n}
                                         for value, label, n in items]}
    return {"count": result.total, "sort": sort_text, "results": packages.package_dicts(pairs, user, lookups),
            "facets": facets, "search_facets": search_facets}


def _facet_values(key: str, counts: dict[str, int], lookups: packages.Lookups) -> dict[str, tuple[str, int]]:
    """Facet counts with CKAN's value names and their labels (an organization by its name, a code with its
    classification name, a vocabulary code with its label)."""
    spec = get_schema().field(key)
    out = {}
    for value, n in counts.items():
        if spec.type == "department":
            department = lookups.department(int(value)) if value.isdigit() else None
            if department is None:
                continue
            out[packages.organization_name(department)] = (department.name, n)
        elif spec.type in ("category", "code_list"):
            out[value] = (lookups.category(value), n)
        elif spec.type == "enum":
            out[value] = (get_schema().vocabulary(spec.vocabulary).label_of(value), n)
        elif spec.type == "bool":
            out["true" if value == "1" else "false"] = ("是" if value == "1" else "否", n)
        else:
            out[value] = (value, n)
    return out


def _counts(key: str, user) -> dict[str, int]:
    """How many published entries this caller may see have each value of a facet (from the index)."""
    result = indexing.backend().search(SearchQuery(facets=(key,), per_page=0, local_only=True,
                                                   public_only=policy.public_only(user)))
    return result.facets.get(key, {})


def _page(items: list, args: Args) -> list:
    limit = args.integer("limit", None, low=1)
    offset = args.integer("offset", 0)
    return items[offset:offset + limit] if limit is not None else items[offset:]


def _ordered(items: list[dict], sort: str, allowed: dict[str, str]) -> list[dict]:
    parts = sort.split() or ["name"]
    key = allowed.get(parts[0])
    if key is None or len(parts) > 2 or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
        raise ApiError(VALIDATION, f"不支持的排序“{sort[:40]}”（可用：{'、'.join(allowed)}）",
                       f"cannot sort by {sort[:40]!r}", fields={"sort": ["不支持的排序 / unsupported sort"]})
    descending = len(parts) == 2 and parts[1].lower() == "desc"
    return sorted(items, key=lambda item: (item[key] is None, item[key]), reverse=descending)


@action()
def organization_list(data: dict, user) -> list:
    """The departments (organizations): names, or with all_fields dicts with their package_count (the datasets
    this caller may see); sort by name, title or package_count; limit and offset."""
    args = Args(data, ("all_fields", "limit", "offset", "sort"))
    counts = dict(db.session.execute(_published_by(user).with_only_columns(Entry.department_id, func.count())
                                     .group_by(Entry.department_id)).all())
    departments = db.session.scalars(select(Department).order_by(Department.code)).all()
    items = [packages.organization_dict(d, package_count=counts.get(d.id, 0)) for d in departments]
    items = _ordered(items, args.text("sort", "name asc", max_length=40),
                     {"name": "name", "title": "title", "package_count": "package_count"})
    items = _page(items, args)
    return items if args.boolean("all_fields") else [item["name"] for item in items]


@action()
def organization_show(data: dict, user) -> dict:
    """One department (id: its id, name, code or full name), with package_count and, with include_datasets, its
    first ten datasets."""
    args = Args(data)
    department = packages.find_department(args.text("id", required=True, max_length=100))
    if department is None:
        raise NotFound("未找到该部门", "Not found")
    include = args.boolean("include_datasets")
    own = _published_by(user).where(Entry.department_id == department.id)
    count = db.session.scalar(own.with_only_columns(func.count())) or 0
    out = packages.organization_dict(department, package_count=count)
    if include:
        ids = db.session.scalars(own.with_only_columns(Entry.id).order_by(EntryVersion.published_at.desc(),
                                                                           Entry.id.desc()).limit(10)).all()
        found = packages.load(ids)
        out["packages"] = packages.package_dicts([(found[i], found[i].published_version) for i in ids], user)
    return out


def _published_by(user):
    """The published entries this caller may see, joined with their published versions (CKAN counts an
    organization's own datasets: a department's, not its subordinates')."""
    query = select(Entry).join(EntryVersion, Entry.published_version_id == EntryVersion.id)
    return query.where(policy.open_published() if policy.public_only(user) else Entry.status == EntryStatus.published)


GROUP_TYPES = {"group": "topic_codes", "classification": "category_code"}


@action()
def group_list(data: dict, user) -> list:
    """Groups: the topics (主题分类) datasets are filed under, or with type=classification the nodes of the
    classification (信息资源分类); names (codes), or with all_fields dicts with package_count."""
    args = Args(data, ("all_fields", "limit", "offset", "sort", "type"))
    kind = args.text("type", "group", max_length=20)
    if kind not in GROUP_TYPES:
        raise ApiError(VALIDATION, "参数 type 须为 group（主题）或 classification（信息资源分类）",
                       "type must be group or classification", fields={"type": ["group | classification"]})
    lookups = packages.Lookups()
    counts = _counts(GROUP_TYPES[kind], user)
    items = [packages.group_dict(code, lookups.category(code), kind=kind, package_count=n)
             for code, n in counts.items()]
    items = _ordered(items, args.text("sort", "name asc", max_length=40),
                     {"name": "name", "title": "title", "package_count": "package_count"})
    items = _page(items, args)
    return items if args.boolean("all_fields") else [item["name"] for item in items]


@action()
def group_show(data: dict, user) -> dict:
    """One topic or classification node by its code, with package_count (type: group or classification)."""
    args = Args(data)
    code = args.text("id", required=True, max_length=40)
    lookups = packages.Lookups()
    title = lookups.category(code)
    if title == code:
        raise NotFound("未找到该分组", "Not found")
    topics, classes = _counts("topic_codes", user), _counts("category_code", user)
    kind = "classification" if code in classes and code not in topics else "group"
    count = (topics if kind == "group" else classes).get(code, 0)
    out = packages.group_dict(code, title, kind=kind, package_count=count)
    out["path"] = [{"name": node.code, "title": node.name} for node in catalog.path_of(code)]
    return out


@action()
def tag_list(data: dict, user) -> list:
    """The keywords (tags) of the datasets this caller may see; query: those containing it; all_fields: dicts with
    their counts."""
    args = Args(data, ("query", "all_fields"))
    query = args.text("query", max_length=50).strip().lower()
    counts = _counts("keywords", user)
    names = sorted(name for name in counts if not query or query in name.lower())
    if args.boolean("all_fields"):
        return [{"id": name, "name": name, "display_name": name, "vocabulary_id": None, "count": counts[name]}
                for name in names]
    return names


@action()
def package_activity_list(data: dict, user) -> list:
    """A dataset's versions as activities, newest first: each published version (and, to those who may see them,
    the working ones) with its number, state, time and change note."""
    args = Args(data, ("id", "limit", "offset"))
    entry, _version = packages.require(args.text("id", required=True, max_length=100), user)
    versions = db.session.scalars(select(EntryVersion).where(EntryVersion.entry_id == entry.id)
                                  .order_by(EntryVersion.number.desc())).all()
    out = []
    for version in policy.visible_versions(user, entry, versions):
        published = version.published_at is not None
        out.append({
            "id": f"{entry.id}-{version.number}", "object_id": str(entry.id),
            "activity_type": ("new package" if version.number == 1 else "changed package") if published
            else "changed package draft",
            "timestamp": (version.published_at or version.updated_at or version.created_at).isoformat(),
            "user_id": str(version.published_by_id or version.created_by_id or ""),
            "data": {"version": version.number, "state": version.state.value, "state_label": version.state.label,
                     "change_note": version.change_note, "title": version.name},
        })
    return _page(out, args)


# ---- writing (POST, with an API token) -----------------------------------------------------------------------

def _submit_if_asked(entry: Entry, data: dict, user) -> None:
    if Args(data).boolean("submit"):
        catalog.submit([entry], user=user, note=Args(data).text("change_note", max_length=1000) or None)


def _result(entry: Entry, user) -> dict:
    """What a write answers, as CKAN does: the dataset as the write left it — its working version (a draft, or a
    revision in review while the published one stays public), or after a retirement the last published one."""
    db.session.flush()
    db.session.refresh(entry)
    return packages.package_dicts([(entry, entry.draft_version or entry.published_version)], user)[0]


@action(write=True)
def package_create(data: dict, user) -> dict:
    """Register a dataset as a draft of the caller's department (or owner_org, where they may compile for it),
    with a new resource code; `submit: true` sends it to review at once. The same checks as the form."""
    values = packages.values_from(data)
    entry = catalog.create_entry(values, user=user)
    _submit_if_asked(entry, data, user)
    return _result(entry, user)


def _editable(data: dict, user) -> Entry:
    args = Args(data)
    entry, _version = packages.require(args.text("id", required=True, max_length=100), user)
    return entry


def _save(entry: Entry, values: dict, data: dict, user) -> dict:
    base = catalog.BaseRef.of(entry.base_version)
    catalog.update_draft(entry, values, user=user, base=base,
                         change_note=Args(data).text("change_note", max_length=1000) or None)
    _submit_if_asked(entry, data, user)
    return _result(entry, user)


def _current_values(entry: Entry) -> dict:
    version = entry.draft_version or entry.published_version
    writable = packages.writable_keys()
    return {k: v for k, v in catalog.full_values(entry, version).items() if k in writable}


@action(write=True)
def package_update(data: dict, user) -> dict:
    """Replace a dataset's metadata (`id` names it): a new working version — a revision of a published entry —
    with the values given (fields left out are emptied, as in CKAN); `submit: true` sends it to review."""
    entry = _editable(data, user)
    identity = {"category_code": entry.category_code, "provider": entry.department_id}
    values = packages.values_from({k: v for k, v in data.items() if k != "id"}, base=identity)
    return _save(entry, values, data, user)


@action(write=True)
def package_patch(data: dict, user) -> dict:
    """Change some of a dataset's metadata (`id` names it): the fields given, on top of its working version (or
    its published one); `submit: true` sends it to review."""
    entry = _editable(data, user)
    values = packages.values_from({k: v for k, v in data.items() if k != "id"}, base=_current_values(entry))
    return _save(entry, values, data, user)


@action(write=True)
def package_delete(data: dict, user) -> dict:
    """Retire (停用) a dataset (`id`), with a `reason`: it leaves every catalog; its code and history stay."""
    entry = _editable(data, user)
    reason = Args(data).text("reason", max_length=500).strip()
    if not reason:
        raise InvalidInput([Problem("reason", "停用原因", "停用信息资源须说明原因（reason）",
                                    "a reason is required to retire a dataset")])
    catalog.retire([entry], user=user, reason=reason)
    return _result(entry, user)
