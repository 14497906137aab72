"""Migration 0017 adds API tokens beside a deployment's users, and takes them away again."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db


def rows(sql: str):
    return [tuple(r) for r in db.session.execute(text(sql)).all()]


def tables() -> set[str]:
    db.session.remove()
    return set(inspect(db.engine).get_table_names())


def add_token(run, token_id: int, name: str, token_hash: str, revoked_at: str | None = None) -> None:
    run(f"INSERT INTO api_token (id, user_id, name, token_hash, prefix, created_at, expires_on, revoked_at) "
        f"VALUES ({token_id}, 1, '{name}', '{token_hash}', 'gcat_abcdef', '2027-01-04 08:00:00', '2028-01-04', "
        f"{repr(revoked_at) if revoked_at else 'NULL'})")


def test_0017_upgrades_and_downgrades_with_users_in_place(empty_app):
    upgrade(revision="0016")
    run = lambda sql: db.session.execute(text(sql))  # noqa: E731
    run("INSERT INTO department (id, code, name, short_name, aliases, credit_code, region_level) "
        "VALUES (1, '006', '市公安局', '公安局', '', '11440100MB2C92412X', 'city')")
    run("INSERT INTO user_account (id, username, display_name, password_hash, department_id, active) "
        "VALUES (1, 'editor', '编目员', 'x', 1, true)")
    db.session.commit()

    upgrade(revision="0017")
    assert "api_token" in tables()
    add_token(run, 1, '采集程序', 'a' * 64, revoked_at='2027-01-05 08:00:00')
    add_token(run, 2, '采集程序', 'b' * 64)  # the first is revoked: its name is free
    db.session.commit()
    for token_id, name, token_hash in ((3, '采集程序', 'c' * 64),  # a second live token of that name
                                       (4, '另一个', 'b' * 64)):  # the same token twice
        with pytest.raises(Exception):
            add_token(run, token_id, name, token_hash)
            db.session.flush()
        db.session.rollback()
    [key] = inspect(db.engine).get_foreign_keys("api_token")
    assert (key["referred_table"], key["options"].get("ondelete")) == ("user_account", "CASCADE")  # gone with the user
    assert rows("SELECT id, name FROM api_token ORDER BY id") == [(1, "采集程序"), (2, "采集程序")]
    db.session.rollback()  # our reads end before the migration takes its locks (PostgreSQL)

    downgrade(revision="0016")
    assert "api_token" not in tables()
    assert rows("SELECT id, username FROM user_account") == [(1, "editor")]
