"""Dates are stored in UTC and shown in the deployment's time zone (Asia/Shanghai by default)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app


def local(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return value.replace(tzinfo=dt.timezone.utc).astimezone(zone)


def local_today() -> dt.date:
    from .clock import today

    return today()


def format_datetime(value: dt.datetime | None) -> str:
    shown = local(value)
    return shown.strftime("%Y-%m-%d %H:%M") if shown else ""
