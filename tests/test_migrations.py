"""Migration 0005 carries a deployment's data into the workflow core: roles, review stages, index messages."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.extensions import db


def rows(sql: str, **params):
    return [tuple(r) for r in db.session.execute(text(sql), params).all()]


def test_0005_moves_roles_review_stages_and_index_rows(empty_app):
    upgrade(revision="0004")
    run = lambda sql: db.session.execute(text(sql))  # noqa: E731
    run("INSERT INTO category (code, name) VALUES ('1', '基础'), ('101', '人口'), ('101001', '户籍')")
    run("INSERT INTO department (id, code, name, short_name, aliases, credit_code, region_level) "
        "VALUES (1, '006', '市公安局', '公安局', '', '11440100MB2C92412X', 'city')")
    run("INSERT INTO user_account (id, username, display_name, password_hash, role, department_id, active) "
        "VALUES (1, 'editor', '编目员', 'x', 'editor', 1, true), (2, 'boss', '审核员', 'x', 'authority_reviewer', 1, true)")
    for entry_id in (1, 2, 3):
        run(f"INSERT INTO entry (id, resource_code, category_code, department_id, status) "
            f"VALUES ({entry_id}, '101001/00000{entry_id}', '101001', 1, 'draft')")
        run(f"INSERT INTO entry_version (id, entry_id, number, state, name, data, lock_version) "
            f"VALUES ({entry_id}, {entry_id}, 1, '{'in_review' if entry_id < 3 else 'draft'}', '资源', '{{}}', 1)")
    run("INSERT INTO review (entry_id, version_id, stage, state, reasons, needs_confirmation, department_id, "
        "sharing_type) VALUES (1, 1, 'department', 'pending', '[]', false, 1, ''), "
        "(2, 2, 'department', 'approved', '[]', false, 1, ''), (2, 2, 'authority', 'pending', '[]', false, 1, '')")
    run("INSERT INTO index_outbox (entry_id) VALUES (3), (1)")
    db.session.commit()

    upgrade()
    assert rows("SELECT user_id, role FROM user_role ORDER BY user_id") == [(1, "editor"), (2, "authority_reviewer")]
    assert rows("SELECT id, state FROM entry_version ORDER BY id") == [
        (1, "department_review"), (2, "authority_review"), (3, "draft")]
    assert rows("SELECT topic, key FROM outbox ORDER BY id") == [("search.index", "entry:3"), ("search.index", "entry:1")]
    # the one-working-version rule holds for the new states
    with pytest.raises(Exception):
        run("INSERT INTO entry_version (entry_id, number, state, name, data, lock_version) "
            "VALUES (2, 2, 'draft', '资源', '{}', 1)")
    db.session.rollback()

    downgrade(revision="0004")
    assert rows("SELECT id, role FROM user_account ORDER BY id") == [(1, "editor"), (2, "authority_reviewer")]
    assert rows("SELECT id, state FROM entry_version ORDER BY id") == [(1, "in_review"), (2, "in_review"), (3, "draft")]
