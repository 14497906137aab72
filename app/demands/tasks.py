"""The demand sweep on the worker's scheduler (with the deadline sweeps, every hour)."""
from __future__ import annotations

from flask import Flask

from app.core.db import transaction


def init_app(app: Flask) -> None:
    from huey import crontab

    jobs = app.extensions["catalog_jobs"]

    @jobs.periodic_task(crontab(minute=str(app.config["DEADLINE_SWEEP_MINUTE"])), name="demands.sweep")
    def sweep_task():
        with app.app_context():
            run_sweep()


def run_sweep() -> int:
    from .services import sweep

    with transaction():
        return sweep()
