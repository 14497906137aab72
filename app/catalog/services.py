"""Catalog services: the only code that writes entries. Forms, the Excel import, the demo and the API all call
these, with one item or ten thousand: the bulk-capable function is the implementation.

Each service checks permission and state through the workflows (app/catalog/workflows.py), validates through
the schema, changes models and flushes; the workflow engine writes the audit rows and announces each
transition, which the review records and the search outbox follow. The edge (request, command, job) commits.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Mapping, Sequence

from flask import current_app
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app.core.db import utcnow
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.timefmt import local_today
from app.extensions import db
from app.org import Department
from catalog_schema import Problem, get_schema, validate_entry, validate_import_only

from . import policy
from .codes import format_code, reserve_sequence
from .models import Category, Entry, EntryStatus, EntryVersion
from .workflows import APPROVE, ENTRY, RETURN, VERSION

log = logging.getLogger(__name__)

# Stored on the entry row (identity), not in a version's data.
IDENTITY_KEYS = ("category_code", "provider")
# The schema's import-only fields: the original catalog's dates an admin's import keeps (see `publish_directly`).
FIRST_PUBLISHED, LAST_UPDATED = "first_published_on", "last_updated_on"


class EditConflict(Conflict):
    """The edit was not based on the entry's current version (someone saved or published meanwhile, or the form
    carried no base at all). Carries the current version, shown beside what this editor typed."""

    def __init__(self, current: EntryVersion | None, *, missing_base: bool = False):
        if missing_base:
            message = "保存被拒绝：表单未注明所依据的版本（可能来自旧页面）。您的修改尚未保存，请对照下方内容确认后再次保存"
        else:
            message = "保存冲突：其他人在您编辑期间保存或发布了这条信息资源。您的修改尚未保存，请对照下方差异确认后再次保存"
        super().__init__(message, "the edit is not based on the current version")
        self.current = current


@dataclass(frozen=True)
class BaseRef:
    """The version an edit form was rendered from: its id and lock counter ("12:3")."""

    version_id: int
    lock_version: int

    @classmethod
    def parse(cls, raw) -> "BaseRef | None":
        text = str(raw or "")
        left, _, right = text.partition(":")
        if not (left.isdigit() and right.isdigit()) or len(text) > 40:
            return None
        return cls(int(left), int(right))

    @classmethod
    def of(cls, version: EntryVersion | None) -> "BaseRef | None":
        return cls(version.id, version.lock_version) if version is not None else None


@dataclass
class DraftEdit:
    """One entry's new values, and the version the editor started from."""

    entry: Entry
    values: Mapping
    base: BaseRef | None


class RegistryLookups:
    """What schema validation needs to know about the registry (existing categories and resource codes), as seen
    by `user`: a code of an entry they may not see (another department's draft) is as missing as an unknown one."""

    def __init__(self, user=None):
        self.user = user
        self._categories: set[str] | None = None

    def category_exists(self, code: str) -> bool:
        if self._categories is None:
            self._categories = set(db.session.scalars(select(Category.code)))
        return code in self._categories

    def missing_resource_codes(self, codes: list[str]) -> list[str]:
        if not codes:
            return []
        if self.user is None:  # the system itself (the demo generator) sees everything
            found = set(db.session.scalars(select(Entry.resource_code).where(Entry.resource_code.in_(codes))))
        else:
            found = visible_codes(codes, self.user)
        return [c for c in codes if c not in found]


def visible_codes(codes, user) -> set[str]:
    """The resource codes among `codes` whose entry `user` may see (the one visibility rule, policy.py)."""
    codes = list(dict.fromkeys(codes))
    if not codes:
        return set()
    entries = db.session.scalars(select(Entry).where(Entry.resource_code.in_(codes))
                                 .options(joinedload(Entry.published_version))).unique()
    return {entry.resource_code for entry in entries if policy.can_see_any(user, entry)}


# ---- reading ---------------------------------------------------------------------------------------------

def get_entry_or_404(entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id) if 0 < entry_id < 2 ** 31 else None
    if entry is None:
        raise NotFound("未找到该信息资源或页面", "not found")  # the same words as every 404 (app.core.http)
    return entry


