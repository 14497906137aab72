"""The import's background tasks, and the outbox consumer that starts them.

A job is started by an outbox message written in the same transaction as the job row (`imports.start`), so a
job exists exactly when its start does: if the queue cannot take the task right now, the message stays and the
worker retries it. A task may therefore arrive twice; `services.run_check` / `run_commit` claim the job first
and do nothing if someone else has.
"""
from __future__ import annotations

from flask import Flask

from app import outbox

from . import services
from .queue import make_queue, queue

TOPIC = "imports.start"


def init_app(app: Flask) -> None:
    jobs = make_queue(app)

    @jobs.task(name="imports.check")
    def check_task(job_id: int):
        with app.app_context():
            services.run_check(job_id)

    @jobs.task(name="imports.commit")
    def commit_task(job_id: int):
        with app.app_context():
            services.run_commit(job_id)

    jobs.catalog_tasks = {"check": check_task, "commit": commit_task}
    app.extensions["catalog_jobs"] = jobs


def _start(payloads: list[dict]) -> None:
    tasks = queue().catalog_tasks
    for payload in payloads:
        tasks[payload["task"]](payload["job_id"])


outbox.register(TOPIC, _start, batch=50)
