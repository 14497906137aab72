"""Changing the working-day calendar (工作日历): admins only, audited, inside the caller's unit of work.

Each change sends `calendar_changed` with the years it touched, so modules holding provisional deadlines can
recompute them in the same transaction.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app import audit
from app.core.db import utcnow
from app.core.errors import InvalidInput, PermissionDenied
from app.extensions import db
from catalog_schema import Problem, control_character

from . import policy, snapshot
from .calendar import ONE_DAY, calendar_changed
from .models import DAY_KINDS, CalendarDay, CalendarYear

FIRST_YEAR, LAST_YEAR = 2000, 2099
MAX_SPAN_DAYS = 31  # the longest holiday is 9 days; a longer range is a typing mistake


def _require_admin(user) -> None:
    if not policy.can_edit_calendar(user):
        raise PermissionDenied("只有平台管理员可以修改工作日历", "only admins may change the working-day calendar")


def _date(raw, path: str, label: str, problems: list[Problem]) -> dt.date | None:
    if isinstance(raw, dt.date):
        value = raw
    else:
        text = ("" if raw is None else str(raw)).strip()
        if not text:
            problems.append(Problem(path, label, f"「{label}」不能为空，格式如 2027-02-06", f"{path} is required"))
            return None
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            problems.append(Problem(path, label, f"「{label}」“{text[:20]}”不是有效日期，格式如 2027-02-06",
                                    f"{path} is not a date"))
            return None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        problems.append(Problem(path, label, f"「{label}」须在 {FIRST_YEAR} 至 {LAST_YEAR} 年之间",
                                f"{path} out of range"))
        return None
    return value


def _year(raw, problems: list[Problem]) -> int | None:
    text = ("" if raw is None else str(raw)).strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4) or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        problems.append(Problem("year", "年份", f"「年份」须为 {FIRST_YEAR} 至 {LAST_YEAR} 之间的四位年份",
                                "year out of range"))
        return None
    return int(text)


def _text(raw, path: str, label: str, limit: int, problems: list[Problem], example: str) -> str:
    text = ("" if raw is None else str(raw)).strip()
    if not text:
        problems.append(Problem(path, label, f"「{label}」不能为空（如 {example}）", f"{path} is required"))
    elif len(text) > limit:
        problems.append(Problem(path, label, f"「{label}」不能超过 {limit} 个字符", f"{path} too long"))
    elif control_character(text, multiline=False):
        problems.append(Problem(path, label, f"「{label}」含有不可见的控制字符，请删除后重试",
                                f"{path} contains a control character"))
    return text


def _changed(years: set[int], user) -> None:
    snapshot.invalidate()
    calendar_changed.send("calendar", years=frozenset(years), actor=user)


def set_days(*, start, end=None, kind, name, user) -> int:
    """Enter a range of days (日历调整) as 放假 (`kind="holiday"`) or 调休上班 (`kind="workday"`), with the holiday's
    name — e.g. 2027-02-06 至 2027-02-12 春节 放假. Overrides the package and earlier entries for those days.
    Returns the number of days written."""
    _require_admin(user)
    problems: list[Problem] = []
    first = _date(start, "start", "开始日期", problems)
    last = first if end in (None, "") and first is not None else _date(end, "end", "结束日期", problems)
    if kind not in DAY_KINDS:
        problems.append(Problem("kind", "类型", "「类型」须为 放假 或 调休上班", "kind must be holiday or workday"))
    name = _text(name, "name", "名称", 50, problems, "春节")
    if first and last:
        if last < first:
            problems.append(Problem("end", "结束日期", "「结束日期」不能早于开始日期", "end before start"))
        elif (last - first).days + 1 > MAX_SPAN_DAYS:
            problems.append(Problem("end", "结束日期", f"「结束日期」与开始日期之间不能超过 {MAX_SPAN_DAYS} 天",
                                    "range too long"))
    if problems:
        raise InvalidInput(problems)
    days = [first + offset * ONE_DAY for offset in range((last - first).days + 1)]
    existing = {row.day: row for row in db.session.scalars(select(CalendarDay).where(
        CalendarDay.day.between(first, last)))}
    replaced = {day.isoformat(): [row.kind, row.name] for day, row in existing.items()}
    now = utcnow()
    for day in days:
        row = existing.get(day)
        if row is None:
            row = CalendarDay(day=day)
            db.session.add(row)
        row.kind, row.name, row.entered_by_id, row.entered_at = kind, name, getattr(user, "id", None), now
    span = first.isoformat() if first == last else f"{first.isoformat()} 至 {last.isoformat()}"
    audit.record("calendar.set_days", row, actor=user, summary=f"工作日历：{span} {name} {DAY_KINDS[kind]}",
                 details={"start": first.isoformat(), "end": last.isoformat(), "kind": kind, "name": name,
                          "replaced": replaced})
    _changed({day.year for day in days}, user)
    return len(days)


def set_adjusted_workday(*, day, name, user) -> None:
    """Enter one adjusted working day (调休上班), e.g. the Saturday worked before the Spring Festival."""
    set_days(start=day, end=day, kind="workday", name=name, user=user)


def remove_day(*, day, user) -> None:
    """Remove an admin's entry for one day: the day is again what the package (or the weekday rule) says."""
    _require_admin(user)
    problems: list[Problem] = []
    value = _date(day, "day", "日期", problems)
    row = db.session.get(CalendarDay, value) if value else None
    if value and row is None:
        problems.append(Problem("day", "日期", f"「日期」{value.isoformat()} 没有管理员录入的安排",
                                "no entry for that day"))
    if problems:
        raise InvalidInput(problems)
    audit.record("calendar.remove_day", row, actor=user,
                 summary=f"工作日历：删除 {value.isoformat()} {row.name} {row.kind_label}",
                 details={"day": value.isoformat(), "kind": row.kind, "name": row.name})
    db.session.delete(row)
    _changed({value.year}, user)


def publish_year(*, year, source, user) -> None:
    """Mark a year's arrangement (年度节假日安排) as entered in full, naming its source (the notice's 文号): from
    now on its deadlines are final, no longer provisional."""
    _require_admin(user)
    problems: list[Problem] = []
    value = _year(year, problems)
    source = _text(source, "source", "依据文件", 200, problems, "国办发明电〔2026〕…号")
    if problems:
        raise InvalidInput(problems)
    row = db.session.get(CalendarYear, value)
    if row is None:
        row = CalendarYear(year=value)
        db.session.add(row)
    row.published, row.source, row.entered_by_id, row.entered_at = True, source, getattr(user, "id", None), utcnow()
    audit.record("calendar.publish_year", row, actor=user, summary=f"工作日历：{value} 年节假日安排已录入（{source}）",
                 details={"year": value, "source": source})
    _changed({value}, user)


def unpublish_year(*, year, user) -> None:
    """Take back "entered in full" for a year: its deadlines are provisional again (outside the package)."""
    _require_admin(user)
    problems: list[Problem] = []
    value = _year(year, problems)
    row = db.session.get(CalendarYear, value) if value else None
    if value and (row is None or not row.published):
        problems.append(Problem("year", "年份", f"「年份」{value} 年未标记为已录入", "year not published"))
    if problems:
        raise InvalidInput(problems)
    row.published, row.entered_by_id, row.entered_at = False, getattr(user, "id", None), utcnow()
    audit.record("calendar.unpublish_year", row, actor=user, summary=f"工作日历：撤销 {value} 年节假日安排的“已录入”标记",
                 details={"year": value, "source": row.source})
    _changed({value}, user)
