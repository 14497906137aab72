"""Docking on the background worker: the run job, the hourly look for sources that are due, and the outbox
consumer that starts a run an admin asked for.

"Run now" writes an outbox message with its audit row (`services.request_run`); after the commit the consumer
queues the job, so a job is queued exactly when the request committed. Every hour (at DEADLINE_SWEEP_MINUTE, with
the other sweeps) the scheduler queues a job per active source whose schedule is due. A job may arrive twice:
`services.run_source` claims the source first, and the second finds it running and does nothing.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app

from app import outbox
from app.core import sweeps
from app.extensions import db

from . import services

log = logging.getLogger(__name__)
TASK_KEY = "harvest_run_task"


def init_app(app: Flask) -> None:
    jobs = app.extensions["catalog_jobs"]  # the queue, made by the imports module's init_app first

    @jobs.task(name="harvest.run")
    def run_task(source_id: int, full: bool = False, trigger: str = "schedule", user_id: int | None = None):
        with app.app_context():
            run_job(source_id, full=full, trigger=trigger, user_id=user_id)

    app.extensions[TASK_KEY] = run_task
    sweeps.register_hourly(app, "harvest.schedule", queue_due)


def run_job(source_id: int, *, full: bool = False, trigger: str = "schedule", user_id: int | None = None):
    """One run, as the worker does it (the user who asked is named in the audit log)."""
    from app.accounts import User

    actor = db.session.get(User, user_id) if user_id else None
    run = services.run_source(source_id, full=full, trigger=trigger, actor=actor)
    if run is None:
        log.info("harvest source %s: a run is already in progress", source_id)
    else:
        log.info("harvest source %s run %s: %s %s", source_id, run.id, run.state.value, run.summary())
    return run


def queue_due() -> list[int]:
    """The hourly look: queue a run of every source that is due by its schedule."""
    due = services.due_sources()
    db.session.rollback()
    task = current_app.extensions[TASK_KEY]
    for source_id in due:
        task(source_id, False, "schedule", None)
    if due:
        log.info("harvest: queued scheduled runs of sources %s", due)
    return due


def _start(payloads: list[dict]) -> None:
    task = current_app.extensions[TASK_KEY]
    for payload in payloads:
        task(payload["source_id"], bool(payload.get("full")), payload.get("trigger", "manual"), payload.get("user_id"))


outbox.register(services.START_TOPIC, _start, batch=50)
