"""Migration 0011 adds the demand catalog and takes it away again."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app.extensions import db


def tables() -> set[str]:
    db.session.remove()
    return set(inspect(db.engine).get_table_names())


def test_0011_upgrades_and_downgrades(empty_app):
    upgrade(revision="0011")
    assert "demand" in tables()
    assert {"items_text", "target_department_id", "due_on"} <= {c["name"] for c in inspect(db.engine).get_columns("demand")}
    downgrade(revision="0010")
    assert "demand" not in tables() and "share_request" in tables()
