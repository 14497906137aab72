"""The working-day calendar: the official 2026 arrangement, counting rules, uncovered years, the admin's entries."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import workdays
from app.core.db import transaction
from app.core.errors import InvalidInput, PermissionDenied
from app.workdays import CalendarNotCovered, add_working_days, deadline, is_working_day, working_days_between

D = dt.date


@pytest.mark.parametrize("start, n, due", [
    (D(2026, 9, 25), 15, D(2026, 10, 22)),  # over the Mid-Autumn and National Day holidays, 10-10 (Sat) worked
    (D(2026, 2, 10), 10, D(2026, 3, 2)),  # over the Spring Festival, 02-14 and 02-28 (Sat) worked
    (D(2026, 4, 30), 5, D(2026, 5, 11)),  # over Labour Day, 05-09 (Sat) worked
    (D(2025, 12, 30), 3, D(2026, 1, 5)),  # across New Year: 12-31, 01-04 (Sun, worked), 01-05
    (D(2026, 1, 2), 1, D(2026, 1, 4)),  # the adjusted Sunday is the next working day
])
def test_official_2026_spans(app, start, n, due):
    assert add_working_days(start, n) == due
    assert deadline(start, n) == workdays.Due(due, False, ())
    assert working_days_between(start, due) == n


def test_weekends_holidays_and_adjusted_days(app):
    assert is_working_day(D(2026, 1, 4))  # Sunday, 调休上班
    assert not is_working_day(D(2026, 1, 1))  # 元旦
    assert not is_working_day(D(2026, 10, 8 - 1))  # 国庆节
    assert not is_working_day(D(2026, 11, 28))  # an ordinary Saturday
    assert is_working_day(D(2026, 11, 30))  # an ordinary Monday


def test_the_start_day_is_not_counted(app):
    # received on a Saturday: Monday is day 1
    assert add_working_days(D(2026, 11, 28), 1) == D(2026, 11, 30)
    # received on a working day: the next working day is day 1
    assert add_working_days(D(2026, 11, 30), 1) == D(2026, 12, 1)
    assert add_working_days(D(2026, 11, 28), 0) == D(2026, 11, 28)


def test_counting_back(app):
    assert add_working_days(D(2026, 10, 12), -3) == D(2026, 10, 8)  # 10-10 (Sat) worked, 10-09, 10-08
    assert working_days_between(D(2026, 10, 22), D(2026, 9, 25)) == -15
    assert working_days_between(D(2026, 10, 1), D(2026, 10, 7)) == 0


def test_uncovered_year_raises_unless_provisional_is_accepted(app):
    with pytest.raises(CalendarNotCovered) as raised:
        is_working_day(D(2027, 1, 4))
    assert raised.value.year == 2027
    assert raised.value.message == "2027 年的节假日安排尚未录入，无法计算工作日期限"
    with pytest.raises(CalendarNotCovered):
        add_working_days(D(2026, 12, 28), 10)
    assert add_working_days(D(2026, 12, 28), 3) == D(2026, 12, 31)  # counts nothing of 2027
    assert is_working_day(D(2027, 1, 4), provisional_ok=True)
    assert not is_working_day(D(2027, 1, 2), provisional_ok=True)  # a Saturday
    assert add_working_days(D(2026, 12, 28), 10, provisional_ok=True) == D(2027, 1, 11)


def test_a_deadline_into_an_uncovered_year_is_provisional(app):
    assert deadline(D(2026, 12, 28), 10) == workdays.Due(D(2027, 1, 11), True, (2027,))
    assert deadline(D(2026, 12, 14), 10) == workdays.Due(D(2026, 12, 28), False, ())
    # provisional: Monday to Friday, so even 2027-01-01 (a Friday, surely 元旦) counts until it is entered
    assert working_days_between(D(2026, 12, 31), D(2027, 1, 8)) == 6


def test_admin_entries_move_a_provisional_deadline_and_publishing_makes_it_final(app, admin):
    start = D(2027, 1, 29)  # a Friday
    assert deadline(start, 10) == workdays.Due(D(2027, 2, 12), True, (2027,))
    with transaction():
        workdays.set_days(start="2027-02-06", end="2027-02-12", kind="holiday", name="春节", user=admin)
    assert deadline(start, 10) == workdays.Due(D(2027, 2, 19), True, (2027,))
    with transaction():
        workdays.set_adjusted_workday(day=D(2027, 2, 14), name="春节", user=admin)  # a Sunday worked
    assert deadline(start, 10) == workdays.Due(D(2027, 2, 18), True, (2027,))
    with transaction():
        workdays.publish_year(year=2027, source="国办发明电〔2026〕1号", user=admin)
    assert deadline(start, 10) == workdays.Due(D(2027, 2, 18), False, ())
    assert is_working_day(D(2027, 2, 14)) and not is_working_day(D(2027, 2, 8))
    with transaction():
        workdays.remove_day(day="2027-02-14", user=admin)
        workdays.unpublish_year(year=2027, user=admin)
    assert deadline(start, 10) == workdays.Due(D(2027, 2, 19), True, (2027,))


def test_admin_entries_override_the_package(app, admin):
    assert not is_working_day(D(2026, 10, 8 - 1))
    with transaction():
        workdays.set_days(start=D(2026, 10, 7), kind="workday", name="国庆节（更正）", user=admin)
    assert is_working_day(D(2026, 10, 7))
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 7)


def test_calendar_changes_are_sent_with_the_years_touched(app, admin):
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs["years"])
        # the listener runs inside the transaction and already counts with the change
        heard.append(deadline(D(2026, 12, 30), 1).on)

    workdays.calendar_changed.connect(listener)
    try:
        with transaction():
            workdays.set_days(start="2026-12-31", end="2027-01-01", kind="holiday", name="元旦", user=admin)
    finally:
        workdays.calendar_changed.disconnect(listener)
    assert heard == [frozenset({2026, 2027}), D(2027, 1, 4)]


def test_a_change_committed_elsewhere_is_seen_by_the_next_transaction(app, admin):
    """Another process (a gunicorn worker) changes the calendar: this process sees it from its next unit of
    work, although it had the calendar cached."""
    from sqlalchemy import insert

    from app.extensions import db
    from app.workdays import CalendarDay

    assert is_working_day(D(2027, 3, 1), provisional_ok=True)
    with db.engine.begin() as connection:  # a write that bypasses this process's cache entirely
        connection.execute(insert(CalendarDay).values(day=D(2027, 3, 1), kind="holiday", name="测试",
                                                      entered_at=dt.datetime(2026, 12, 1, 8)))
    db.session.rollback()  # the end of this unit of work
    assert not is_working_day(D(2027, 3, 1), provisional_ok=True)


def test_calendar_services_check_the_input_and_the_user(app, admin, make_user):
    with pytest.raises(InvalidInput) as raised:
        workdays.set_days(start="2027-02-12", end="2027-02-06", kind="rest", name="", user=admin)
    assert raised.value.by_field() == {
        "kind": ["「类型」须为 放假 或 调休上班"],
        "name": ["「名称」不能为空（如 春节）"],
        "end": ["「结束日期」不能早于开始日期"]}
    with pytest.raises(InvalidInput) as raised:
        workdays.set_days(start="2027-13-01", kind="holiday", name="春节", user=admin)
    assert raised.value.by_field()["start"] == ["「开始日期」“2027-13-01”不是有效日期，格式如 2027-02-06"]
    with pytest.raises(InvalidInput) as raised:
        workdays.set_days(start="2027-01-01", end="2027-03-01", kind="holiday", name="春节", user=admin)
    assert "「结束日期」与开始日期之间不能超过 31 天" in raised.value.by_field()["end"]
    with pytest.raises(InvalidInput) as raised:
        workdays.publish_year(year="27", source="", user=admin)
    assert set(raised.value.by_field()) == {"year", "source"}
    with pytest.raises(InvalidInput) as raised:
        workdays.remove_day(day="2027-02-06", user=admin)
    assert raised.value.by_field() == {"day": ["「日期」2027-02-06 没有管理员录入的安排"]}
    with pytest.raises(PermissionDenied):
        workdays.set_days(start="2027-02-06", kind="holiday", name="春节", user=make_user("authority_reviewer"))


def test_provisional_counters_are_added_up(app):
    counters = [lambda: {2027: 2}, lambda: {2027: 3, 2028: 1}]
    for counter in counters:
        workdays.register_provisional_counter(counter)
    try:
        counts = workdays.provisional_counts()
        assert counts[2027] >= 5 and counts[2028] >= 1
    finally:
        from app.workdays import calendar

        for counter in counters:
            calendar._counters.remove(counter)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(D(2025, 1, 1), D(2026, 12, 31)), n=st.integers(0, 40))
def test_counting_properties(app, start, n):
    due = add_working_days(start, n, provisional_ok=True)
    assert working_days_between(start, due) == n
    if n == 0:
        assert due == start
    else:
        assert due > start and is_working_day(due, provisional_ok=True)
        # the previous count ends strictly earlier: monotone in n
        assert add_working_days(start, n - 1, provisional_ok=True) < due
        # and no working day was skipped in between
        assert working_days_between(add_working_days(start, n - 1, provisional_ok=True), due) == 1
    assert deadline(start, n).on == due
