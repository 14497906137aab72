"""Migration 0012 adds the error report table to a deployment's data and takes it away again."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from app.extensions import db


def tables() -> set[str]:
    db.session.remove()
    return set(inspect(db.engine).get_table_names())


def test_0012_upgrades_and_downgrades_with_a_catalog_in_place(empty_app):
    upgrade(revision="0011")
    run = lambda sql: db.session.execute(text(sql))
    run("INSERT INTO category (code, name) VALUES ('1', '基础'), ('101', '人口'), ('101001', '户籍')")
    run("INSERT INTO department (id, code, name, short_name, aliases, credit_code, region_level) "
        "VALUES (1, '006', '市公安局', '公安局', '', '11440100MB2C92412X', 'city'), "
        "(2, '007', '市民政局', '民政局', '', '11440100MB2C92413X', 'city')")
    run("INSERT INTO user_account (id, username, display_name, password_hash, department_id, active) "
        "VALUES (1, 'seeker', '使用部门用户', 'x', 2, true)")
    run("INSERT INTO entry (id, resource_code, category_code, department_id, status, overdue_flagged) "
        "VALUES (1, '101001/000001', '101001', 1, 'published', false)")
    run("INSERT INTO entry_version (id, entry_id, number, state, name, data, lock_version) "
        "VALUES (1, 1, 1, 'published', '户籍人口', '{}', 1)")
    db.session.commit()
    upgrade()
    assert "error_report" in tables()
    insert = ("INSERT INTO error_report (entry_id, version_id, reporter_department_id, reported_by_id, "
              "provider_department_id, kind, items, description, state, reported_on, due_on, due_provisional, "
              "overdue_flagged, late, answer, answer_note) VALUES (1, 1, 2, 1, 1, 'data', '[\"姓名\"]', '号码有误', "
              "'{state}', '2026-11-02', '2026-11-16', false, false, false, {answer}, {note})")
    run(insert.format(state="open", answer="NULL", note="NULL"))
    db.session.commit()
    with pytest.raises(IntegrityError):  # "no error" needs its explanation, in the database too
        run(insert.format(state="no_error", answer="'no_error'", note="''"))
        db.session.commit()
    db.session.rollback()
    db.session.remove()
    downgrade(revision="0011")
    assert "error_report" not in tables()
    assert [tuple(r) for r in db.session.execute(text("SELECT id, name FROM entry_version")).all()] == [(1, "户籍人口")]
    db.session.remove()
