"""Freshness (更新状态): when each published entry is next expected to be updated, from its update cycle.

An entry's last update is the day its current version was published (for a version an admin imported from an
existing catalog with its dates: that catalog's last update), or a later day its department reported that the
resource's data was updated (数据更新登记). The next expected update is that day plus the interval the
schema declares for the update cycle (每月: one month …; 不定期、其他: none). An entry whose date has passed is
overdue: the daily sweep (`app.changes`) flags it, tells the department, and has the search index re-read it, so
the 更新状态 facet (a derived element of the schema) stays true without reindexing everything every night.
"""
from __future__ import annotations

import calendar
import datetime as dt
from typing import Sequence
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update

from app.core.clock import today
from app.core.errors import InvalidInput
from app.extensions import db
from catalog_schema import Problem, control_character, control_character_message, get_schema

from .models import Entry, EntryStatus, EntryUpdate, EntryVersion
from .workflows import ENTRY

CURRENT, OVERDUE, NONE = "current", "overdue", "none"


def _add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_update_on(cycle: str | None, last: dt.date | None) -> dt.date | None:
    """The day an update is next expected, or None (no last update, or a cycle with no fixed interval)."""
    if last is None or not cycle:
        return None
    term = get_schema().vocabulary("update_cycle").by_code.get(cycle)
    interval = term.interval if term else None
    if not interval:
        return None
    return _add_months(last, int(interval.get("months", 0))) + dt.timedelta(days=int(interval.get("days", 0)))


def status_of(next_on: dt.date | None, on: dt.date | None = None) -> str:
    """更新状态 on a day (today by default): current, overdue, or none (no fixed cycle)."""
    if next_on is None:
        return NONE
    return OVERDUE if next_on < (on or today()) else CURRENT


def label_of(status: str) -> str:
    return get_schema().vocabulary("freshness").label_of(status)


@ENTRY.fired.connect
def _published(transition: str, *, ids, **_kwargs) -> None:
    """A publication is an update: the expected date starts again from today — or, for a version an admin
    imported from an existing catalog with its dates, from that catalog's last update."""
    if transition != "publish":
        return
    day = today()
    rows = db.session.execute(
        select(Entry.id, EntryVersion.data["update_cycle"].as_string(), EntryVersion.original_updated_on)
        .join(EntryVersion, Entry.published_version_id == EntryVersion.id).where(Entry.id.in_(list(ids)))).all()
    changes = []
    for entry_id, cycle, original in rows:
        last = original or day
        changes.append({"id": entry_id, "last_update_on": last, "next_update_on": next_update_on(cycle, last),
                        "overdue_flagged": False})
    if changes:
        db.session.execute(update(Entry), changes)


def last_updated_at(entry: Entry, version: EntryVersion) -> dt.datetime | None:
    """When a published entry was last updated, as the search index orders it (naive UTC): the original catalog's
    last update (the start of that day where the registry is) for a version imported with it, else the version's
    publication."""
    if version.original_updated_on is not None:
        zone = ZoneInfo(current_app.config["TIMEZONE"])
        start = dt.datetime.combine(version.original_updated_on, dt.time(), tzinfo=zone)
        return start.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return version.published_at or entry.updated_at


def last_updated_on(entry: Entry, version: EntryVersion) -> dt.date | None:
    """最近更新日期 as people read it: the day the entry was last updated (a publication or a reported data update),
    as the 更新状态 counts it; for an entry without one, the day of the version's publication where the registry is."""
    if entry.last_update_on is not None:
        return entry.last_update_on
    moment = last_updated_at(entry, version)
    if moment is None:
        return None
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(zone).date()


def modified_at(entry: Entry, version: EntryVersion) -> dt.datetime | None:
    """When this registry last published a version of the entry (naive UTC): CKAN's metadata_modified, by which
    harvesters page incrementally — unlike `last_updated_at`, never an imported catalog's older date."""
    return version.published_at or entry.updated_at


def record_update(entry: Entry, *, user, updated_on: dt.date | str | None, note: str = "") -> EntryUpdate:
    """数据更新登记: the department states the resource's data was updated on a day (today or before)."""
    ENTRY.check("report_update", entry, actor=user)  # permission and state first
    problems = []
    day = _parse_day(updated_on, problems)
    note = (note or "").strip()
    if day is not None and day > today():
        problems.append(Problem("updated_on", "更新日期", "「更新日期」不能晚于今天", "updated_on is in the future"))
    if day is not None and entry.published_version is not None and entry.published_version.published_at is not None \
            and day < entry.published_version.published_at.date() - dt.timedelta(days=366):
        problems.append(Problem("updated_on", "更新日期", "「更新日期」不能早于一年以前",
                                "updated_on is more than a year ago"))
    if len(note) > 500:
        problems.append(Problem("note", "说明", "「说明」不能超过 500 个字符", "note is longer than 500"))
    character = control_character(note, multiline=True)
    if character:
        problems.append(Problem("note", "说明", control_character_message("说明", character),
                                "note contains a control character"))
    if problems:
        raise InvalidInput(problems)
    row = EntryUpdate(entry_id=entry.id, updated_on=day, note=note or None, reported_by_id=user.id)
    db.session.add(row)
    last = max(filter(None, [entry.last_update_on, day]))
    entry.last_update_on = last
    entry.next_update_on = next_update_on(entry.published_version.data.get("update_cycle"), last)
    was_flagged, entry.overdue_flagged = entry.overdue_flagged, False
    db.session.flush()
    ENTRY.fire("report_update", entry, actor=user, note=f"更新日期 {day.isoformat()}" + (f"，{note}" if note else ""))
    if was_flagged:
        from app import outbox  # the index's 更新状态 changes back
        outbox.emit("search.index", f"entry:{entry.id}", {"entry_id": entry.id})
    return row


def _parse_day(value, problems: list) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        return today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(Problem("updated_on", "更新日期", f"「更新日期」“{text[:20]}”不是有效日期（格式：2026-11-30）",
                                "updated_on is not a date (YYYY-MM-DD)"))
        return None


def updates_of(entry: Entry, limit: int = 10) -> list[EntryUpdate]:
    return db.session.scalars(select(EntryUpdate).where(EntryUpdate.entry_id == entry.id)
                              .order_by(EntryUpdate.updated_on.desc(), EntryUpdate.id.desc()).limit(limit)).all()


# ---- overdue entries -----------------------------------------------------------------------------------------

def overdue_query(on: dt.date | None = None):
    """Published entries whose expected update has passed, oldest first."""
    return (select(Entry).where(Entry.status == EntryStatus.published, Entry.next_update_on < (on or today()))
            .order_by(Entry.next_update_on, Entry.id))


def overdue_counts(on: dt.date | None = None) -> dict[int, int]:
    """Department id → number of its overdue entries."""
    return dict(db.session.execute(
        select(Entry.department_id, func.count(Entry.id))
        .where(Entry.status == EntryStatus.published, Entry.next_update_on < (on or today()))
        .group_by(Entry.department_id)).all())


def newly_overdue(on: dt.date | None = None, limit: int = 5000) -> Sequence[Entry]:
    """Overdue entries not flagged yet (the sweep flags them, tells their department and reindexes them)."""
    return db.session.scalars(overdue_query(on).where(Entry.overdue_flagged.is_(False)).limit(limit)).all()


def flag_overdue(entries: Sequence[Entry]) -> None:
    if entries:
        db.session.execute(update(Entry), [{"id": e.id, "overdue_flagged": True} for e in entries])
