"""The sharing sweep on the worker's scheduler, every hour (see `app.core.sweeps`)."""
from __future__ import annotations

from flask import Flask

from app.core import sweeps


def init_app(app: Flask) -> None:
    """The hourly sweep, and the download adapter's question "is this grant active?"."""
    from app import adapters

    from .services import grant_is_active

    adapters.set_grant_checker(grant_is_active)
    sweeps.register_hourly(app, "sharing.sweep", run_sweep)


def run_sweep():
    from .reminders import sweep

    return sweeps.run(sweep, "sharing sweep")
