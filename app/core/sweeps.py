"""The hourly sweeps (deadlines, sharing, demands) on the background worker's scheduler (Huey), every hour at
`DEADLINE_SWEEP_MINUTE`.

Hourly rather than daily: a worker started late in the day, or down at the chosen hour, still sends the day's
reminders within the hour; each sweep is idempotent (each notice has its key), so running it often costs little.
"""
from __future__ import annotations

import logging
from typing import Callable

from flask import Flask

from .db import transaction

log = logging.getLogger(__name__)


def run(sweep: Callable[[], object], label: str):
    """One sweep in its own transaction, logged with what it did."""
    with transaction():
        result = sweep()
    log.info("%s: %s", label, result)
    return result


def register_hourly(app: Flask, name: str, run_sweep: Callable[[], object]) -> None:
    """`run_sweep` as a periodic task on the app's job queue (made by the imports module's `init_app`, first)."""
    from huey import crontab

    jobs = app.extensions["catalog_jobs"]

    @jobs.periodic_task(crontab(minute=str(app.config["DEADLINE_SWEEP_MINUTE"])), name=name)
    def sweep_task():
        with app.app_context():
            run_sweep()
