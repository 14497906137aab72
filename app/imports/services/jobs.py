"""Import jobs in the background: upload, dry run, confirmation, import; rerun and discard; dead workers.

A job's states are the `import_job` workflow's (app/imports/workflows.py). The uploader's actions (confirm,
rerun, discard) fire its transitions with their grants; the worker takes a job (start_check / start_commit)
under the row's lock, so a task delivered twice runs once, and says it is alive while it works (a heartbeat in
the job queue's store, which an import's long transaction does not block). A worker that finds a job whose
worker has gone silent fails it with the reason; the import being one transaction, nothing was written.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import pathlib
import threading
import time
import uuid
from typing import Iterator

from flask import current_app
from sqlalchemy import select

from app import outbox
from app.accounts import User
from app.catalog import policy
from app.core.db import transaction, utcnow
from app.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from app.core.timefmt import format_datetime
from app.extensions import db
from catalog_schema import Problem
from importers.problems import WorkbookRejected
from importers.reader import read_workbook

from .. import queue as jobs
from ..models import WORKING_STATES, ImportJob
from ..workflows import IMPORT_JOB
from . import original_dates
from .applying import import_file
from .checking import Cancelled, Report, check_entries, limits, reading_reference, write_report

log = logging.getLogger(__name__)
START_TOPIC = "imports.start"  # consumed by tasks.py, which enqueues the task


# ---- who may do what ---------------------------------------------------------------------------------------

def can_import(user) -> bool:
    """Editors and admins upload workbooks (each row is then checked against the user's own permissions)."""
    return IMPORT_JOB.may_create("upload", user, {"uploader": getattr(user, "id", None)})


def may_manage(user, job: ImportJob) -> bool:
    """A job is its uploader's; admins see and manage every job."""
    return IMPORT_JOB.granted(IMPORT_JOB.transition("confirm"), user, IMPORT_JOB.related(job))


def job_actions(user, job: ImportJob) -> dict[str, bool]:
    """Which of the uploader's buttons the job's page shows."""
    return {key: IMPORT_JOB.may(key, job, user) for key in ("confirm", "rerun", "discard")}


def get_job_or_404(job_id: int, *, user) -> ImportJob:
    job = db.session.get(ImportJob, job_id) if 0 < job_id < 2 ** 31 else None
    if job is None or not may_manage(user, job):
        raise NotFound("未找到该导入任务", "import job not found")
    return job


def jobs_of(user) -> list[ImportJob]:
    stmt = select(ImportJob).order_by(ImportJob.id.desc()).limit(50)
    if not IMPORT_JOB.granted(IMPORT_JOB.transition("confirm"), user, {"uploader": None}):
        stmt = stmt.where(ImportJob.user_id == user.id)
    return db.session.scalars(stmt).all()


# ---- the uploader's actions --------------------------------------------------------------------------------

def uploads_dir() -> pathlib.Path:
    path = pathlib.Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _job_path(job: ImportJob) -> pathlib.Path:
    return uploads_dir() / job.stored_as


def report_path(job: ImportJob) -> pathlib.Path | None:
    path = _job_path(job).with_suffix(".report.xlsx")
    return path if path.exists() else None


def _start(job: ImportJob, task: str) -> None:
    """The task starts after commit, through the outbox: never a job row without its start, or the reverse."""
    outbox.emit(START_TOPIC, f"import_job:{job.id}", {"task": task, "job_id": job.id})


def start(upload, *, user) -> ImportJob:
    """Keep an uploaded file and queue its dry run. `upload` is a werkzeug FileStorage."""
    name = (upload.filename or "").strip() or "upload.xlsx"
    stored = uploads_dir() / f"{uuid.uuid4().hex}.xlsx"
    upload.save(stored)
    upload.close()  # a large upload was spooled to a temporary file
    if stored.stat().st_size > current_app.config["IMPORT_MAX_BYTES"]:
        stored.unlink()
        limit = current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024)
        raise InvalidInput([Problem("file", "文件", f"文件过大：不能超过 {limit} MB", "the file is too large")])
    made: list[ImportJob] = []

    def insert(state: str) -> list[int]:
        job = ImportJob(user_id=user.id, filename=name[:255], stored_as=stored.name, state=state, report={})
        db.session.add(job)
        db.session.flush()
        made.append(job)
        return [job.id]

    IMPORT_JOB.create("upload", actor=user, related=[{"uploader": user.id}], insert=insert, names=[name[:255]],
                      departments=[user.department_id])
    _start(made[0], "check")
    return made[0]


