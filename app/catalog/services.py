"""Catalog services: the only code that writes entries. Forms, API, Excel import and CLI all call these.

Each service checks permissions, validates through the schema, changes models, writes an audit entry and
flushes; the edge (request, command, import) commits once.
"""
from __future__ import annotations

import logging
from typing import Mapping

from flask import current_app
from sqlalchemy import func, insert, select, update

from app import audit
from app.core.db import utcnow
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.timefmt import local_today
from app.extensions import db
from app.org.models import Department
from catalog_schema import Problem, get_schema, validate_entry

from . import permissions, signals
from .codes import format_code, next_sequence, reserve_sequence
from .models import Category, Entry, EntryStatus, EntryVersion, VersionState

log = logging.getLogger(__name__)

# Stored on the entry row (identity), not in a version's data.
IDENTITY_KEYS = ("category_code", "provider")


class EditConflict(Conflict):
    """Someone saved the draft after this editor opened it; carries the draft as it is now."""

    def __init__(self, current: EntryVersion):
        super().__init__("保存冲突：其他人在您编辑期间保存了这份草稿。您的修改尚未保存，请对照下方差异确认后再次保存",
                         "the draft was saved by someone else in the meantime")
        self.current = current


class RegistryLookups:
    """What schema validation needs to know about the registry (existing categories and resource codes)."""

    def __init__(self):
        self._categories: set[str] | None = None

    def category_exists(self, code: str) -> bool:
        if self._categories is None:
            self._categories = set(db.session.scalars(select(Category.code)))
        return code in self._categories

    def missing_resource_codes(self, codes: list[str]) -> list[str]:
        if not codes:
            return []
        found = set(db.session.scalars(select(Entry.resource_code).where(Entry.resource_code.in_(codes))))
        return [c for c in codes if c not in found]


