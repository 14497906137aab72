"""Migration 0015 gives versions the original catalog's dates (NULL for everything published here) and takes them
away again, keeping the versions."""
import pathlib
import re

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db

REVISION = "0015"
MIGRATION = pathlib.Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0015_original_dates.py"
# the revision 0015 follows, read from the migration: re-chaining it stays a one-line change
DOWN = re.search(r"^down_revision = '([^']+)'", MIGRATION.read_text(encoding="utf-8"), re.M).group(1)


def version_columns() -> set[str]:
    db.session.remove()
    return {c["name"] for c in inspect(db.engine).get_columns("entry_version")}


def rows(sql: str):
    return [tuple(r) for r in db.session.execute(text(sql)).all()]


def test_0015_adds_the_original_dates_to_versions_and_takes_them_away(empty_app):
    upgrade(revision=DOWN)
    run = lambda sql: db.session.execute(text(sql))  # noqa: E731
    run("INSERT INTO category (code, name) VALUES ('1', '基础'), ('101', '人口'), ('101001', '户籍')")
    run("INSERT INTO department (id, code, name, short_name, aliases, credit_code, region_level) "
        "VALUES (1, '006', '市公安局', '公安局', '', '11440100MB2C92412X', 'city')")
    run("INSERT INTO entry (id, resource_code, category_code, department_id, status, overdue_flagged) "
        "VALUES (1, '101001/000001', '101001', 1, 'published', false)")
    run("INSERT INTO entry_version (id, entry_id, number, state, name, data, lock_version) "
        "VALUES (1, 1, 1, 'published', '户籍人口基本信息', '{\"release_date\": \"2026-01-05\"}', 1)")
    db.session.commit()

    upgrade(revision=REVISION)
    assert {"original_published_on", "original_updated_on"} <= version_columns()
    assert rows("SELECT id, original_published_on, original_updated_on FROM entry_version") == [(1, None, None)]
    run("UPDATE entry_version SET original_published_on = '2019-03-01', original_updated_on = '2024-06-15'")
    db.session.commit()

    downgrade(revision=DOWN)
    assert not {"original_published_on", "original_updated_on"} & version_columns()
    assert rows("SELECT id, name FROM entry_version") == [(1, "户籍人口基本信息")]
