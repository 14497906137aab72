"""The import: a clean dry run's plan written through the catalog services, all rows or none.

The dry run reads and checks the file without the database's write lock (a read snapshot); the write that
follows is one short transaction, which first makes sure nothing the dry run relied on changed meanwhile.
"""
from __future__ import annotations

from typing import Callable

from app import audit, catalog
from app.catalog import Entry, policy
from app.core.db import transaction
from app.core.errors import InvalidInput, PermissionDenied
from app.extensions import db
from catalog_schema import Problem
from importers.problems import CellProblem

from . import original_dates
from .checking import PROGRESS_EVERY, Cancelled, Report, check, entries_by_name, name_key, row_problem

CHUNK = 1000


# ---- the import --------------------------------------------------------------------------------------------

def apply(plan: list[tuple], *, user, publish_reason: str | None = None,
          progress: Callable[[int], None] | None = None, cancelled: Callable[[], bool] | None = None) -> dict:
    """Write the plan through the catalog services; the caller's transaction makes it all or nothing.

    Entries enter the review workflow; an admin may instead publish them directly, giving a reason that is
    written to the audit log (the workflow's 不经审核直接发布, which never applies to a version in review). The
    original catalog's dates a row carries are kept only then (`original_dates`); otherwise InvalidInput.
    """
    publish = publish_reason is not None
    if publish and not policy.can_publish_directly(user):
        raise PermissionDenied("只有平台管理员可以导入后直接发布", "only admins may publish imported entries directly")
    reason = f"Excel 导入直接发布：{publish_reason.strip()}" if publish and publish_reason.strip() else ""
    if publish and not reason:
        raise InvalidInput([Problem("publish_reason", "直接发布原因", "「直接发布原因」为必填项",
                                    "a reason is required to publish directly")])
    # the original catalog's dates of each row (publish_directly checks them once more)
    created_dates = [original_dates.values_of(parsed) for action, _item, parsed in plan if action == "create"]
    updated_dates = [original_dates.values_of(parsed) for action, _item, parsed in plan if action == "update"]
    if not publish and any(created_dates + updated_dates):
        raise InvalidInput([Problem("publish_reason", "直接发布原因",
                                    f"{original_dates.labels()}只有直接发布时可填写：请写明直接发布原因，或清空这些列",
                                    "the original catalog's dates are kept only when publishing directly")])
    counts = {"created": 0, "updated": 0}
    # new entries in bulk: checked by `check_create` earlier in this transaction (see import_file)
    checked = [item for action, item, _parsed in plan if action == "create"]
    created = catalog.create_entries(checked, user=user, change_note="Excel 批量导入")
    counts["created"] = len(created)
    kept = dict(zip(created, created_dates))
    for start in range(0, len(created), CHUNK):  # a thousand at a time: memory stays flat however big the file
        if cancelled and cancelled():
            raise Cancelled()
        chunk = catalog.entries_by_id(created[start:start + CHUNK])
        _publish_or_submit(chunk, user=user, reason=reason, dates=kept)
        _release(chunk)
        if progress:
            progress(min(start + CHUNK, len(created)))
    updates = [(item[0], item[1], parsed) for action, item, parsed in plan if action == "update"]
    edits = []
    for number, (entry_id, base, parsed) in enumerate(updates, start=1):
        if cancelled and number % PROGRESS_EVERY == 0 and cancelled():
            raise Cancelled()
        edits.append(catalog.DraftEdit(db.session.get(Entry, entry_id), parsed.values, base))
    catalog.save_drafts(edits, user=user, change_note="Excel 批量导入", lookups=catalog.RegistryLookups(user))
    counts["updated"] = len(edits)
    kept = {edit.entry.id: d for edit, d in zip(edits, updated_dates)}
    _publish_or_submit([edit.entry for edit in edits], user=user, reason=reason, dates=kept)
    if progress:
        progress(len(plan))
    audit.record("import.commit", None, actor=user, department_id=user.department_id,
                 summary=f"Excel 导入：新增 {counts['created']}，修改 {counts['updated']}"
                         + (f"，直接发布（{publish_reason.strip()}）" if publish else "，已提交审核"),
                 details=counts)
    db.session.flush()
    return counts


def _publish_or_submit(entries: list[Entry], *, user, reason: str, dates: dict[int, dict]) -> None:
    if entries and reason:
        catalog.publish_directly(entries, user=user, reason=reason,
                                 original_dates={e.id: dates[e.id] for e in entries if dates.get(e.id)})
    elif entries:
        catalog.submit(entries, user=user, note="Excel 批量导入")


def _release(entries: list[Entry]) -> None:
    """Flush, then let the session forget these entries and their versions (they are written)."""
    db.session.flush()
    for entry in entries:
        for version in {entry.draft_version, entry.published_version} - {None}:
            db.session.expunge(version)
        db.session.expunge(entry)


def import_file(path, *, user, publish_reason: str | None = None, progress=None, cancelled=None,
                max_bytes: int | None = None) -> tuple[Report, dict]:
    """Dry run, then — only when it is clean — the import. Returns (report, counts).

    The dry run reads the file and checks every row in a read snapshot, without the write lock (on SQLite other
    users keep saving meanwhile). The write is one short transaction: it first makes sure nothing the dry run
    relied on changed since — a row's entry edited by someone else, a new row's name registered meanwhile —
    and if so writes nothing and returns the report with those rows' problems, to check again.
    """
    report, plan = check(path, user=user, cancelled=cancelled, max_bytes=max_bytes,
                         publish=publish_reason is not None)
    db.session.rollback()  # end the read snapshot: the write below starts its own (BEGIN IMMEDIATE on SQLite)
    if report.rejected or report.problems:
        return report, {}
    try:
        with transaction():  # any exception rolls all of it back
            changed = changed_since_check(plan, user=user)
            if changed:
                raise _ChangedSinceCheck(changed)
            counts = apply(plan, user=user, publish_reason=publish_reason, progress=progress, cancelled=cancelled)
    except _ChangedSinceCheck as moved:
        report.problems = moved.problems
        return report, {}
    except catalog.EditConflict:  # a save raced the write itself: say which rows, from a fresh read
        report.problems = changed_since_check(plan, user=user)
        db.session.rollback()
        return report, {}
    return report, counts


class _ChangedSinceCheck(Exception):
    def __init__(self, problems: list[CellProblem]):
        super().__init__(f"{len(problems)} row(s) changed since the dry run")
        self.problems = problems


def changed_since_check(plan: list[tuple], *, user) -> list[CellProblem]:
    """Rows whose ground moved between the dry run and the write (checked inside the write transaction)."""
    problems = []
    updates = {item[0]: (item[1], parsed) for action, item, parsed in plan if action == "update"}
    if updates:
        current = {e.id: e for e in catalog.entries_by_id(list(updates))}
        for entry_id, (base, parsed) in updates.items():
            entry = current.get(entry_id)
            if entry is None or catalog.BaseRef.of(entry.base_version) != base:
                problems.append(_changed_problem(parsed))
    created = [parsed for action, _item, parsed in plan if action == "create"]
    taken = entries_by_name(created, user)
    problems += [row_problem(parsed, "name", f"「信息资源名称」“{parsed.values.get('name')}”已在校验后由他人登记，请重新校验",
                              "the name was registered after the dry run; check the file again")
                 for parsed in created if name_key(parsed.values, user) in taken]
    return problems


def _changed_problem(parsed) -> CellProblem:
    return row_problem(parsed, "resource_code", "该信息资源在校验后被他人修改或提交，本次导入未写入任何内容，请重新校验",
                        "the entry changed after the dry run; nothing was written, check the file again")
