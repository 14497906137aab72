"""Background jobs with Huey: SQLite storage for the embedded default (no server), Redis at scale.

The queue lives beside the database (`CATALOG_JOB_QUEUE`, default `sqlite:///instance/jobs.sqlite3`); a worker
(`flask --app wsgi catalog worker`) runs the tasks. Progress and cancel requests travel through Huey's key-value
store, not the catalog database: an import holds the database's write lock for its one transaction, and the
page polling its progress must not wait for it.
"""
from __future__ import annotations

import json
import logging

from flask import Flask, current_app

log = logging.getLogger(__name__)


def make_queue(app: Flask):
    from huey import RedisHuey, SqliteHuey

    url = app.config["JOB_QUEUE"]
    if url.startswith("redis://"):
        queue = RedisHuey("catalog", url=url)
    elif url.startswith("sqlite:///"):
        queue = SqliteHuey("catalog", filename=url[len("sqlite:///"):])
    elif url == "immediate":
        queue = SqliteHuey("catalog", immediate=True)
    else:
        raise ValueError(f"CATALOG_JOB_QUEUE: unsupported {url!r} (sqlite:///FILE, redis://HOST:PORT/DB)")
    _register_tasks(queue, app)
    return queue


def _register_tasks(queue, app: Flask) -> None:
    from . import services

    @queue.task(name="imports.check")
    def check_task(job_id: int):
        with app.app_context():
            services.run_check(job_id)

    @queue.task(name="imports.commit")
    def commit_task(job_id: int):
        with app.app_context():
            services.run_commit(job_id)

    queue.catalog_tasks = {"check": check_task, "commit": commit_task}


def queue():
    app = current_app._get_current_object()
    if "catalog_jobs" not in app.extensions:
        app.extensions["catalog_jobs"] = make_queue(app)
    return app.extensions["catalog_jobs"]


def enqueue(task: str, job_id: int) -> None:
    queue().catalog_tasks[task](job_id)


# ---- progress and cancellation, outside the catalog database ---------------------------------------------

def set_progress(job_id: int, **values) -> None:
    queue().storage.put_data(f"import:{job_id}:progress", json.dumps(values).encode())


def get_progress(job_id: int) -> dict:
    from huey.constants import EmptyData

    raw = queue().storage.peek_data(f"import:{job_id}:progress")
    if raw is None or raw is EmptyData:
        return {}
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return {}


def request_cancel(job_id: int) -> None:
    queue().storage.put_data(f"import:{job_id}:cancel", b"1")


def cancel_requested(job_id: int) -> bool:
    raw = queue().storage.peek_data(f"import:{job_id}:cancel")
    return raw == b"1"
