"""Excel import and export services: a validated, idempotent, all-or-nothing bulk edit of the catalog.

`check` is the dry run: every row goes through the same schema and service checks as the web form
(`catalog.check_create` / `check_update`), nothing is written. `commit` re-reads the file and applies it in one
transaction through the same services as the form (create / update draft, then review or direct publication),
or changes nothing. Rows with a resource code update that entry (unchanged rows are left alone: re-importing a
file changes nothing); rows without one create entries.
"""
from __future__ import annotations

import logging
import pathlib
import uuid
from dataclasses import dataclass, field
from typing import Callable, Iterable

from flask import current_app
from sqlalchemy import func, select, update

from app import audit, catalog, outbox
from app.accounts import User
from app.catalog import Category, Entry, EntryStatus, EntryVersion, policy
from app.core.db import transaction, utcnow
from app.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from app.extensions import db
from app.org import Department
from app.portal import matching_ids, parse_search
from catalog_schema import Problem, validate_entry
from importers.guards import Limits
from importers.problems import CellProblem, WorkbookRejected
from importers.reader import ParsedEntry, problems_for, read_workbook

from . import queue as jobs
from .models import ImportJob, JobState

START_TOPIC = "imports.start"  # consumed by tasks.py, which enqueues the task

log = logging.getLogger(__name__)
PROGRESS_EVERY = 50
CHUNK = 1000


class Cancelled(Exception):
    """The person who started the job cancelled it; everything it did is rolled back."""


@dataclass
class Report:
    """What a dry run (or an import) found: counts and the problems per cell."""

    entries: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    problems: list[CellProblem] = field(default_factory=list)
    rejected: str | None = None

    def as_dict(self) -> dict:
        return {"entries": self.entries, "new": self.new, "changed": self.changed, "unchanged": self.unchanged,
                "problems": [p.as_dict() for p in self.problems], "rejected": self.rejected}


# ---- reference data --------------------------------------------------------------------------------------

def reference() -> dict:
    """Classification nodes and departments as plain tuples for `importers` (which knows no database)."""
    return {
        "categories": db.session.execute(select(Category.code, Category.name).order_by(Category.code)).all(),
        "departments": [(d.code, d.name, d.id) for d in
                        db.session.scalars(select(Department).order_by(Department.code))],
    }


def limits(max_bytes: int | None = None) -> Limits:
    config = current_app.config
    return Limits(max_bytes=max_bytes or config["IMPORT_MAX_BYTES"],
                  max_uncompressed=max(config["IMPORT_MAX_UNCOMPRESSED"], 10 * (max_bytes or 0)),
                  max_rows=config["IMPORT_MAX_ROWS"])


def write_template(path) -> None:
    from importers.template import write_template as write
    write(path, **reference(), example=None)


# ---- the dry run ------------------------------------------------------------------------------------------

def _row_problem(entry: ParsedEntry, path: str, message: str, message_en: str) -> CellProblem:
    return CellProblem.at(entry.source(path), entry.value_at(path) if path else entry.resource_code,
                          message, message_en)


def _code_problem(entry: ParsedEntry, error: DomainError) -> CellProblem:
    """A problem of the whole row, shown on its resource-code cell (or its first cell)."""
    ref = entry.columns.ref(entry.row, None) if entry.columns else None
    code_ref = entry.source("resource_code") if entry.resource_code else ref
    return CellProblem.at(code_ref or entry.source(""), entry.resource_code, error.message, error.message_en)


