"""The sharing sweep as a periodic task of the worker's scheduler (with the deadline sweep, every hour)."""
from __future__ import annotations

import logging

from flask import Flask

from app.core.db import transaction

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """The hourly sweep on the app's job queue, and the download adapter's question "is this grant active?"."""
    from huey import crontab

    from app import adapters

    from .services import grant_is_active

    adapters.set_grant_checker(grant_is_active)

    jobs = app.extensions["catalog_jobs"]

    @jobs.periodic_task(crontab(minute=str(app.config["DEADLINE_SWEEP_MINUTE"])), name="sharing.sweep")
    def sweep_task():
        with app.app_context():
            run_sweep()


def run_sweep():
    from .reminders import sweep

    with transaction():
        result = sweep()
    log.info("sharing sweep: %s", result)
    return result
