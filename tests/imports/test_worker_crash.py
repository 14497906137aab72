"""A worker killed (SIGKILL) in the middle of an import's dry run, and again in the middle of its write.

The worker is the real command (`flask --app wsgi catalog worker`) in a process of its own, sharing the test's
database and job queue. After each kill a new worker notices the job's silence, fails it with the reason, and
the catalog holds nothing of the import; the uploader reruns it and it succeeds.
"""
from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from app.catalog import Entry, EntryVersion
from app.demo import generator as demo
from app.core.db import transaction
from app.extensions import db
from app.imports import services as imports
from app.imports.queue import get_progress as progress_of
from app.imports.models import ImportJob, JobState
from app.review import Review
from importers.export import write_entries
from tests.catalog.test_views import token
from tests.portal.test_portal import login

ROOT = pathlib.Path(__file__).resolve().parents[2]
ROWS = 3000  # enough that the dry run and the write each take a moment to kill in


@pytest.fixture
def spawn_worker(database_url):
    """Start `catalog worker` as its own process; every one started is killed at the end."""
    started = []

    def spawn() -> subprocess.Popen:
        env = {**os.environ, "CATALOG_DATABASE_URL": database_url, "CATALOG_JOB_HEARTBEAT_SECONDS": "0.2",
               "CATALOG_JOB_STALE_SECONDS": "2", "CATALOG_OUTBOX_POLL_SECONDS": "0.2"}
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "catalog", "worker"], cwd=ROOT,
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        started.append(process)
        return process

    yield spawn
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        process.stderr.close()


def workbook(path: pathlib.Path, department) -> pathlib.Path:
    """ROWS new entries of one department, from the demo city's templates, in the import template's layout."""
    templates = [t for t in demo.load_templates() if t.department_code == department.code]
    rows = [demo.template_values(t, department, name) for t, name in demo.plan(templates, ROWS, demo.DEFAULT_SEED)]
    write_entries(path, rows, **imports.reference())
    return path


def catalog_rows() -> tuple[int, int, int]:
    db.session.rollback()  # a fresh snapshot: the worker process commits on its own
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (Entry, EntryVersion, Review))


def job(job_id: int) -> ImportJob:
    db.session.rollback()  # a fresh snapshot: the worker process commits on its own
    return db.session.get(ImportJob, job_id)


def wait_for(predicate, what: str, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def post(client, url: str, **data):
    page = client.get("/").get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token(page), **data})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def kill_when(process, job_id: int, phase: str, done_at_least: int) -> None:
    wait_for(lambda: (progress_of(job_id).get("phase") == phase
                      and progress_of(job_id).get("done", 0) >= done_at_least),
             f"the {phase} to be under way")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def failed_with_reason(job_id: int) -> ImportJob:
    failed = wait_for(lambda: job(job_id).state == JobState.failed and job(job_id), "the job to be failed")
    assert "后台处理进程意外中止" in failed.error and "没有写入任何内容" in failed.error
    return failed


def test_a_killed_worker_fails_the_job_leaves_the_catalog_unchanged_and_a_rerun_succeeds(
        client, make_user, department, spawn_worker, tmp_path):
    police = department("市公安局")
    editor = make_user("editor", "市公安局")
    path = workbook(tmp_path / "目录.xlsx", police)
    before = catalog_rows()
    login(client, editor)

    # the dry run is under way when the worker dies
    worker = spawn_worker()
    with transaction(), path.open("rb") as handle:  # the upload page's service; its dry run starts after commit
        job_id = imports.start(FileStorage(handle, filename="目录.xlsx"), user=editor).id
    kill_when(worker, job_id, "check", 50)
    assert job(job_id).state == JobState.checking  # nobody has noticed yet
    worker = spawn_worker()
    failed_with_reason(job_id)
    html = client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "后台处理进程意外中止" in html and "重新运行" in html and "放弃此导入" in html
    assert catalog_rows() == before

    # rerun: the dry run completes; confirm; the write is under way when this worker dies too
    post(client, f"/imports/{job_id}/rerun")
    wait_for(lambda: job(job_id).state == JobState.checked, "the dry run to finish")
    assert job(job_id).report["new"] == ROWS and not job(job_id).report["problems"]
    post(client, f"/imports/{job_id}/commit")
    kill_when(worker, job_id, "commit", 1000)
    assert catalog_rows() == before  # the write was one transaction: nothing of it is left
    spawn_worker()
    failed_with_reason(job_id)
    assert catalog_rows() == before

    # the uploader reruns it once more, and this time it is imported
    post(client, f"/imports/{job_id}/rerun")
    wait_for(lambda: job(job_id).state == JobState.checked, "the dry run to finish")
    post(client, f"/imports/{job_id}/commit")
    wait_for(lambda: job(job_id).state == JobState.done, "the import to finish", timeout=120)
    entries, versions, reviews = catalog_rows()
    assert (entries, versions, reviews) == (before[0] + ROWS, before[1] + ROWS, before[2] + ROWS)
    assert "导入完成：新增 3000" in client.get(f"/imports/{job_id}").get_data(as_text=True)
