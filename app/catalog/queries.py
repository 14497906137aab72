"""Read-side queries for the editors' pages: a department's catalog at a glance, versions, form choices."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.org import Department

from . import policy
from .models import Category, Entry, EntryStatus, EntryVersion, VersionState


def department_overview(department_id: int) -> dict:
    """Counts and lists for the "my department" page: drafts, returned, in review, published."""
    working = db.session.execute(
        select(EntryVersion.state, func.count()).join(Entry, Entry.draft_version_id == EntryVersion.id)
        .where(Entry.department_id == department_id, Entry.status != EntryStatus.retired)
        .group_by(EntryVersion.state)).all()
    counts = {state.value: n for state, n in working}
    counts["in_review"] = counts.get("department_review", 0) + counts.get("authority_review", 0)
    counts["published"] = db.session.scalar(select(func.count(Entry.id)).where(
        Entry.department_id == department_id, Entry.status == EntryStatus.published))
    counts["retired"] = db.session.scalar(select(func.count(Entry.id)).where(
        Entry.department_id == department_id, Entry.status == EntryStatus.retired))

    def working_in(*states: VersionState, limit: int = 50):
        return db.session.scalars(
            select(Entry).join(EntryVersion, Entry.draft_version_id == EntryVersion.id)
            .where(Entry.department_id == department_id, EntryVersion.state.in_(states))
            .options(joinedload(Entry.draft_version), joinedload(Entry.published_version))
            .order_by(EntryVersion.updated_at.desc()).limit(limit)).unique().all()

    recent = db.session.scalars(
        select(Entry).where(Entry.department_id == department_id, Entry.status == EntryStatus.published)
        .options(joinedload(Entry.published_version)).order_by(Entry.updated_at.desc()).limit(10)).unique().all()
    return {
        "counts": counts,
        "returned": working_in(VersionState.returned),
        "drafts": working_in(VersionState.draft),
        "in_review": working_in(VersionState.department_review, VersionState.authority_review),
        "recent": recent,
    }


def versions_of(entry: Entry) -> list[EntryVersion]:
    return db.session.scalars(select(EntryVersion).where(EntryVersion.entry_id == entry.id)
                              .options(joinedload(EntryVersion.created_by), joinedload(EntryVersion.published_by))
                              .order_by(EntryVersion.number)).all()


def category_choices(user) -> list[tuple[str, str]]:
    """(code, indented label) for the classification select; editors get only their own department's node in class 3."""
    nodes = db.session.execute(select(Category.code, Category.name, Category.parent_code)).all()
    children: dict[str | None, list] = {}
    for code, name, parent in nodes:
        children.setdefault(parent, []).append((code, name))
    own = user.department.category_code if policy.compile_scope(user) != "all" else None
    out = []

    def walk(parent, depth):
        for code, name in sorted(children.get(parent, [])):
            if own and code.startswith("3") and len(code) > len(own[:6]) and not code.startswith(own):
                continue
            out.append((code, f"{'　' * depth}{code} {name}"))
            walk(code, depth + 1)

    walk(None, 0)
    return out


def department_choices(user) -> list[Department]:
    """The departments this user may compile for (the provider select)."""
    if policy.compile_scope(user) == "all":
        return db.session.scalars(select(Department).order_by(Department.code)).all()
    return [user.department]


def names_of_codes(codes, user) -> dict[str, tuple[str, ...]]:
    """Resource code → the names `user` may see the entry under (its published name, and its working version's
    when they may see that): what “code name” in a related-code cell of an Excel import is checked against.
    Entries the user may not see are left out, as if they did not exist."""
    codes = list(dict.fromkeys(codes))
    if not codes:
        return {}
    entries = db.session.scalars(select(Entry).where(Entry.resource_code.in_(codes))
                                 .options(joinedload(Entry.published_version), joinedload(Entry.draft_version))).unique()
    out = {}
    for entry in entries:
        names = []
        if entry.published_version is not None and policy.can_see_published(user, entry):
            names.append(entry.published_version.name)
        if entry.draft_version is not None and policy.can_see_working(user, entry):
            names.append(entry.draft_version.name)
        if names:
            out[entry.resource_code] = tuple(dict.fromkeys(names))
    return out


#: the dashboard's lists of a department's entries: key → label (`department_entries` selects them)
ENTRY_LISTS = {
    "all": "全部",
    "draft": "草稿",
    "returned": "已退回",
    "in_review": "审核中",
    "published": "已发布",
    "retired": "已停用",
}


def department_entries(department_id: int, which: str = "all", page: int = 1, per_page: int = 20):
    """One page of a department's entries (the dashboard's 本部门目录), newest change first: (entries, total).

    `which`: a key of ENTRY_LISTS — draft, returned and in_review by the working version's state, published and
    retired by the entry's status (a published entry under revision is both published and, say, a draft)."""
    query = select(Entry).where(Entry.department_id == department_id)
    working = {"draft": (VersionState.draft,), "returned": (VersionState.returned,),
               "in_review": (VersionState.department_review, VersionState.authority_review)}
    if which in working:
        query = (query.join(EntryVersion, Entry.draft_version_id == EntryVersion.id)
                 .where(EntryVersion.state.in_(working[which]), Entry.status != EntryStatus.retired))
    elif which == "published":
        query = query.where(Entry.status == EntryStatus.published)
    elif which == "retired":
        query = query.where(Entry.status == EntryStatus.retired)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    entries = db.session.scalars(
        query.options(joinedload(Entry.draft_version), joinedload(Entry.published_version))
        .order_by(Entry.updated_at.desc(), Entry.id.desc())
        .offset((page - 1) * per_page).limit(per_page)).unique().all()
    return entries, total