def queue_commit(job: ImportJob, *, user, publish_reason: str | None) -> None:
    """Confirm a clean dry run: the import runs in the background."""
    if publish_reason is not None and not policy.can_publish_directly(user):
        raise PermissionDenied("只有平台管理员可以导入后直接发布", "only admins may publish imported entries directly")
    if publish_reason is not None and not publish_reason.strip():
        raise InvalidInput([Problem("publish_reason", "直接发布原因", "「直接发布原因」为必填项",
                                    "a reason is required to publish directly")])
    dated = job.report.get(original_dates.REPORT_KEY) or 0
    if publish_reason is None and dated:
        raise InvalidInput([Problem("publish_reason", "直接发布原因",
                                    f"文件中有 {dated} 条信息资源填写了{original_dates.labels()}：只有直接发布时才能保留这些日期。"
                                    "请勾选“直接发布”并写明原因，或清空这些列后重新上传",
                                    "rows carry the original catalog's dates, kept only when publishing directly")])
    IMPORT_JOB.fire("confirm", job, actor=user)
    job.publish_reason = publish_reason.strip() if publish_reason else None
    jobs.set_progress(job.id, phase="commit", done=0, total=job.report.get("new", 0) + job.report.get("changed", 0))
    _start(job, "commit")


def cancel(job: ImportJob, *, user) -> None:
    """Ask the worker to stop; it rolls back what it did and marks the job cancelled."""
    if not may_manage(user, job):
        raise PermissionDenied("只能取消您自己的导入", "you may only cancel your own imports")
    if not job.state.running:
        raise Conflict("该任务已结束，无法取消", "the job has already finished")
    jobs.request_cancel(job.id)


def rerun(job: ImportJob, *, user) -> None:
    """Start a failed or cancelled job over from its dry run (the file is kept)."""
    IMPORT_JOB.fire("rerun", job, actor=user)
    if not _job_path(job).exists():
        raise InvalidInput([Problem("file", "文件", "上传的文件已不存在，请重新上传", "the uploaded file is gone")])
    job.report, job.error, job.finished_at, job.worker_token, job.publish_reason = {}, None, None, None, None
    jobs.forget(job.id)
    _start(job, "check")


def discard(job: ImportJob, *, user) -> None:
    """Give a job up: nothing of it was imported; its files are deleted."""
    IMPORT_JOB.fire("discard", job, actor=user)
    job.finished_at = utcnow()
    for path in (_job_path(job), _job_path(job).with_suffix(".report.xlsx")):
        path.unlink(missing_ok=True)
    jobs.forget(job.id)


# ---- the worker's side -------------------------------------------------------------------------------------

def _take(job_id: int, key: str) -> bool:
    """Take the job for this run (queued → checking, commit_queued → committing) under the row's lock; False
    when another run took it, or it is no longer waiting (a task delivered twice does its work once)."""
    jobs.beat(job_id)  # before taking it: a job held by a worker always has a heartbeat
    with transaction():
        job = db.session.get(ImportJob, job_id, with_for_update=True)
        if job is None or job.state.value not in IMPORT_JOB.transition(key).source:
            return False
        IMPORT_JOB.fire_internal(key, [job], actor=None)
        job.worker_token = uuid.uuid4().hex
    return True


def _finish(job_id: int, key: str, *, report: dict | None = None, error: str | None = None) -> None:
    with transaction():
        job = db.session.get(ImportJob, job_id, with_for_update=True)
        IMPORT_JOB.fire_internal(key, [job], actor=None, reason=error)
        job.worker_token = None
        if report is not None:
            job.report = report
        job.error = error
        job.finished_at = utcnow()


