"""The deadline sweep as a periodic task of the background worker's scheduler (Huey), every hour.

Hourly rather than daily: a worker started late in the day, or down at the chosen hour, still sends the day's
reminders within the hour; the sweep is idempotent (each notice has its key), so running it often costs little.
"""
from __future__ import annotations

import logging

from flask import Flask

from app.core.db import transaction

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Registers the sweep on the app's job queue (made by the imports module's `init_app`, called before)."""
    from huey import crontab

    jobs = app.extensions["catalog_jobs"]

    @jobs.periodic_task(crontab(minute=str(app.config["DEADLINE_SWEEP_MINUTE"])), name="changes.sweep")
    def sweep_task():
        with app.app_context():
            run_sweep()


def run_sweep():
    from .reminders import sweep

    with transaction():
        result = sweep()
    log.info("deadline sweep: %s", result)
    return result
