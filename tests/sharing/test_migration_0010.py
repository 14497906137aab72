"""Migration 0010 adds the sharing tables to a deployment's data and takes them away again."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db

NEW_TABLES = {"share_request", "share_grant", "adapter_settings", "sharing_suspension"}


def tables() -> set[str]:
    db.session.remove()
    return set(inspect(db.engine).get_table_names())


def test_0010_upgrades_and_downgrades_with_a_catalog_in_place(empty_app):
    upgrade(revision="0009")
    db.session.execute(text("INSERT INTO department (id, code, name, short_name, aliases, credit_code, region_level) "
                            "VALUES (1, '006', '市公安局', '公安局', '', '11440100MB2C92412X', 'city')"))
    db.session.commit()
    upgrade()
    assert NEW_TABLES <= tables()
    db.session.execute(text("INSERT INTO sharing_suspension (department_id, state, reason) VALUES (1, 'in_force', '逾期')"))
    db.session.commit()
    db.session.remove()
    downgrade(revision="0009")
    assert not NEW_TABLES & tables()
    assert [tuple(r) for r in db.session.execute(text("SELECT id, name FROM department")).all()] == [(1, "市公安局")]
    db.session.remove()