def get_entry_by_code(resource_code: str) -> Entry | None:
    return db.session.scalar(select(Entry).where(Entry.resource_code == resource_code))


def full_values(entry: Entry, version: EntryVersion) -> dict:
    """Every schema field of a version, identity fields included (for display, diff and export), and the original
    catalog's dates of a version an admin imported with them (the schema's import-only fields)."""
    values = {**version.data, "category_code": entry.category_code, "provider": entry.department_id,
              "resource_code": entry.resource_code}
    for key, day in ((FIRST_PUBLISHED, version.original_published_on), (LAST_UPDATED, version.original_updated_on)):
        if day is not None:
            values[key] = day.isoformat()
    return values


def _problem(key: str, message: str, message_en: str) -> Problem:
    return Problem(key, get_schema().label(key), message, message_en)


def _version_data(clean: dict) -> dict:
    return {k: v for k, v in clean.items() if k not in IDENTITY_KEYS}


def _without_release(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "release_date"}


def _same(a: dict, b: dict) -> bool:
    return _without_release(a) == _without_release(b)


# ---- checks (the dry run of a write) --------------------------------------------------------------------

def _resolve_provider(values: Mapping, user) -> Department | None:
    raw = values.get("provider")
    if raw in (None, ""):
        return user.department if user is not None and getattr(user, "department", None) else None
    department = db.session.get(Department, int(raw)) if str(raw).isdigit() and len(str(raw)) < 19 else None
    if department is None:
        raise InvalidInput([_problem("provider", f"「信息资源提供方」“{str(raw)[:50]}”不是已登记的部门",
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


def check_create(values: Mapping, *, user, lookups: RegistryLookups | None = None) -> tuple[Department, dict]:
    """Every check `create_entries` makes for one entry, without writing: (provider department, clean values).

    Raises PermissionDenied or InvalidInput. The Excel dry run calls this for each new row.
    """
    department = _resolve_provider(values, user)
    if department is not None:
        policy.require_create(user, department)
    clean, problems = validate_entry({**values, "provider": department.id if department else None},
                                     lookups=lookups or RegistryLookups(user))
    if department is not None:
        problems += _category_problems(clean.get("category_code"), department)
    if problems:
        raise InvalidInput(problems)
    return department, clean


def check_update(entry: Entry, values: Mapping, *, user, lookups: RegistryLookups | None = None) -> dict:
    """Every check `save_drafts` makes for one entry, without writing: the clean values.

    Raises PermissionDenied, Conflict (retired, or in review) or InvalidInput.
    """
    policy.require_edit(user, entry)
    if entry.status == EntryStatus.retired:
        raise Conflict("该信息资源已停用，不能修改", "the entry is retired")
    working = entry.draft_version
    if working is not None and not working.state.editable:
        raise Conflict(f"该信息资源第 {working.number} 版正在{working.state.label}，不能修改或发布；"
                       "如需修改请先撤回提交", "the entry is in review; withdraw it before editing")
    values = dict(values)
    problems: list[Problem] = []
    for key, current in (("category_code", entry.category_code), ("provider", entry.department_id)):
        given = values.get(key)
        if given not in (None, "") and str(given) != str(current):
            problems.append(_problem(key, f"「{get_schema().label(key)}」首次登记后不可更改；如需调整，请停用本资源后重新登记",
                                     f"{key} cannot change after the entry is created"))
        values[key] = current
    clean, more = validate_entry(values, lookups=lookups or RegistryLookups(user))
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


# ---- creating --------------------------------------------------------------------------------------------

def create_entries(checked: Sequence[tuple[Department, dict]], *, user, change_note: str | None = None) -> list[int]:
    """编目: register entries that `check_create` accepted in this same transaction, as version-1 drafts.

    One statement per table whatever the number (ten thousand entries in seconds): codes are reserved per
    classification node at once, and the workflows record the creation of each entry and version.
    Returns the new entries' ids, in the given order.
    """
    if not checked:
        return []
    now, width = utcnow(), current_app.config["RESOURCE_CODE_WIDTH"]
    wanted: dict[str, int] = {}
    for _department, clean in checked:
        wanted[clean["category_code"]] = wanted.get(clean["category_code"], 0) + 1
    next_number = {code: reserve_sequence(code, n) - n + 1 for code, n in wanted.items()}
    codes = []
    for _department, clean in checked:
        codes.append(format_code(clean["category_code"], next_number[clean["category_code"]], width))
        next_number[clean["category_code"]] += 1
    related = [{"own": department.id} for department, _clean in checked]
    departments = [department.id for department, _clean in checked]
    names = [f"{code} {clean['name']}" for code, (_d, clean) in zip(codes, checked)]

    def insert_entries(state: str) -> list[int]:
        return db.session.scalars(insert(Entry).returning(Entry.id, sort_by_parameter_order=True), [
            {"resource_code": code, "category_code": clean["category_code"], "department_id": department.id,
             "created_at": now, "updated_at": now, "status": EntryStatus(state)}
            for code, (department, clean) in zip(codes, checked)]).all()

    entry_ids = ENTRY.create("create", actor=user, related=related, insert=insert_entries, names=names,
                             departments=departments,
                             details=lambda ids: [{"entry": i, "resource_code": c} for i, c in zip(ids, codes)])

    def insert_versions(state: str) -> list[int]:
        return db.session.scalars(insert(EntryVersion).returning(EntryVersion.id, sort_by_parameter_order=True), [
            {"entry_id": entry_id, "number": 1, "name": clean["name"], "data": _version_data(clean),
             "lock_version": 1, "state": state, "created_by_id": user.id, "created_at": now, "updated_at": now,
             "change_note": change_note}
            for entry_id, (_department, clean) in zip(entry_ids, checked)]).all()

    version_ids = VERSION.create("create", actor=user, related=related, insert=insert_versions,
                                 names=[f"{name} 第 1 版" for name in names], departments=departments,
                                 details=[{"entry": e, "version": 1} for e in entry_ids], note=change_note)
    db.session.execute(update(Entry), [{"id": e, "draft_version_id": v} for e, v in zip(entry_ids, version_ids)])
    return entry_ids


def create_entry(values: Mapping, *, user, lookups: RegistryLookups | None = None) -> Entry:
    """编目: register one new entry as a draft (version 1) with a freshly allocated resource code."""
    [entry_id] = create_entries([check_create(values, user=user, lookups=lookups)], user=user)
    return db.session.get(Entry, entry_id)


# ---- editing ---------------------------------------------------------------------------------------------

def _require_base(entry: Entry, base: BaseRef | None) -> None:
    """Mandatory optimistic locking: the edit must start from the entry's current version, as it is now."""
    current = entry.base_version
    if base is None:
        raise EditConflict(current, missing_base=True)
    if current is None or BaseRef.of(current) != base:
        raise EditConflict(current)


def save_drafts(edits: Sequence[DraftEdit], *, user, change_note: str | None = None,
                lookups: RegistryLookups | None = None) -> list[EntryVersion | None]:
    """Save metadata as each entry's working draft; a published entry gets a new draft version (its published
    version stays in the catalogs until the revision is published).

    Each edit must be based on the entry's current version (`DraftEdit.base`): otherwise EditConflict, and
    nothing is written. An edit equal to what is already there writes nothing and gives None.
    """
    lookups = lookups or RegistryLookups(user)
    results: list[EntryVersion | None] = []
    for edit in edits:
        entry = edit.entry
        clean = check_update(entry, edit.values, user=user, lookups=lookups)
        _require_base(entry, edit.base)
        data = _version_data(clean)
        draft = entry.draft_version
        if draft is not None:
            if _same(draft.data, data):
                results.append(None)
                continue
            VERSION.fire("edit", draft, actor=user, note=change_note)
            draft.data, draft.name = data, clean["name"]
            draft.change_note = change_note or draft.change_note
        else:
            published = entry.published_version
            if published is not None and _same(published.data, data):
                results.append(None)
                continue
            draft = _new_revision(entry, data, clean["name"], user, change_note)
        entry.updated_at = utcnow()
        results.append(draft)
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        # a concurrent save got in between the check and the write (the lock counter or the one-working-version
        # index refused ours): the same answer as a stale form
        if isinstance(error, IntegrityError) and "uq_entry_one_working" not in str(error.orig):
            raise
        raise EditConflict(None) from error
    return results


def _new_revision(entry: Entry, data: dict, name: str, user, change_note: str | None) -> EntryVersion:
    number = (db.session.scalar(select(func.max(EntryVersion.number)).where(EntryVersion.entry_id == entry.id))
              or 0) + 1
    made: list[EntryVersion] = []

    def insert_one(state: str) -> list[int]:
        version = EntryVersion(entry=entry, number=number, state=state, name=name, data=data,
                               created_by_id=user.id, change_note=change_note)
        db.session.add(version)
        db.session.flush()
        made.append(version)
        return [version.id]

    VERSION.create("create", actor=user, related=[{"own": entry.department_id}], insert=insert_one,
                   names=[f"{entry.resource_code} {name} 第 {number} 版"], departments=[entry.department_id],
                   details=[{"entry": entry.id, "version": number}], note=change_note)
    entry.draft_version = made[0]
    return made[0]


def update_draft(entry: Entry, values: Mapping, *, user, base: BaseRef | None, change_note: str | None = None,
                 lookups: RegistryLookups | None = None) -> EntryVersion | None:
    """Save one entry's working draft (see `save_drafts`)."""
    return save_drafts([DraftEdit(entry, values, base)], user=user, change_note=change_note, lookups=lookups)[0]


# ---- review transitions ------------------------------------------------------------------------------------

def _working(entries: Sequence[Entry], what: str) -> list[EntryVersion]:
    versions = []
    for entry in entries:
        if entry.draft_version is None:
            raise Conflict(f"信息资源“{entry.resource_code}”没有可{what}的版本", f"the entry has no version to {what}")
        versions.append(entry.draft_version)
    return versions


def _touch(entries: Sequence[Entry]) -> None:
    now = utcnow()
    for entry in entries:
        entry.updated_at = now


def submit(entries: Sequence[Entry], *, user, note: str | None = None) -> None:
    """提交审核: the working versions go to their departments' reviewers."""
    versions = _working(entries, "提交")
    note = (note or "").strip()[:1000] or None
    VERSION.fire_many("submit", versions, actor=user, note=note)
    for version in versions:
        version.change_note = note or version.change_note
    _touch(entries)
    db.session.flush()


def withdraw(entries: Sequence[Entry], *, user) -> None:
    """撤回: editors take submissions back to edit them."""
    VERSION.fire_many("withdraw", _working(entries, "撤回"), actor=user)
    _touch(entries)
    db.session.flush()


def _by_review_stage(entries: Sequence[Entry], transitions: dict[str, str], what: str) -> dict[str, list[Entry]]:
    groups: dict[str, list[Entry]] = {}
    for entry, version in zip(entries, _working(entries, what)):
        # a version not in review gets the department stage's transition, whose state check explains it
        groups.setdefault(transitions.get(version.state.value, transitions["department_review"]), []).append(entry)
    return groups


def approve(entries: Sequence[Entry], *, user, confirm: bool = False, comment: str | None = None) -> None:
    """审核通过: department approval sends a version to the authority; the authority's approval publishes it."""
    comment = (comment or "").strip()[:2000] or None
    for key, group in _by_review_stage(entries, APPROVE, "审核").items():
        versions = [e.draft_version for e in group]
        if key == "approve_authority":
            for version in versions:
                VERSION.check(key, version, actor=user, confirm=confirm)
            _publish(group, key, user, confirm=confirm, comment=comment)
        else:
            VERSION.fire_many(key, versions, actor=user, comment=comment)
            _touch(group)
    db.session.flush()


def return_(entries: Sequence[Entry], *, user, comment: str) -> None:
    """退回: back to the editor with a comment saying what to change."""
    for key, group in _by_review_stage(entries, RETURN, "退回").items():
        VERSION.fire_many(key, [e.draft_version for e in group], actor=user, comment=(comment or "").strip())
        _touch(group)
    db.session.flush()


def publish_directly(entries: Sequence[Entry], *, user, reason: str,
                     original_dates: Mapping[int, Mapping] | None = None) -> None:
    """不经审核直接发布: admins publish drafts at once (the demo, an import of an existing catalog), giving a
    reason that goes to the audit log. A version in review is never published this way.

    `original_dates` (entry id → the schema's import-only values, ``first_published_on`` and
    ``last_updated_on`` as ISO dates): a migrated catalog's own dates, kept instead of today's. The entry's
    发布日期 becomes the first publication, its last update (更新状态, the index's “updated” order) the last
    update, which defaults to the first publication. Dates in the future, or an update before the first
    publication, are refused (InvalidInput naming the entry).
    """
    reason = (reason or "").strip()
    for version in _working(entries, "发布"):
        VERSION.check("publish_directly", version, actor=user, reason=reason)
    dates = _original_dates(entries, original_dates or {})
    _publish(list(entries), "publish_directly", user, reason=reason, original=dates)
    db.session.flush()


def _original_dates(entries: Sequence[Entry], given: Mapping[int, Mapping]) -> dict[int, tuple]:
    """Entry id → (first publication, last update) as dates, checked through the schema (validate_import_only)."""
    out, problems, day = {}, [], local_today()
    for entry in entries:
        raw = given.get(entry.id)
        if not raw:
            continue
        clean, found = validate_import_only(raw, today=day)
        problems += [Problem(p.path, p.label, f"信息资源“{entry.resource_code}”：{p.message}", p.message_en)
                     for p in found]
        first = clean.get(FIRST_PUBLISHED)
        if first:
            first = dt.date.fromisoformat(first)
            last = dt.date.fromisoformat(clean[LAST_UPDATED]) if clean.get(LAST_UPDATED) else first
            out[entry.id] = (first, last)
    if problems:
        raise InvalidInput(problems)
    return out


def _publish(entries: list[Entry], key: str, user, *, original: Mapping[int, tuple] | None = None,
             **context) -> None:
    """The working versions become the published ones; the previous published versions become history.

    `original`: entry id → (first publication, last update) of the catalog an admin migrated it from."""
    previous = [e.published_version for e in entries if e.published_version is not None]
    if previous:
        VERSION.fire_internal("supersede", previous, actor=user)
        db.session.flush()  # one published version per entry: the old one steps down first
    versions = [e.draft_version for e in entries]
    VERSION.fire_many(key, versions, actor=user, **context)
    now, today = utcnow(), local_today().isoformat()
    for entry, version in zip(entries, versions):
        version.published_at, version.published_by_id = now, user.id
        first, last = (original or {}).get(entry.id, (None, None))
        version.original_published_on, version.original_updated_on = first, last
        version.data = {**version.data, "release_date": first.isoformat() if first else today}
        entry.published_version, entry.draft_version = version, None
        entry.updated_at = now
    ENTRY.fire_internal("publish", entries, actor=user)
    db.session.flush()


# ---- retiring --------------------------------------------------------------------------------------------

def retire(entries: Sequence[Entry], *, user, reason: str) -> None:
    """停用: withdraw entries from every catalog. Their codes stay taken and every version stays in history;
    a working version is discarded (and its pending review cancelled)."""
    reason = (reason or "").strip()
    ENTRY.fire_many("retire", entries, actor=user, reason=reason)
    working = [e.draft_version for e in entries if e.draft_version is not None]
    if working:
        VERSION.fire_internal("discard", working, actor=user, reason=reason)
    now = utcnow()
    for entry in entries:
        entry.draft_version = None
        entry.retired_at, entry.retired_reason, entry.updated_at = now, reason, now
    db.session.flush()


def entries_by_id(ids: Sequence[int]) -> list[Entry]:
    """Entries with both versions loaded, in the given order (for bulk transitions)."""
    found = {e.id: e for e in db.session.scalars(
        select(Entry).where(Entry.id.in_(list(ids)))
        .options(joinedload(Entry.draft_version), joinedload(Entry.published_version))).unique()}
    return [found[i] for i in ids if i in found]
