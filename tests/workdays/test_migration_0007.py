"""Migration 0007 adds the working-day calendar's and the deadline policy's tables, and takes them away again."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from app.extensions import db

TABLES = {"calendar_day", "calendar_year", "deadline_setting"}


def rows(sql: str):
    return [tuple(r) for r in db.session.execute(text(sql)).all()]


def tables() -> set[str]:
    db.session.remove()
    return set(inspect(db.engine).get_table_names())


def test_0007_upgrades_and_downgrades_with_users_in_place(empty_app):
    upgrade(revision="0006")
    run = lambda sql: db.session.execute(text(sql))  # noqa: E731
    run("INSERT INTO department (id, code, name, short_name, aliases, credit_code, region_level) "
        "VALUES (1, '001', '市政务服务数据管理局', '数据局', '', '11440100MB2C92412X', 'city')")
    run("INSERT INTO user_account (id, username, display_name, password_hash, department_id, active) "
        "VALUES (1, 'admin', '管理员', 'x', 1, true)")
    db.session.commit()
    assert not TABLES & tables()

    upgrade(revision="0007")
    assert TABLES <= tables()
    run("INSERT INTO calendar_day (day, kind, name, entered_by_id, entered_at) "
        "VALUES ('2027-02-06', 'holiday', '春节', 1, '2026-12-14 08:00:00')")
    run("INSERT INTO calendar_year (year, published, source, entered_by_id, entered_at) "
        "VALUES (2027, true, '国办发明电〔2026〕1号', 1, '2026-12-14 08:00:00')")
    run("INSERT INTO deadline_setting (key, value, changed_by_id, changed_at) "
        "VALUES ('review_step_days', '3', 1, '2026-12-14 08:00:00')")
    db.session.commit()
    assert rows("SELECT name, kind FROM calendar_day") == [("春节", "holiday")]
    with pytest.raises(IntegrityError):  # a day is either 放假 or 调休上班
        run("INSERT INTO calendar_day (day, kind, name, entered_at) VALUES ('2027-02-07', 'rest', '春节', "
            "'2026-12-14 08:00:00')")
    db.session.rollback()
    with pytest.raises(IntegrityError):  # one entry per day
        run("INSERT INTO calendar_day (day, kind, name, entered_at) VALUES ('2027-02-06', 'workday', '春节', "
            "'2026-12-14 08:00:00')")
    db.session.rollback()

    downgrade(revision="0006")
    assert not TABLES & tables()
    assert rows("SELECT id, username FROM user_account") == [(1, "admin")]
