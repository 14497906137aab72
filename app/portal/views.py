"""Portal pages: home, search, the catalogs (SPEC §3), entry pages. No writes."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import catalog, indexing, org, sharing
from app.catalog import Entry, EntryVersion, path_of, policy
from app.extensions import db
from catalog_schema import get_schema
from search.highlight import highlight, snippet
from search.query import SearchQuery

from . import search as portal_search

bp = Blueprint("portal", __name__)


def _public() -> bool:
    return policy.public_only(current_user)


@bp.get("/")
def home():
    result = portal_search.run({}, {}, public_only=_public(), per_page=1)
    labels = portal_search.Labels()
    return render_template("portal/home.html", result=result, labels=labels, government=not _public(),
                           catalogs=portal_search.CATALOGS)


def _search_page(catalog_key: str | None = None):
    plain, filters = portal_search.parse(request.args)
    title, fixed, _public_view = portal_search.CATALOGS.get(catalog_key or "resource")
    if catalog_key is None:
        title, fixed = ("开放目录" if _public() else "检索"), {}
    result, help_ = portal_search.run_with_help(plain, filters, public_only=_public(), fixed=fixed)
    labels = portal_search.Labels()
    endpoint, endpoint_args = (("portal.catalog_view", {"key": catalog_key}) if catalog_key else ("portal.search", {}))

    base = url_for(endpoint, **endpoint_args)

    def link(args: dict) -> str:
        # built by hand: a results page has hundreds of facet links, and url_for per link costs milliseconds
        query = urlencode(args, doseq=True)
        return f"{base}?{query}" if query else base

    pages = max(1, min(portal_search.MAX_PAGE, -(-result.total // current_app.config["PAGE_SIZE"])))
    return render_template(
        "portal/search.html", result=result, plain=plain, filters=filters, title=title, catalog_key=catalog_key,
        facets=portal_search.facets(result, filters, labels, hide_single=True),
        chips=portal_search.chips(filters, labels), active_filters=portal_search.active_filters(filters),
        sort_options=portal_search.sort_options(plain), browsing=portal_search.browsing(plain),
        pages=pages, link=link, url_args=portal_search.url_args,
        export_query=urlencode(portal_search.url_args({**plain, "page": 1}, {**filters, **fixed}), doseq=True),
        toggle=portal_search.toggle, highlight=highlight, snippet=snippet, government=not _public(), help=help_)


@bp.get("/search")
def search():
    return _search_page()


@bp.get("/search.json")
def search_json():
    """The search as JSON: the same query string as /search; hits, total and facet counts (public: open only)."""
    plain, filters = portal_search.parse(request.args)
    result, help_ = portal_search.run_with_help(plain, filters, public_only=_public())
    return jsonify({
        "total": result.total,
        "page": plain.get("page", 1),
        "partial": help_.partial,
        "did_you_mean": [{"q": term, "total": total} for term, total in help_.did_you_mean],
        "hits": [{"id": h.id, "url": _hit_url(h.id), **h.fields} for h in result.hits],
        "facets": result.facets,
    })


def _hit_url(hit_id: int) -> str:
    """A result's page: an entry's, or a harvested record's (目录对接: negative ids in the index)."""
    return url_for("harvest.record", record_id=-hit_id) if hit_id < 0 else url_for(".entry", entry_id=hit_id)


@bp.get("/catalogs/<key>")
def catalog_view(key: str):
    if key not in portal_search.CATALOGS:
        abort(404)
    if _public() and not portal_search.CATALOGS[key][2]:
        return redirect(url_for(".catalog_view", key="open"))  # the public has only the open catalog
    return _search_page(key)


@bp.get("/catalogs/department")
def department_catalog():
    """部门目录: the department tree with each department's number of entries (the public: open entries only)."""
    result = portal_search.run({}, {}, public_only=_public(), per_page=1)
    labels = portal_search.Labels()
    tree = portal_search.facets(result, {}, labels)
    provider = next((f for f in tree if f.key == "provider"), None)
    return render_template("portal/departments.html", provider=provider)


@bp.get("/departments/<id:department_id>")
def department(department_id: int):
    """A department's page (like a CKAN organization): where it sits, its published entries counted by sharing
    type, the first page of its catalog, its subordinate departments and (government users) its contacts. The
    public sees the same page restricted to the open catalog, without contacts."""
    department = db.session.get(org.Department, department_id) or abort(404)
    result = portal_search.run({}, {"provider": [str(department.id)]}, public_only=_public(), per_page=10)
    counts = result.facets.get("sharing_type", {})
    # the public sees only open entries: a sharing type none of them has is always 0 for it, so it is left out
    sharing_counts = [(term.code, term.label, counts.get(term.code, 0)) for term in
                      get_schema().vocabulary("sharing_type").terms if counts.get(term.code) or not _public()]
    contacts = org.current_contacts(department.id) if policy.is_government(current_user) else None
    return render_template("portal/department.html", department=department, result=result,
                           sharing_counts=sharing_counts, government=not _public(),
                           children=sorted(department.children, key=lambda d: d.code),
                           contacts=contacts, contact_roles=org.CONTACT_ROLES)


@bp.get("/catalogs/topic")
def topic_catalog():
    """主题目录: the classification (基础 and 主题 classes) with counts, in code order (the public: open entries)."""
    result = portal_search.run({}, {}, public_only=_public(), per_page=1)
    nodes = portal_search.topic_nodes(result.facets.get("category_code", {}), portal_search.Labels())
    return render_template("portal/topics.html", nodes=nodes, government=not _public())


