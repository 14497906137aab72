"""Migration 0006 adds sessions, rate-limit counters and the demanded password change to a deployment's data, and
takes them away again."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db


def rows(sql: str):
    return [tuple(r) for r in db.session.execute(text(sql)).all()]


def tables() -> set[str]:
    db.session.remove()
    return set(inspect(db.engine).get_table_names())


def test_0006_upgrades_and_downgrades_with_users_in_place(empty_app):
    upgrade(revision="0005")
    run = lambda sql: db.session.execute(text(sql))  # noqa: E731
    run("INSERT INTO department (id, code, name, short_name, aliases, credit_code, region_level) "
        "VALUES (1, '006', '市公安局', '公安局', '', '11440100MB2C92412X', 'city')")
    run("INSERT INTO user_account (id, username, display_name, password_hash, department_id, active) "
        "VALUES (1, 'editor', '编目员', 'x', 1, true)")
    run("INSERT INTO login_failure (username, address, at) VALUES ('editor', '10.0.0.1', '2026-12-01 08:00:00')")
    db.session.commit()

    upgrade()
    assert {"user_session", "rate_limit_counter"} <= tables()
    assert rows("SELECT username, must_change_password FROM user_account") == [("editor", False)]
    run("INSERT INTO user_session (token_hash, user_id, created_at, last_seen_at, client_address, user_agent) "
        "VALUES ('h', 1, '2026-12-07 08:00:00', '2026-12-07 08:00:00', '10.0.0.1', 'Firefox')")
    run("INSERT INTO rate_limit_counter (key, hits, expires_at) VALUES ('LIMITER/x', 3, 1.5)")
    run("UPDATE user_account SET must_change_password = true")
    db.session.commit()
    with pytest.raises(Exception):  # one row per token
        run("INSERT INTO user_session (token_hash, user_id, created_at, last_seen_at, client_address, user_agent) "
            "VALUES ('h', 1, '2026-12-07 09:00:00', '2026-12-07 09:00:00', '10.0.0.2', '')")
    db.session.rollback()
    assert "ix_login_failure_address" in {i["name"] for i in inspect(db.engine).get_indexes("login_failure")}

    downgrade(revision="0005")
    assert not {"user_session", "rate_limit_counter"} & tables()
    assert "must_change_password" not in {c["name"] for c in inspect(db.engine).get_columns("user_account")}
    assert rows("SELECT id, username FROM user_account") == [(1, "editor")]
    assert rows("SELECT username, address FROM login_failure") == [("editor", "10.0.0.1")]