def get_entry_or_404(entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        raise NotFound("未找到该信息资源", "entry not found")
    return entry


def get_entry_by_code(resource_code: str) -> Entry | None:
    return db.session.scalar(select(Entry).where(Entry.resource_code == resource_code))


def _problem(key: str, message: str, message_en: str) -> Problem:
    return Problem(key, get_schema().label(key), message, message_en)


def _resolve_provider(values: Mapping, user) -> Department | None:
    raw = values.get("provider")
    if raw in (None, ""):
        return user.department if user is not None and getattr(user, "department", None) else None
    try:
        department = db.session.get(Department, int(raw))
    except (TypeError, ValueError):
        department = None
    if department is None:
        raise InvalidInput([_problem("provider", f"「信息资源提供方」“{raw}”不是已登记的部门",
                                     "provider is not a registered department")])
    return department


def _category_problems(category_code: str | None, department: Department) -> list[Problem]:
    """A department-class entry must sit under its own provider's node (部门信息资源类按部门编目)."""
    if not category_code or not category_code.startswith("3") or not department.category_code:
        return []
    if category_code.startswith(department.category_code):
        return []
    return [_problem("category_code",
                     f"「信息资源分类」“{category_code}”属于其他部门：部门信息资源类须选择本部门的分类“{department.category_code}”",
                     "a department-class entry must be classified under its provider's own node")]


def _version_data(clean: dict) -> dict:
    return {k: v for k, v in clean.items() if k not in IDENTITY_KEYS}


def check_create(values: Mapping, *, user, lookups: RegistryLookups | None = None) -> tuple[Department, dict]:
    """Every check `create_entry` makes, without writing: (provider department, clean values).

    Raises PermissionDenied or InvalidInput. The Excel dry run calls this for each new row.
    """
    department = _resolve_provider(values, user)
    if department is not None:
        permissions.require(
            permissions.can_compile(user, department.id),
            f"您只能为本部门编目，无权为“{department.name}”登记信息资源",
            "you may only compile entries for your own department")
    clean, problems = validate_entry({**values, "provider": department.id if department else None},
                                     lookups=lookups or RegistryLookups())
    if department is not None:
        problems += _category_problems(clean.get("category_code"), department)
    if problems:
        raise InvalidInput(problems)
    return department, clean


def create_entry(values: Mapping, *, user, lookups: RegistryLookups | None = None) -> Entry:
    """编目: register a new entry as a draft (version 1) with a freshly allocated resource code."""
    department, clean = check_create(values, user=user, lookups=lookups)
    category_code = clean["category_code"]
    sequence = next_sequence(category_code)
    entry = Entry(
        resource_code=format_code(category_code, sequence, current_app.config["RESOURCE_CODE_WIDTH"]),
        category_code=category_code,
        department_id=department.id,
        status=EntryStatus.draft,
    )
    version = EntryVersion(entry=entry, number=1, state=VersionState.draft, name=clean["name"],
                           data=_version_data(clean), created_by_id=user.id)
    db.session.add_all([entry, version])
    db.session.flush()
    entry.draft_version = version
    audit.record("entry.create", entry, actor=user, department_id=department.id,
                 summary=f"登记信息资源 {entry.resource_code} {clean['name']}")
    return entry


def create_checked_entries(checked: list[tuple[Department, dict]], *, user,
                           publish_note: str | None = None) -> list[tuple[int, int, dict]]:
    """Bulk 编目 for imports: entries that `check_create` accepted earlier in this same transaction.

    One statement per table instead of one unit of work per entry (10,000 entries in seconds, not minutes).
    With `publish_note` (checked by the caller: admins only) they are published at once, with today's release
    date, and reach the index through the outbox; otherwise they are version-1 drafts the caller submits.
    Returns (entry id, version id, version data) per entry, in the given order.
    """
    if not checked:
        return []
    publish = publish_note is not None
    if publish:
        permissions.require(permissions.can_publish(user), "只有主管部门审核员或平台管理员可以发布信息资源",
                            "only authority reviewers and admins may publish")
    now, width = utcnow(), current_app.config["RESOURCE_CODE_WIDTH"]
    wanted: dict[str, int] = {}
    for _department, clean in checked:
        wanted[clean["category_code"]] = wanted.get(clean["category_code"], 0) + 1
    next_number = {code: reserve_sequence(code, n) - n + 1 for code, n in wanted.items()}
    entry_rows, datas = [], []
    for department, clean in checked:
        code = clean["category_code"]
        entry_rows.append({"resource_code": format_code(code, next_number[code], width), "category_code": code,
                           "department_id": department.id, "created_at": now, "updated_at": now,
                           "status": EntryStatus.published if publish else EntryStatus.draft})
        next_number[code] += 1
        data = _version_data(clean)
        datas.append({**data, "release_date": local_today().isoformat()} if publish else data)
    entry_ids = db.session.scalars(insert(Entry).returning(Entry.id, sort_by_parameter_order=True), entry_rows).all()
    version_ids = db.session.scalars(insert(EntryVersion).returning(EntryVersion.id, sort_by_parameter_order=True), [
        {"entry_id": entry_id, "number": 1, "name": data["name"], "data": data, "lock_version": 1,
         "state": VersionState.published if publish else VersionState.draft, "created_by_id": user.id,
         "created_at": now, "updated_at": now, "change_note": publish_note,
         "published_at": now if publish else None, "published_by_id": user.id if publish else None}
        for entry_id, data in zip(entry_ids, datas)]).all()
    pointer = "published_version_id" if publish else "draft_version_id"
    db.session.execute(update(Entry), [{"id": e, pointer: v} for e, v in zip(entry_ids, version_ids)])
    rows = []
    for entry_id, entry_row, data in zip(entry_ids, entry_rows, datas):
        common = {"object_type": "entry", "object_id": entry_id, "actor_id": user.id,
                  "department_id": entry_row["department_id"]}
        rows.append({**common, "action": "entry.create",
                     "summary": f"登记信息资源 {entry_row['resource_code']} {data['name']}"})
        if publish:
            rows.append({**common, "action": "entry.publish",
                         "summary": f"发布信息资源 {entry_row['resource_code']} 第 1 版", "details": {"version": 1}})
    audit.record_many(rows)
    if publish:
        signals.entries_published.send(entry_ids, user=user)
    db.session.flush()
    return list(zip(entry_ids, version_ids, datas))


def check_update(entry: Entry, values: Mapping, *, user, lookups: RegistryLookups | None = None) -> dict:
    """Every check `update_draft` makes, without writing: the clean values. Raises PermissionDenied,
    Conflict (retired, or in review) or InvalidInput."""
    permissions.require(permissions.can_compile(user, entry.department_id),
                        f"您无权修改“{entry.department.name}”的信息资源",
                        "you may only edit your own department's entries")
    if entry.status == EntryStatus.retired:
        raise Conflict("该信息资源已停用，不能修改", "the entry is retired")
    if entry.draft_version is not None and not entry.draft_version.state.editable:
        raise Conflict("该信息资源正在审核中，不能修改；如需修改请先撤回提交",
                       "the entry is in review; withdraw it before editing")
    values = dict(values)
    problems: list[Problem] = []
    for key, current in (("category_code", entry.category_code), ("provider", entry.department_id)):
        given = values.get(key)
        if given not in (None, "") and str(given) != str(current):
            problems.append(_problem(key, f"「{get_schema().label(key)}」首次登记后不可更改；如需调整，请停用本资源后重新登记",
                                     f"{key} cannot change after the entry is created"))
        values[key] = current
    clean, more = validate_entry(values, lookups=lookups or RegistryLookups())
    problems += more
    if problems:
        raise InvalidInput(problems)
    return clean


def is_unchanged(entry: Entry, clean: dict) -> bool:
    """Whether `clean` equals the entry's working draft or its published version.

    Bulk import leaves such rows alone: re-importing an export of the published catalog must neither create
    versions nor overwrite a revision someone is working on.
    """
    data = _version_data(clean)
    return any(v is not None and _same(v.data, data) for v in (entry.draft_version, entry.published_version))


def update_draft(entry: Entry, values: Mapping, *, user, lock_version: int | None = None,
                 change_note: str | None = None, lookups: RegistryLookups | None = None) -> EntryVersion | None:
    """Save metadata as the entry's working draft.

    A published entry gets a new draft version (the published one stays visible). Returns the draft, or None
    when the values equal what is already there (nothing is written: re-saving is idempotent).
    Raises Conflict when `lock_version` is given and someone saved the draft in between.
    """
    clean = check_update(entry, values, user=user, lookups=lookups)
    data = _version_data(clean)

    draft = entry.draft_version
    if draft is not None:
        if lock_version is not None and lock_version != draft.lock_version:
            raise EditConflict(draft)
        if _same(draft.data, data):
            return None
        draft.data = data
        draft.name = clean["name"]
        draft.change_note = change_note or draft.change_note
        action, summary = "entry.update_draft", f"修改草稿 {entry.resource_code} 第 {draft.number} 版"
    else:
        published = entry.published_version
        if published is not None and _same(_without_release(published.data), data):
            return None
        number = (db.session.scalar(select(func.max(EntryVersion.number)).where(EntryVersion.entry_id == entry.id))
                  or 0) + 1
        draft = EntryVersion(entry=entry, number=number, state=VersionState.draft, name=clean["name"], data=data,
                             created_by_id=user.id, change_note=change_note)
        db.session.add(draft)
        db.session.flush()
        entry.draft_version = draft
        action, summary = "entry.revise", f"修订信息资源 {entry.resource_code}，新建第 {number} 版草稿"
    entry.updated_at = utcnow()
    db.session.flush()
    audit.record(action, entry, actor=user, department_id=entry.department_id, summary=summary,
                 details={"version": draft.number})
    db.session.flush()
    return draft


def _without_release(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "release_date"}


def _same(a: dict, b: dict) -> bool:
    return _without_release(a) == _without_release(b)


def publish(entry: Entry, *, user, note: str | None = None) -> EntryVersion:
    """发布: make the working draft the published version; the previous published version is kept as history."""
    permissions.require(permissions.can_publish(user), "只有主管部门审核员或平台管理员可以发布信息资源",
                        "only authority reviewers and admins may publish")
    draft = entry.draft_version
    if draft is None or entry.status == EntryStatus.retired:
        raise Conflict("该信息资源没有可发布的草稿", "the entry has no draft to publish")
    previous = entry.published_version
    if previous is not None:
        previous.state = VersionState.superseded
        db.session.flush()
    now = utcnow()
    draft.state = VersionState.published
    draft.published_at = now
    draft.published_by_id = user.id
    draft.data = {**draft.data, "release_date": local_today().isoformat()}
    if note:
        draft.change_note = note
    entry.published_version = draft
    entry.draft_version = None
    entry.status = EntryStatus.published
    entry.updated_at = now
    audit.record("entry.publish", entry, actor=user, department_id=entry.department_id,
                 summary=f"发布信息资源 {entry.resource_code} 第 {draft.number} 版", details={"version": draft.number})
    signals.entry_published.send(entry, user=user)
    db.session.flush()
    return draft


def retire(entry: Entry, *, user, reason: str) -> Entry:
    """停用: withdraw the entry from every catalog. Its code stays taken and every version stays in history."""
    permissions.require(permissions.can_retire(user, entry.department_id),
                        f"您无权停用“{entry.department.name}”的信息资源", "you may not retire this entry")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput([Problem("reason", "停用原因", "「停用原因」为必填项", "reason is required")])
    if len(reason) > 1000:
        raise InvalidInput([Problem("reason", "停用原因", "「停用原因」不能超过 1000 个字符", "reason is too long")])
    if entry.status == EntryStatus.retired:
        raise Conflict("该信息资源已经停用", "the entry is already retired")
    if entry.draft_version is not None:
        entry.draft_version.state = VersionState.discarded
        entry.draft_version = None
    entry.status = EntryStatus.retired
    entry.retired_at = utcnow()
    entry.retired_reason = reason
    db.session.flush()
    audit.record("entry.retire", entry, actor=user, department_id=entry.department_id,
                 summary=f"停用信息资源 {entry.resource_code}：{reason}")
    signals.entry_retired.send(entry, user=user)
    db.session.flush()
    return entry


def full_values(entry: Entry, version: EntryVersion) -> dict:
    """Every schema field of a version, identity fields included (for display, diff and export)."""
    return {
        **version.data,
        "category_code": entry.category_code,
        "provider": entry.department_id,
        "resource_code": entry.resource_code,
    }


__all__ = [
    "EditConflict", "RegistryLookups", "check_create", "check_update", "create_checked_entries", "create_entry",
    "is_unchanged", "full_values", "get_entry_by_code", "get_entry_or_404", "publish",
    "retire", "update_draft",
]
