"""A review step is overdue after `review_step_days` working days (5), counted through the working-day calendar."""
import datetime as dt

import pytest

from app import catalog, workdays
from app.core.db import transaction
from app.extensions import db
from app.review import services as review
from tests.portal.test_portal import login


@pytest.fixture
def submitted(app, make_entry, make_user):
    """An entry of 市公安局 submitted on 2026-09-30 at 10:00 Beijing time, the day before the National Day
    holiday (10-01 … 10-07 off, 10-10 a Saturday worked)."""
    editor = make_user("editor", "市公安局")
    entry = make_entry(publish=False, user=editor)
    with transaction():
        catalog.submit([entry], user=editor)
        pending = review.pending_review(entry)
        pending.requested_at = dt.datetime(2026, 9, 30, 2, 0)  # UTC
    return db.session.get(type(pending), pending.id)


def on(app, day: str) -> None:
    app.config["TODAY"] = day


def test_due_after_five_working_days(app, submitted):
    assert review.due(submitted) == workdays.Due(dt.date(2026, 10, 13), False, ())


@pytest.mark.parametrize("today, overdue", [
    ("2026-10-06", False),  # 6 calendar days: overdue by calendar days, not by working days
    ("2026-10-08", False),
    ("2026-10-13", False),  # the due day: may still be decided
    ("2026-10-14", True),
])
def test_overdue_in_working_days_not_calendar_days(app, submitted, today, overdue):
    on(app, today)
    assert review.is_overdue(submitted) is overdue


def test_the_queue_flags_it_after_five_working_days(app, client, submitted, make_user):
    login(client, make_user("department_reviewer", "市公安局"))
    on(app, "2026-10-09")
    assert "（已超期）" not in client.get("/review/").get_data(as_text=True)
    on(app, "2026-10-14")
    assert "（已超期）" in client.get("/review/").get_data(as_text=True)


def test_the_waiting_filter_counts_working_days(app, client, submitted, make_user):
    login(client, make_user("department_reviewer", "市公安局"))
    on(app, "2026-10-12")  # 09-30 → 10-12: 10-08, 10-09, 10-10, 10-12 = 4 working days
    assert "户籍人口基本信息" in client.get("/review/?waiting=3").get_data(as_text=True)
    assert "户籍人口基本信息" not in client.get("/review/?waiting=5").get_data(as_text=True)
    on(app, "2026-10-13")
    assert "户籍人口基本信息" in client.get("/review/?waiting=5").get_data(as_text=True)
    assert "超过 5 个工作日" in client.get("/review/").get_data(as_text=True)


def test_the_step_takes_its_days_from_the_deadline_policy(app, submitted, admin):
    with transaction():
        workdays.set_settings({"review_step_days": "3"}, admin)
    assert review.due(submitted).on == dt.date(2026, 10, 10)  # 10-08, 10-09, and the Saturday worked
    on(app, "2026-10-10")
    assert not review.is_overdue(submitted)
    on(app, "2026-10-11")  # a Sunday, the day after the due day
    assert review.is_overdue(submitted)
