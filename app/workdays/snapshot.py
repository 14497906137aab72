"""What the admin entered, read once per process and kept until it changes.

The sweep computes thousands of deadlines; reading the calendar tables for each would be slow. So each process
keeps the admin's days, years and deadline settings in memory with a *stamp* (row counts and the latest entry
time of the three tables). A unit of work reads the stamp once — one cheap query per transaction — and reloads
only when it differs, so every gunicorn worker sees an admin's change from its next transaction on. A write
through the services sets `entered_at`/`changed_at` to now, so it always moves the stamp; a rolled-back write
leaves the stamp of the committed rows, so its uncommitted rows never stay in the cache.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db

from .models import CalendarDay, CalendarYear, DeadlineSetting

_SESSION_KEY = "workdays.snapshot"


@dataclass(frozen=True)
class YearEntry:
    published: bool
    source: str
    entered_at: dt.datetime | None
    entered_by: str


@dataclass(frozen=True)
class Snapshot:
    stamp: tuple
    days: dict[dt.date, tuple[str, str]]  # day -> (kind, name)
    years: dict[int, YearEntry]
    settings: dict[str, str]
    # per-year working-day flags and their running counts, computed on first use (see calendar.py)
    memo: dict = field(default_factory=dict, compare=False)


def _stamp() -> tuple:
    counted = [(func.count(CalendarDay.day), func.max(CalendarDay.entered_at)),
               (func.count(CalendarYear.year), func.max(CalendarYear.entered_at)),
               (func.count(DeadlineSetting.key), func.max(DeadlineSetting.changed_at))]
    columns = [select(expression).scalar_subquery() for pair in counted for expression in pair]
    return tuple(db.session.execute(select(*columns)).one())


def _load(stamp: tuple) -> Snapshot:
    days = {row.day: (row.kind, row.name) for row in db.session.scalars(select(CalendarDay))}
    years = {row.year: YearEntry(row.published, row.source or "", row.entered_at,
                                 row.entered_by.display_name if row.entered_by else "")
             for row in db.session.scalars(select(CalendarYear))}
    settings = {row.key: row.value for row in db.session.scalars(select(DeadlineSetting))}
    return Snapshot(stamp, days, years, settings)


def current() -> Snapshot:
    """The admin's entries as this unit of work sees them (cached per process, checked once per transaction)."""
    session = db.session()
    transaction = session.get_transaction()
    memo = session.info.get(_SESSION_KEY)
    if memo is not None and transaction is not None and memo[0] is transaction:
        return memo[1]
    stamp = _stamp()
    store = current_app.extensions.setdefault("workdays", {})
    snapshot = store.get("snapshot")
    if snapshot is None or snapshot.stamp != stamp:
        snapshot = _load(stamp)
        store["snapshot"] = snapshot
    session.info[_SESSION_KEY] = (session.get_transaction(), snapshot)
    return snapshot


def invalidate() -> None:
    """After a write: the next read in this unit of work checks the stamp again (and so sees the write)."""
    db.session.flush()
    db.session().info.pop(_SESSION_KEY, None)