def check_entries(parsed_entries: list[ParsedEntry], *, user,
                  progress: Callable[[int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> tuple[Report, list[tuple]]:
    """Check every parsed entry as the form would; returns the report and the plan (what to do per entry).

    The report holds the problems the checks find; the caller adds the workbook's reading problems.
    """
    report = Report(entries=len(parsed_entries))
    lookups = catalog.RegistryLookups()
    plan = []
    codes = [e.resource_code for e in parsed_entries if e.resource_code]
    existing = {e.resource_code: e for e in db.session.scalars(select(Entry).where(Entry.resource_code.in_(codes)))}
    by_name = _entries_by_name([e for e in parsed_entries if not e.resource_code], user)
    seen_names: set[tuple] = set()
    for number, parsed in enumerate(parsed_entries, start=1):
        if cancelled and number % PROGRESS_EVERY == 0 and cancelled():
            raise Cancelled()
        if not parsed.resource_code:
            key = _name_key(parsed.values, user)
            if key in seen_names and key[1]:
                report.problems.append(_row_problem(parsed, "name", f"「信息资源名称」“{key[1]}”在文件中重复：同一提供方不宜登记同名资源",
                                                    "the same name appears twice for one provider"))
                continue
            seen_names.add(key)
        try:
            same_name = None if parsed.resource_code else by_name.get(_name_key(parsed.values, user))
            if parsed.resource_code or same_name is not None:
                entry = existing.get(parsed.resource_code) if parsed.resource_code else same_name
                if entry is None:
                    report.problems.append(_row_problem(
                        parsed, "resource_code", f"信息资源代码“{parsed.resource_code}”未登记：新资源请留空代码",
                        "resource code is not registered; leave it empty for a new entry"))
                    continue
                if _unchanged(entry, parsed, user, lookups):
                    report.unchanged += 1
                    continue
                catalog.check_update(entry, parsed.values, user=user, lookups=lookups)
                report.changed += 1
                plan.append(("update", (entry.id, catalog.BaseRef.of(entry.base_version)), parsed))
            else:
                checked = catalog.check_create(parsed.values, user=user, lookups=lookups)
                report.new += 1
                plan.append(("create", checked, parsed))
        except InvalidInput as error:
            report.problems += problems_for(parsed, error.problems)
        except (PermissionDenied, Conflict) as error:
            report.problems.append(_code_problem(parsed, error))
        if progress and number % PROGRESS_EVERY == 0:
            progress(number)
    if progress:
        progress(len(parsed_entries))
    return report, plan


def _unchanged(entry: Entry, parsed: ParsedEntry, user, lookups) -> bool:
    """The row equals the entry's working version or its published one (checked after permission, so another
    department's rows are refused rather than reported unchanged). Rows in review count too: re-importing the
    file that submitted them changes nothing."""
    policy.require_edit(user, entry)
    clean, problems = validate_entry({**parsed.values, "category_code": entry.category_code,
                                      "provider": entry.department_id}, lookups=lookups)
    return not problems and catalog.is_unchanged(entry, clean)


def _name_key(values: dict, user) -> tuple:
    provider = values.get("provider") or user.department_id
    return (str(provider), (values.get("name") or "").strip())


def _entries_by_name(parsed_entries: list[ParsedEntry], user) -> dict[tuple, Entry]:
    """Registered, not retired entries with the name and provider of a row that has no resource code.

    A provider does not register two resources of the same name (catalog-metadata.md element 2), so such a
    row is that entry: re-importing a file of new rows does not register them twice.
    """
    names = {(e.values.get("name") or "").strip() for e in parsed_entries} - {""}
    if not names:
        return {}
    current = EntryVersion.id == func.coalesce(Entry.draft_version_id, Entry.published_version_id)
    rows = db.session.execute(
        select(Entry, EntryVersion.name).join(EntryVersion, current)
        .where(Entry.status != EntryStatus.retired, EntryVersion.name.in_(names))).all()
    return {(str(entry.department_id), name): entry for entry, name in rows}


def check(path, *, user, progress=None, cancelled=None, max_bytes: int | None = None) -> tuple[Report, list[tuple]]:
    """The dry run of a file: reading problems, then every entry's checks. Writes nothing.

    `max_bytes` raises the upload limit for files an administrator imports from the command line.
    """
    try:
        parsed = read_workbook(path, limits=limits(max_bytes), **reference())
    except WorkbookRejected as error:
        return Report(rejected=error.message), []
    report, plan = check_entries(parsed.entries, user=user, progress=progress, cancelled=cancelled)
    report.problems = parsed.problems + report.problems
    return report, plan


# ---- the import --------------------------------------------------------------------------------------------

def apply(plan: list[tuple], *, user, publish_reason: str | None = None,
          progress: Callable[[int], None] | None = None, cancelled: Callable[[], bool] | None = None) -> dict:
    """Write the plan through the catalog services; the caller's transaction makes it all or nothing.

    Entries enter the review workflow; an admin may instead publish them directly, giving a reason that is
    written to the audit log (the workflow's 不经审核直接发布, which never applies to a version in review).
    """
    publish = publish_reason is not None
    if publish and not policy.can_publish_directly(user):
        raise PermissionDenied("只有平台管理员可以导入后直接发布", "only admins may publish imported entries directly")
    reason = f"Excel 导入直接发布：{publish_reason.strip()}" if publish and publish_reason.strip() else ""
    if publish and not reason:
        raise InvalidInput([Problem("publish_reason", "直接发布原因", "「直接发布原因」为必填项",
                                    "a reason is required to publish directly")])
    counts = {"created": 0, "updated": 0}
    # new entries in bulk: checked by `check_create` earlier in this transaction (see import_file)
    checked = [item for action, item, _parsed in plan if action == "create"]
    created = catalog.create_entries(checked, user=user, change_note="Excel 批量导入")
    counts["created"] = len(created)
    for start in range(0, len(created), CHUNK):  # a thousand at a time: memory stays flat however big the file
        if cancelled and cancelled():
            raise Cancelled()
        chunk = catalog.entries_by_id(created[start:start + CHUNK])
        _publish_or_submit(chunk, user=user, reason=reason)
        _release(chunk)
        if progress:
            progress(min(start + CHUNK, len(created)))
    updates = [(item[0], item[1], parsed) for action, item, parsed in plan if action == "update"]
    edits = []
    for number, (entry_id, base, parsed) in enumerate(updates, start=1):
        if cancelled and number % PROGRESS_EVERY == 0 and cancelled():
            raise Cancelled()
        edits.append(catalog.DraftEdit(db.session.get(Entry, entry_id), parsed.values, base))
    catalog.save_drafts(edits, user=user, change_note="Excel 批量导入", lookups=catalog.RegistryLookups())
    counts["updated"] = len(edits)
    _publish_or_submit([edit.entry for edit in edits], user=user, reason=reason)
    if progress:
        progress(len(plan))
    audit.record("import.commit", None, actor=user, department_id=user.department_id,
                 summary=f"Excel 导入：新增 {counts['created']}，修改 {counts['updated']}"
                         + (f"，直接发布（{publish_reason.strip()}）" if publish else "，已提交审核"),
                 details=counts)
    db.session.flush()
    return counts


def _publish_or_submit(entries: list[Entry], *, user, reason: str) -> None:
    if entries and reason:
        catalog.publish_directly(entries, user=user, reason=reason)
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

    Both run in one transaction, so what was checked is what is written (new entries are not validated a
    second time); on SQLite that transaction holds the write lock while the file is read.
    """
    with transaction():
        report, plan = check(path, user=user, cancelled=cancelled, max_bytes=max_bytes)
        if report.rejected or report.problems:
            return report, {}
        counts = apply(plan, user=user, publish_reason=publish_reason, progress=progress, cancelled=cancelled)
    return report, counts


# ---- background jobs ----------------------------------------------------------------------------------------

def uploads_dir() -> pathlib.Path:
    path = pathlib.Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def start(upload, *, user) -> ImportJob:
    """Keep an uploaded file and queue its dry run. `upload` is a werkzeug FileStorage."""
    name = (upload.filename or "").strip() or "upload.xlsx"
    stored = uploads_dir() / f"{uuid.uuid4().hex}.xlsx"
    upload.save(stored)
    if stored.stat().st_size > current_app.config["IMPORT_MAX_BYTES"]:
        stored.unlink()
        limit = current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024)
        raise InvalidInput([Problem("file", "文件", f"文件过大：不能超过 {limit} MB", "the file is too large")])
    job = ImportJob(user_id=user.id, filename=name[:255], stored_as=stored.name, state=JobState.queued, report={})
    db.session.add(job)
    db.session.flush()
    audit.record("import.upload", job, actor=user, department_id=user.department_id, summary=f"上传导入文件 {name}")
    _start(job, "check")
    return job


def _start(job: ImportJob, task: str) -> None:
    """The task starts after commit, through the outbox: never a job row without its start, or the reverse."""
    outbox.emit(START_TOPIC, f"import_job:{job.id}", {"task": task, "job_id": job.id})


def can_import(user) -> bool:
    """Importing compiles entries: the editors of a department and admins (the catalog's create grant)."""
    return bool(policy.compile_scope(user))


def may_manage(user, job: ImportJob) -> bool:
    """A job is its uploader's; admins (who may compile for any department) see and manage every job."""
    return job.user_id == getattr(user, "id", None) or policy.compile_scope(user) == "all"


def get_job_or_404(job_id: int, *, user) -> ImportJob:
    job = db.session.get(ImportJob, job_id) if 0 < job_id < 2 ** 31 else None
    if job is None or not may_manage(user, job):
        raise NotFound("未找到该导入任务", "import job not found")
    return job


def queue_commit(job: ImportJob, *, user, publish_reason: str | None) -> None:
    """Confirm a clean dry run: the import runs in the background."""
    if not may_manage(user, job):
        raise PermissionDenied("只能导入您自己上传的文件", "you may only import your own uploads")
    if not job.clean:
        raise Conflict("只有校验无误的文件才能导入", "only a file whose dry run is clean can be imported")
    if publish_reason is not None and not policy.can_publish_directly(user):
        raise PermissionDenied("只有平台管理员可以导入后直接发布", "only admins may publish imported entries directly")
    if publish_reason is not None and not publish_reason.strip():
        raise InvalidInput([Problem("publish_reason", "直接发布原因", "「直接发布原因」为必填项",
                                    "a reason is required to publish directly")])
    job.state = JobState.committing
    job.publish_reason = publish_reason.strip() if publish_reason else None
    jobs.set_progress(job.id, phase="commit", done=0, total=job.report.get("new", 0) + job.report.get("changed", 0))
    _start(job, "commit")


def cancel(job: ImportJob, *, user) -> None:
    if not may_manage(user, job):
        raise PermissionDenied("只能取消您自己的导入", "you may only cancel your own imports")
    if not job.state.running:
        raise Conflict("该任务已结束，无法取消", "the job has already finished")
    jobs.request_cancel(job.id)


def _finish(job_id: int, state: JobState, report: dict | None = None, error: str | None = None) -> None:
    with transaction():
        job = db.session.get(ImportJob, job_id)
        job.state = state
        job.worker_token = None
        if report is not None:
            job.report = report
        job.error = error
        job.finished_at = utcnow()


def _job_path(job: ImportJob) -> pathlib.Path:
    return uploads_dir() / job.stored_as


def _claim(job_id: int, expected: JobState, running: JobState) -> bool:
    """Take the job for this worker (expected → running) unless another run already took it: a task that
    arrives twice does its work once."""
    with transaction():
        taken = db.session.execute(update(ImportJob).where(
            ImportJob.id == job_id, ImportJob.state == expected, ImportJob.worker_token.is_(None))
            .values(state=running, worker_token=uuid.uuid4().hex)).rowcount
    return taken == 1


def run_check(job_id: int) -> None:
    """The worker's dry run of one job: progress in the queue's store, the report in the job row."""
    if not _claim(job_id, JobState.queued, JobState.checking):
        return
    job = db.session.get(ImportJob, job_id)
    user = db.session.get(User, job.user_id)
    path = _job_path(job)
    try:
        parsed = read_workbook(path, limits=limits(), **reference())
    except WorkbookRejected as error:
        _finish(job_id, JobState.checked, Report(rejected=error.message).as_dict())
        return
    total = len(parsed.entries)
    jobs.set_progress(job_id, phase="check", done=0, total=total)
    try:
        report, _plan = check_entries(parsed.entries, user=user, cancelled=lambda: jobs.cancel_requested(job_id),
                                      progress=lambda n: jobs.set_progress(job_id, phase="check", done=n, total=total))
    except Cancelled:
        _finish(job_id, JobState.cancelled)
        return
    report.problems = parsed.problems + report.problems
    if report.problems:
        from importers.annotate import annotate
        annotate(path, report.problems, path.with_suffix(".report.xlsx"))
    db.session.rollback()
    _finish(job_id, JobState.checked, report.as_dict())


def run_commit(job_id: int) -> None:
    """The worker's import of one job, in one transaction; cancelling rolls everything back."""
    if not _claim(job_id, JobState.committing, JobState.committing):
        return
    job = db.session.get(ImportJob, job_id)
    user = db.session.get(User, job.user_id)
    reason = job.publish_reason
    total = job.report.get("new", 0) + job.report.get("changed", 0)
    try:
        report, counts = import_file(
            _job_path(job), user=user, publish_reason=reason, cancelled=lambda: jobs.cancel_requested(job_id),
            progress=lambda n: jobs.set_progress(job_id, phase="commit", done=n, total=total))
    except Cancelled:
        _finish(job_id, JobState.cancelled)
        return
    except DomainError as error:
        _finish(job_id, JobState.failed, error=error.message)
        return
    if report.problems or report.rejected:  # the data changed between the dry run and the import
        _finish(job_id, JobState.checked, report.as_dict())
        return
    _finish(job_id, JobState.done, {**job.report, "result": counts})


def report_path(job: ImportJob) -> pathlib.Path | None:
    path = _job_path(job).with_suffix(".report.xlsx")
    return path if path.exists() else None


def jobs_of(user) -> list[ImportJob]:
    stmt = select(ImportJob).order_by(ImportJob.id.desc()).limit(50)
    if policy.compile_scope(user) != "all":
        stmt = stmt.where(ImportJob.user_id == user.id)
    return db.session.scalars(stmt).all()


# ---- export --------------------------------------------------------------------------------------------------

def export_rows(entry_ids: Iterable[int]) -> Iterable[dict]:
    """Published entries as the template's rows (resource code and provider included), in batches.

    Plain rows, not ORM objects: a 100,000-entry export keeps nothing in the session.
    """
    ids = list(entry_ids)
    for start_at in range(0, len(ids), 1000):
        batch = ids[start_at:start_at + 1000]
        rows = db.session.execute(
            select(Entry.id, Entry.resource_code, Entry.category_code, Entry.department_id, EntryVersion.data)
            .join(EntryVersion, Entry.published_version_id == EntryVersion.id)
            .where(Entry.id.in_(batch), Entry.status == EntryStatus.published)).all()
        by_id = {row.id: row for row in rows}
        for entry_id in batch:
            row = by_id.get(entry_id)
            if row is not None:
                yield {**row.data, "resource_code": row.resource_code, "category_code": row.category_code,
                       "provider": row.department_id}


def matching_export_ids(args, *, user) -> list[int]:
    """The entries an export of this search writes: what the user may see (the public: the open catalog)."""
    plain, filters = parse_search(args)
    return matching_ids(plain, filters, public_only=policy.public_only(user))


def export(path, entry_ids: Iterable[int]) -> None:
    from importers.export import write_entries
    write_entries(path, export_rows(entry_ids), **reference())
