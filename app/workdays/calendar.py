"""The working-day calendar (工作日历): which days are working days, and counting working days.

A working day is Monday to Friday, minus statutory holidays (法定节假日及其调休放假), plus adjusted working days
(调休上班, e.g. a Saturday worked before the Spring Festival). The official arrangement comes from the
`chinesecalendar` package (the State Council's notices, 2004 to its last year); an admin's entries override it
for any day of any year — a new year's arrangement before the package has it, or a correction.

A year is *covered* when the package has it or an admin marked its arrangement as entered in full (published).
Counting through a day of an uncovered year raises `CalendarNotCovered`, unless the caller accepts a
*provisional* answer (weekends off, plus whatever the admin entered so far): `deadline()` does, and says so.

The counting rule (SPEC §6): the start day is not counted; the result is the n-th working day after it. So a
request received on a Saturday counts from Monday, which is day 1.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

import chinese_calendar
from blinker import Namespace

from app.core.errors import DomainError

from . import snapshot
from .snapshot import Snapshot

_signals = Namespace()

#: sent inside the transaction that changed the calendar, with `years` (the set of years touched) and `actor`,
#: so a module that stored provisional deadlines can recompute them
calendar_changed = _signals.signal("calendar-changed")

ONE_DAY = dt.timedelta(days=1)

#: the package's English holiday names, as officials write them
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


class CalendarNotCovered(DomainError):
    """A day lies in a year whose holiday arrangement (节假日安排) has not been entered: no final count is
    possible. `year` names it."""

    status = 409

    def __init__(self, year: int):
        super().__init__(f"{year} 年的节假日安排尚未录入，无法计算工作日期限",
                         f"the holiday arrangement for {year} has not been entered: cannot count working days")
        self.year = year


@dataclass(frozen=True)
class Due:
    """A deadline: the day it falls on; `provisional` (暂定) when a day counted lay in a year whose arrangement
    was not entered (`missing_years`), so it may move when the admin enters it."""

    on: dt.date
    provisional: bool = False
    missing_years: tuple[int, ...] = ()


@dataclass(frozen=True)
class DayInfo:
    """One day as the calendar page shows it."""

    day: dt.date
    working: bool
    kind: str  # workday | weekend | holiday | adjusted
    name: str  # the holiday's name, for holidays and adjusted working days
    origin: str  # admin | package | "" (the weekday rule)

    @property
    def label(self) -> str:
        if self.kind == "holiday":
            return f"节假日（{self.name}）" if self.name else "节假日"
        return {"workday": "工作日", "weekend": "休息日", "adjusted": "调休上班"}[self.kind]


# ---- the official package ------------------------------------------------------------------------------

@functools.cache
def _package() -> tuple[dict[dt.date, str], dict[dt.date, str], frozenset[int]]:
    holidays = {day: HOLIDAY_NAMES.get(str(name), str(name)) for day, name in chinese_calendar.holidays.items()}
    workdays = {day: HOLIDAY_NAMES.get(str(name), str(name)) for day, name in chinese_calendar.workdays.items()}
    years = {day.year for day in holidays}
    return holidays, workdays, frozenset(range(min(years), max(years) + 1))


def package_years() -> range:
    """The years the `chinesecalendar` package covers (2004–2026 for version 1.11)."""
    years = _package()[2]
    return range(min(years), max(years) + 1)


# ---- reading the calendar ------------------------------------------------------------------------------

def _covered(snap: Snapshot, year: int) -> bool:
    entry = snap.years.get(year)
    return year in _package()[2] or bool(entry and entry.published)


def is_covered(year: int) -> bool:
    """The year's arrangement is known: the package has it, or the admin marked it entered in full (已发布)."""
    return _covered(snapshot.current(), year)


def _classify(snap: Snapshot, day: dt.date) -> DayInfo:
    holidays, workdays, years = _package()
    entered = snap.days.get(day)
    weekend = day.weekday() >= 5
    if entered is not None:
        kind, name = entered
        if kind == "workday":
            return DayInfo(day, True, "adjusted" if weekend else "workday", name, "admin")
        return DayInfo(day, False, "holiday", name, "admin")
    if day.year in years:
        if day in holidays:
            return DayInfo(day, False, "holiday", holidays[day], "package")
        if day in workdays:
            return DayInfo(day, True, "adjusted", workdays[day], "package")
    return DayInfo(day, not weekend, "weekend" if weekend else "workday", "", "")


def _year_counts(snap: Snapshot, year: int) -> list[int]:
    """Running count of working days of `year`: counts[i] = working days among its first i days."""
    memo = snap.memo.get(year)
    if memo is None:
        first = dt.date(year, 1, 1)
        length = (dt.date(year + 1, 1, 1) - first).days
        memo = [0]
        for offset in range(length):
            memo.append(memo[-1] + _classify(snap, first + dt.timedelta(days=offset)).working)
        snap.memo[year] = memo
    return memo


