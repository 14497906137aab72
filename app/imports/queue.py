"""The background job queue (Huey) and the jobs' progress and cancel flags.

Huey keeps its queue in SQLite for the embedded default (no server), Redis at scale (`CATALOG_JOB_QUEUE`); a
worker (`flask --app wsgi catalog worker`) runs the tasks. Progress and cancel requests travel through Huey's
key-value store, not the catalog database: an import holds the database's write lock for its one transaction,
and the page polling its progress must not wait for it. The tasks themselves are declared in `tasks.py`.
"""
from __future__ import annotations

import json
import time

from flask import Flask, current_app


def make_queue(app: Flask):
    from huey import RedisHuey, SqliteHuey

    url = app.config["JOB_QUEUE"]
    if url.startswith("redis://"):
        return RedisHuey("catalog", url=url)
    if url.startswith("sqlite:///"):
        return SqliteHuey("catalog", filename=url[len("sqlite:///"):])
    if url == "immediate":
        return SqliteHuey("catalog", immediate=True)
    raise ValueError(f"CATALOG_JOB_QUEUE: unsupported {url!r} (sqlite:///FILE, redis://HOST:PORT/DB)")


def queue():
    """The app's queue (made by `tasks.init_app` when the app is created)."""
    return current_app.extensions["catalog_jobs"]


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
    return queue().storage.peek_data(f"import:{job_id}:cancel") == b"1"


def beat(job_id: int) -> None:
    """The worker running a job says it is alive (see `services.jobs.heartbeat`)."""
    queue().storage.put_data(f"import:{job_id}:heartbeat", repr(time.time()).encode())


def last_beat(job_id: int) -> float | None:
    """When the worker running a job last said it was alive (a Unix time), if ever."""
    raw = queue().storage.peek_data(f"import:{job_id}:heartbeat")
    try:
        return float(raw)
    except (TypeError, ValueError):
        return None


def forget(job_id: int) -> None:
    """A job starts over: no progress, no cancel request, no heartbeat left from its last run."""
    for key in ("progress", "cancel", "heartbeat"):
        queue().storage.pop_data(f"import:{job_id}:{key}")