@contextlib.contextmanager
def heartbeat(job_id: int) -> Iterator[None]:
    """While the block runs, say every JOB_HEARTBEAT_SECONDS that this worker is alive and working on the job."""
    app = current_app._get_current_object()
    stop = threading.Event()

    def beat_until_stopped():
        with app.app_context():
            while not stop.wait(app.config["JOB_HEARTBEAT_SECONDS"]):
                jobs.beat(job_id)

    thread = threading.Thread(target=beat_until_stopped, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def run_check(job_id: int) -> None:
    """The worker's dry run of one job: progress in the queue's store, the report in the job row."""
    if not _take(job_id, "start_check"):
        return
    with heartbeat(job_id):
        try:
            _check(job_id)
        except Cancelled:
            db.session.rollback()
            _finish(job_id, "cancel")
        except Exception as error:
            db.session.rollback()
            log.exception("import job %s: the dry run failed", job_id)
            _finish(job_id, "fail", error=f"校验时出错，未写入任何内容：{error}"[:1000])


def _check(job_id: int) -> None:
    job = db.session.get(ImportJob, job_id)
    user = db.session.get(User, job.user_id)
    path = _job_path(job)
    try:
        parsed = read_workbook(path, limits=limits(), reference=reading_reference(user))
    except WorkbookRejected as error:
        db.session.rollback()
        _finish(job_id, "finish_check", report=Report(rejected=error.message).as_dict())
        return
    total = len(parsed.entries)
    jobs.set_progress(job_id, phase="check", done=0, total=total)
    report, _plan = check_entries(parsed.entries, user=user, cancelled=lambda: jobs.cancel_requested(job_id),
                                  progress=lambda n: jobs.set_progress(job_id, phase="check", done=n, total=total))
    report.problems = parsed.problems + report.problems
    write_report(path, report, path.with_suffix(".report.xlsx"))
    db.session.rollback()
    _finish(job_id, "finish_check", report=report.as_dict())


def run_commit(job_id: int) -> None:
    """The worker's import of one job, in one transaction; cancelling rolls everything back."""
    if not _take(job_id, "start_commit"):
        return
    job = db.session.get(ImportJob, job_id)
    user = db.session.get(User, job.user_id)
    reason, stored_report = job.publish_reason, dict(job.report)
    total = stored_report.get("new", 0) + stored_report.get("changed", 0)
    with heartbeat(job_id):
        try:
            report, counts = import_file(
                _job_path(job), user=user, publish_reason=reason, cancelled=lambda: jobs.cancel_requested(job_id),
                progress=lambda n: jobs.set_progress(job_id, phase="commit", done=n, total=total))
        except Cancelled:
            _finish(job_id, "cancel")
            return
        except DomainError as error:
            _finish(job_id, "fail", error=error.message)
            return
        except Exception as error:
            db.session.rollback()
            log.exception("import job %s: the import failed", job_id)
            _finish(job_id, "fail", error=f"导入时出错，未写入任何内容：{error}"[:1000])
            return
    if report.problems or report.rejected:  # the catalog changed between the dry run and the import
        _finish(job_id, "recheck", report=report.as_dict())
        return
    _finish(job_id, "finish_commit", report={**stored_report, "result": counts})


def is_silent(job: ImportJob, *, now: float | None = None) -> bool:
    """Whether the worker holding this job has stopped saying it is alive (it died)."""
    if job.state.value not in WORKING_STATES:
        return False
    beat = jobs.last_beat(job.id)
    return beat is None or (now or time.time()) - beat > current_app.config["JOB_STALE_SECONDS"]


def reap_stale_jobs() -> int:
    """Fail every job whose worker went silent, with the reason (the worker's loop calls this). Returns how many."""
    now = time.time()
    silent = [job.id for job in db.session.scalars(select(ImportJob).where(ImportJob.state.in_(WORKING_STATES)))
              if is_silent(job, now=now)]
    db.session.rollback()
    failed = 0
    for job_id in silent:
        last = jobs.last_beat(job_id)
        when = format_datetime(utcnow() - dt.timedelta(seconds=now - last)) if last else "未知"
        try:
            with transaction():
                job = db.session.get(ImportJob, job_id, with_for_update=True)
                if not is_silent(job):
                    continue  # its worker spoke again, or another reaper was first
                IMPORT_JOB.fire_internal("fail", [job], actor=None, reason="后台处理进程意外中止")
                job.error = f"后台处理进程意外中止（最后一次响应于 {when}），没有写入任何内容。可以重新运行或放弃。"
                job.worker_token, job.finished_at = None, utcnow()
            failed += 1
        except DomainError:  # moved on meanwhile
            continue
    return failed