def _working(snap: Snapshot, day: dt.date) -> bool:
    counts = _year_counts(snap, day.year)
    index = day.timetuple().tm_yday
    return counts[index] > counts[index - 1]


def _check(snap: Snapshot, year: int, provisional_ok: bool, missing: set[int]) -> None:
    if not _covered(snap, year):
        if not provisional_ok:
            raise CalendarNotCovered(year)
        missing.add(year)


def is_working_day(day: dt.date, *, provisional_ok: bool = False) -> bool:
    """Whether `day` is a working day (工作日). For a day of an uncovered year: `CalendarNotCovered`, or with
    `provisional_ok` the provisional answer (weekends off, plus the admin's entries so far)."""
    snap = snapshot.current()
    _check(snap, day.year, provisional_ok, set())
    return _working(snap, day)


def _walk(start: dt.date, n: int, provisional_ok: bool) -> tuple[dt.date, set[int]]:
    snap = snapshot.current()
    step = ONE_DAY if n >= 0 else -ONE_DAY
    remaining, day, missing = abs(n), start, set()
    checked_year = None
    while remaining:
        day += step
        if day.year != checked_year:
            _check(snap, day.year, provisional_ok, missing)
            checked_year = day.year
        if _working(snap, day):
            remaining -= 1
    return day, missing


def add_working_days(start: dt.date, n: int, *, provisional_ok: bool = False) -> dt.date:
    """The n-th working day after `start`; the start day itself is not counted (n = 0 gives `start`).

    A negative n counts back: the |n|-th working day before `start`. A counted day in an uncovered year raises
    `CalendarNotCovered` unless `provisional_ok`.
    """
    return _walk(start, n, provisional_ok)[0]


def deadline(start: dt.date, n: int) -> Due:
    """The deadline n working days after `start` (what workflows use): always computed, provisional when a
    counted day lay in a year whose arrangement was not entered."""
    on, missing = _walk(start, n, True)
    return Due(on, bool(missing), tuple(sorted(missing)))


def _count_through(snap: Snapshot, day: dt.date, origin_year: int) -> int:
    """Working days from 1 January of `origin_year` through `day` (inclusive)."""
    total = sum(_year_counts(snap, year)[-1] for year in range(origin_year, day.year))
    return total + _year_counts(snap, day.year)[day.timetuple().tm_yday]


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days in (a, b] — negative when b is before a: "还剩 3 个工作日" is `working_days_between(today,
    due)`, "已逾期 2 个工作日" is `-working_days_between(today, due)`. Provisional in uncovered years."""
    if b < a:
        return -working_days_between(b, a)
    snap = snapshot.current()
    origin = a.year
    return _count_through(snap, b, origin) - _count_through(snap, a, origin)


def year_days(year: int) -> list[DayInfo]:
    """Every day of `year` with its kind, name and origin (the calendar page)."""
    snap = snapshot.current()
    first = dt.date(year, 1, 1)
    return [_classify(snap, first + dt.timedelta(days=offset))
            for offset in range((dt.date(year + 1, 1, 1) - first).days)]


@dataclass(frozen=True)
class YearStatus:
    year: int
    covered: bool
    in_package: bool
    published: bool
    source: str
    entered_at: dt.datetime | None
    entered_by: str
    entered_days: int  # days the admin entered in this year


def year_status(year: int) -> YearStatus:
    """Where a year's arrangement comes from, and whether it is complete."""
    snap = snapshot.current()
    entry = snap.years.get(year)
    return YearStatus(year, _covered(snap, year), year in _package()[2], bool(entry and entry.published),
                      entry.source if entry else "", entry.entered_at if entry else None,
                      entry.entered_by if entry else "", sum(1 for day in snap.days if day.year == year))


def entered_days(year: int) -> list[tuple[dt.date, str, str]]:
    """The admin's entries in `year`: (day, kind, name), in date order."""
    snap = snapshot.current()
    return sorted((day, kind, name) for day, (kind, name) in snap.days.items() if day.year == year)


def uncovered_years(years) -> list[int]:
    snap = snapshot.current()
    return sorted(year for year in set(years) if not _covered(snap, year))


# ---- provisional deadlines held by other modules ---------------------------------------------------------

_counters: list[Callable[[], dict[int, int]]] = []


def register_provisional_counter(fn: Callable[[], dict[int, int]]) -> Callable[[], dict[int, int]]:
    """A higher module registers a function returning {year: number of provisional deadlines it holds whose
    count crosses that year}; the calendar page adds them up ("2027 年安排未录入：12 个期限为暂定"). The function
    must only read (the page is a GET). Usable as a decorator."""
    if fn not in _counters:
        _counters.append(fn)
    return fn


def provisional_counts() -> dict[int, int]:
    """{year: provisional deadlines that depend on it}, summed over every registered counter."""
    totals: dict[int, int] = {}
    for counter in _counters:
        for year, count in (counter() or {}).items():
            totals[int(year)] = totals.get(int(year), 0) + int(count)
    return dict(sorted(totals.items()))
