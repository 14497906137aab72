"""Migration 0008 adds notices and users' e-mail addresses to a deployment's data, and takes them away again."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db


def rows(sql: str):
    return [tuple(r) for r in db.session.execute(text(sql)).all()]


def tables() -> set[str]:
    db.session.remove()
    return set(inspect(db.engine).get_table_names())


def columns(table: str) -> set[str]:
    db.session.remove()
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_0008_upgrades_and_downgrades_with_users_in_place(empty_app):
    upgrade(revision="0007")
    run = lambda sql: db.session.execute(text(sql))  # noqa: E731
    run("INSERT INTO department (id, code, name, short_name, aliases, credit_code, region_level) "
        "VALUES (1, '006', '市公安局', '公安局', '', '11440100MB2C92412X', 'city')")
    run("INSERT INTO user_account (id, username, display_name, password_hash, department_id, active) "
        "VALUES (1, 'editor', '编目员', 'x', 1, true)")
    db.session.commit()

    upgrade(revision="0008")
    assert "notification" in tables()
    assert rows("SELECT username, email FROM user_account") == [("editor", None)]
    run("UPDATE user_account SET email = 'editor@example.gov.cn'")
    run("INSERT INTO notification (user_id, key, kind, subject, body, created_at) "
        "VALUES (1, 'deadline.reminder:demand:1', 'deadline.reminder', '提醒', '正文', '2026-12-14 08:00:00')")
    db.session.commit()
    assert rows("SELECT email_state, email_attempts, read_at, link FROM notification") == [("none", 0, None, None)]
    with pytest.raises(Exception):  # the same notice never reaches the same person twice
        run("INSERT INTO notification (user_id, key, kind, subject, body, created_at) "
            "VALUES (1, 'deadline.reminder:demand:1', 'deadline.reminder', '提醒', '正文', '2026-12-14 09:00:00')")
    db.session.rollback()
    with pytest.raises(Exception):  # only the four e-mail states
        run("INSERT INTO notification (user_id, key, kind, subject, body, created_at, email_state) "
            "VALUES (1, 'other', 'deadline.reminder', '提醒', '正文', '2026-12-14 09:00:00', 'lost')")
    db.session.rollback()
    assert "ix_notification_user_read" in {i["name"] for i in inspect(db.engine).get_indexes("notification")}

    downgrade(revision="0007")
    assert "notification" not in tables()
    assert "email" not in columns("user_account")
    assert rows("SELECT id, username FROM user_account") == [(1, "editor")]
