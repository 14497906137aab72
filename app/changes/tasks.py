"""The deadline sweep on the worker's scheduler, every hour (see `app.core.sweeps`)."""
from __future__ import annotations

from flask import Flask

from app.core import sweeps


def init_app(app: Flask) -> None:
    sweeps.register_hourly(app, "changes.sweep", run_sweep)


def run_sweep():
    from .reminders import sweep

    return sweeps.run(sweep, "deadline sweep")