@bp.get("/search/suggest")
def suggest():
    """Search-as-you-type: entry names for what was typed so far (JSON)."""
    prefix = (request.args.get("q") or "").strip()[:50]
    if not prefix:
        return jsonify([])
    return jsonify(indexing.backend().suggest(prefix, public_only=_public()))


@bp.get("/entries")
def entries():
    """The old list address: the same filters as a search."""
    translated = {"q": request.args.get("q"), "sharing_type": request.args.get("sharing_type"),
                  "provider": request.args.get("department"), "category_code": request.args.get("category")}
    return redirect(url_for(".search", **{k: v for k, v in translated.items() if v}), 301)


def _visible_entry(entry_id: int) -> Entry:
    entry = catalog.get_entry_or_404(entry_id)
    if not policy.can_see_published(current_user, entry):
        abort(404)  # the public never learns that a non-open entry exists: the same page as a missing id
    return entry


def _published_values(entry: Entry, version: EntryVersion) -> tuple[dict, list[Entry]]:
    """The published version's values as this visitor may see them: 关联资源代码 only of entries they may see, and
    the entry's 最近更新日期."""
    linked = _related_entries(entry, version)
    values = {**catalog.full_values(entry, version), "related_codes": [other.resource_code for other in linked]}
    last = catalog.last_updated_on(entry, version)
    if last is not None:
        values["last_updated_on"] = last.isoformat()
    return values, linked


def _activity(entry: Entry) -> list[dict]:
    """版本动态 (government users): each published version, newest first, with who published it, its change note
    and the published version before it (to compare with)."""
    versions = [v for v in policy.visible_versions(current_user, entry, db.session.scalars(
        select(EntryVersion).where(EntryVersion.entry_id == entry.id).order_by(EntryVersion.number)).all())
        if v.state in policy.PUBLISHED_STATES]
    out, previous = [], None
    for version in versions:
        out.append({"version": version, "previous": previous})
        previous = version
    return out[::-1]


@bp.get("/entries/<id:entry_id>")
def entry(entry_id: int):
    entry = _visible_entry(entry_id)
    version = entry.published_version
    government = policy.is_government(current_user)
    values, linked = _published_values(entry, version)
    links = {"related_codes": [{"url": url_for(".entry", entry_id=other.id), "name": other.published_version.name,
                                "code": other.resource_code} for other in linked]}
    contacts = org.current_contacts(entry.department_id) if government else None
    category_path = path_of(entry.category_code)
    return render_template("portal/entry.html", entry=entry, version=version, values=values, links=links,
                           category_path=category_path, activity=_activity(entry) if government else [],
                           working=entry.draft_version if policy.can_see_working(current_user, entry) else None,
                           contacts=contacts, contact_roles=org.CONTACT_ROLES, government=government,
                           can_revise=policy.can_edit(current_user, entry),
                           can_report=sharing.reports.reporting(current_user, entry).allowed,
                           in_open_catalog=policy.is_open(version),
                           related=_related(entry, version, linked, category_path))


@bp.get("/entries/<id:entry_id>.json")
def entry_json(entry_id: int):
    """The entry's published metadata as JSON (read-only; the page's visibility: the public gets 404 for an entry
    outside the open catalog). Keys are the schema's field keys; data items under `data_items`."""
    entry = _visible_entry(entry_id)
    version = entry.published_version
    values, _linked = _published_values(entry, version)
    values["provider"] = {"id": entry.department_id, "name": entry.department.name,
                          "credit_code": entry.department.credit_code,
                          "url": url_for(".department", department_id=entry.department_id, _external=True)}
    return jsonify({"id": entry.id, "url": url_for(".entry", entry_id=entry.id, _external=True),
                    "version": version.number, "values": values})


def _related_entries(entry: Entry, version: EntryVersion) -> list[Entry]:
    """The entries named in 关联资源代码 that this visitor may see, in the order given: a code of an entry they
    may not see is not shown at all, so the page does not tell the public that it exists."""
    codes = [c for c in version.data.get("related_codes") or [] if c != entry.resource_code]
    if not codes:
        return []
    found = {other.resource_code: other for other in db.session.scalars(
        select(Entry).where(Entry.resource_code.in_(codes)))}
    return [found[c] for c in dict.fromkeys(codes)
            if c in found and policy.can_see_published(current_user, found[c])]


def _related(entry: Entry, version: EntryVersion, linked: list[Entry], category_path: list, limit: int = 6) -> list[dict]:
    """Entries named in 关联资源代码 first, then entries of the same classification item (项) sharing a word of the
    name that says what the resource is about (not 信息, 名录 …), closest first (from the index)."""
    out: list[dict] = [{"id": other.id, "name": other.published_version.name, "resource_code": other.resource_code,
                        "department": other.department.name,
                        "department_id": other.department_id, "explicit": True} for other in linked]
    item = [node.code for node in category_path][:2][-1:]
    result = indexing.backend().search(SearchQuery(
        text=" ".join(indexing.backend().segmenter.content_words(version.name)), any_term=True, per_page=limit,
        public_only=_public(), filters={"category_code": item} if item else {}, local_only=True,
        exclude_ids=tuple([entry.id] + [o["id"] for o in out])))
    out += [{**hit.fields, "id": hit.id, "explicit": False} for hit in result.hits]
    return out[:limit]
