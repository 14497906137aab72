"""Migration 0018 adds the docking tables (sources, runs, harvested records) and takes them away again; the partial
unique index allows one running run per source."""
import pathlib
import re

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from app.extensions import db

REVISION = "0018"
MIGRATION = pathlib.Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0018_harvest.py"
# the revision 0018 follows, read from the migration: re-chaining it stays a one-line change
DOWN = re.search(r"^down_revision = '([^']+)'", MIGRATION.read_text(encoding="utf-8"), re.MULTILINE).group(1)
TABLES = {"harvest_source", "harvest_run", "harvested_entry"}


def tables() -> set[str]:
    db.session.remove()
    return set(inspect(db.engine).get_table_names())


def test_0018_adds_the_docking_tables_and_takes_them_away(empty_app):
    upgrade(revision=DOWN)
    assert not TABLES & tables()
    upgrade(revision=REVISION)
    assert TABLES <= tables()
    run = lambda sql: db.session.execute(text(sql))  # noqa: E731
    run("INSERT INTO harvest_source (id, name, url, schedule, state, created_at, updated_at) "
        "VALUES (1, '金水区政务信息资源目录', 'https://jinshui.example.gov.cn', 'daily', 'active', "
        "'2027-01-05 10:00:00', '2027-01-05 10:00:00')")
    run("INSERT INTO harvested_entry (source_id, remote_id, remote_name, title, organization_title, package, public, "
        "first_harvested_at, last_harvested_at) VALUES (1, '7', '101001-000007', '户籍人口基本信息', '金水区公安局', "
        "'{}', true, '2027-01-05 10:00:00', '2027-01-05 10:00:00')")
    values = ("(1, '{state}', false, 'schedule', '2027-01-05 10:00:00', 0, 0, 0, 0, 0, '[]', '{{}}')")
    columns = ("(source_id, state, full_run, trigger, started_at, added, updated, removed, unchanged, errors, "
               "problems, changes)")
    run(f"INSERT INTO harvest_run {columns} VALUES {values.format(state='succeeded')}, "
        f"{values.format(state='running')}")
    db.session.commit()
    with pytest.raises(IntegrityError):  # a second running run of the same source
        run(f"INSERT INTO harvest_run {columns} VALUES {values.format(state='running')}")
        db.session.commit()
    db.session.rollback()
    downgrade(revision=DOWN)
    assert not TABLES & tables()
    upgrade()
    assert TABLES <= tables()
