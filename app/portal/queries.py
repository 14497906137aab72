"""Read-side queries over published entries, with the visibility rule applied in one place."""
from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload

from app.catalog.models import Category, Entry, EntryStatus, EntryVersion
from app.extensions import db
from app.org.models import Department


def is_government(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def visible_published(user) -> Select:
    """Published entries this user may see: all for government users, only the open catalog for the public."""
    stmt = (select(Entry).join(EntryVersion, Entry.published_version_id == EntryVersion.id)
            .where(Entry.status == EntryStatus.published))
    if not is_government(user):
        stmt = stmt.where(EntryVersion.data["open_to_public"].as_boolean().is_(True),
                          func.coalesce(EntryVersion.data["secret"].as_boolean(), False).is_(False))
    return stmt


def can_see(user, entry: Entry) -> bool:
    if entry.status != EntryStatus.published or entry.published_version is None:
        return False
    if is_government(user):
        return True
    data = entry.published_version.data
    return bool(data.get("open_to_public")) and not data.get("secret")


def apply_filters(stmt: Select, args: dict) -> Select:
    if args.get("sharing_type"):
        stmt = stmt.where(EntryVersion.data["sharing_type"].as_string() == args["sharing_type"])
    if args.get("department"):
        stmt = stmt.where(Entry.department_id == args["department"])
    if args.get("category"):
        stmt = stmt.where(Entry.category_code.startswith(args["category"], autoescape=True))
    if args.get("q"):
        stmt = stmt.where(EntryVersion.name.contains(args["q"], autoescape=True))
    return stmt


def page_of_entries(user, args: dict, page: int, per_page: int) -> tuple[list[Entry], int]:
    base = apply_filters(visible_published(user), args)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = db.session.scalars(
        base.options(contains_eager(Entry.published_version), joinedload(Entry.department))
        .order_by(Entry.updated_at.desc(), Entry.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).unique().all()
    return list(rows), total


def counts(user) -> dict:
    """Totals for the home page: by sharing type, by classification (类 and 项), by department."""
    base = visible_published(user).subquery()
    sharing_type = EntryVersion.data["sharing_type"].as_string()
    visible = visible_published(user).with_only_columns(Entry.id)
    by_sharing = dict(db.session.execute(
        select(sharing_type, func.count()).select_from(Entry)
        .join(EntryVersion, Entry.published_version_id == EntryVersion.id)
        .where(Entry.id.in_(visible)).group_by(sharing_type)).all())
    by_item = db.session.execute(
        select(func.substr(base.c.category_code, 1, 3), func.count()).group_by(func.substr(base.c.category_code, 1, 3))
    ).all()
    by_department = db.session.execute(
        select(Department.id, Department.name, func.count()).join(base, base.c.department_id == Department.id)
        .group_by(Department.id, Department.name).order_by(func.count().desc(), Department.name).limit(12)
    ).all()
    names = dict(db.session.execute(
        select(Category.code, Category.name).where(Category.code.in_([c for c, _n in by_item] + ["1", "2", "3"]))).all())
    by_class: dict[str, int] = {}
    for code, n in by_item:
        by_class[code[:1]] = by_class.get(code[:1], 0) + n
    open_count = db.session.scalar(
        select(func.count()).select_from(visible_published(None).subquery()))
    return {
        "total": sum(by_class.values()),
        "open": open_count,
        "by_sharing": by_sharing,
        "by_class": [(c, names.get(c, c), n) for c, n in sorted(by_class.items())],
        "by_item": [(c, names.get(c, c), n) for c, n in sorted(by_item, key=lambda r: -r[1])],
        "by_department": by_department,
        "departments": db.session.scalar(select(func.count(Department.id))),
    }
