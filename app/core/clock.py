"""Today, as the registry counts it: the deployment's local date, or a fixed date when `CATALOG_TODAY` is set.

Every deadline, reminder and "overdue" reads `today()` from here and nothing else, so tests (and a demo that
wants to show a given day) move the clock by setting `TODAY` instead of sleeping or patching `datetime`. The
timestamps the registry stores (`app.core.db.utcnow`) follow the same day, so a version published "today" was
published on the day every deadline counts from.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def today() -> dt.date:
    fixed = current_app.config.get("TODAY")
    if fixed:
        return fixed if isinstance(fixed, dt.date) else dt.date.fromisoformat(str(fixed))
    return dt.datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def shifted(utc_now: dt.datetime) -> dt.datetime:
    """A naive UTC time moved to the fixed day, keeping the local time of day (so a version published "today"
    carries today's date, and the times of one day still order as they happened). Unchanged when no day is
    fixed, or outside the app."""
    if not has_app_context() or not current_app.config.get("TODAY"):
        return utc_now
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    local = utc_now.replace(tzinfo=dt.timezone.utc).astimezone(zone)
    moved = dt.datetime.combine(today(), local.time(), tzinfo=zone)
    return moved.astimezone(dt.timezone.utc).replace(tzinfo=None)
