"""The demand sweep on the worker's scheduler, every hour (see `app.core.sweeps`)."""
from __future__ import annotations

from flask import Flask

from app.core import sweeps


def init_app(app: Flask) -> None:
    sweeps.register_hourly(app, "demands.sweep", run_sweep)


def run_sweep() -> int:
    from .services import sweep

    return sweeps.run(sweep, "demand sweep")
