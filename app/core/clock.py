"""Today, as the registry counts it: the deployment's local date, or a fixed date when `CATALOG_TODAY` is set.

Every deadline, reminder and "overdue" reads `today()` from here and nothing else, so tests (and a demo that
wants to show a given day) move the clock by setting `TODAY` instead of sleeping or patching `datetime`.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app


def today() -> dt.date:
    fixed = current_app.config.get("TODAY")
    if fixed:
        return fixed if isinstance(fixed, dt.date) else dt.date.fromisoformat(str(fixed))
    return dt.datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
