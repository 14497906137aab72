"""Migration 0009 adds change tracking to a deployment with a published catalog: its entries get their last and
next expected update from their update cycle; a downgrade takes the new tables and columns away again."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db

NEW_TABLES = {"change_event", "change_task", "change_task_link", "maintenance_attestation", "department_contact",
              "entry_update"}


def rows(sql: str):
    return [tuple(r) for r in db.session.execute(text(sql)).all()]


def tables() -> set[str]:
    db.session.remove()
    return set(inspect(db.engine).get_table_names())


def test_0009_upgrades_a_published_catalog_and_downgrades(empty_app):
    upgrade(revision="0008")
    run = lambda sql: db.session.execute(text(sql))  # noqa: E731
    run("INSERT INTO category (code, name) VALUES ('1', '基础'), ('101', '人口'), ('101001', '户籍')")
    run("INSERT INTO department (id, code, name, short_name, aliases, credit_code, region_level) "
        "VALUES (1, '006', '市公安局', '公安局', '', '11440100MB2C92412X', 'city')")
    for entry_id, cycle in ((1, "monthly"), (2, "irregular"), (3, "yearly")):
        run(f"INSERT INTO entry (id, resource_code, category_code, department_id, status) "
            f"VALUES ({entry_id}, '101001/00000{entry_id}', '101001', 1, '{'draft' if entry_id == 3 else 'published'}')")
        run(f"INSERT INTO entry_version (id, entry_id, number, state, name, data, lock_version, published_at) "
            f"VALUES ({entry_id}, {entry_id}, 1, '{'draft' if entry_id == 3 else 'published'}', '资源', "
            f"'{{\"update_cycle\": \"{cycle}\"}}', 1, {'NULL' if entry_id == 3 else chr(39) + '2026-01-31 08:00:00' + chr(39)})")
        if entry_id != 3:
            run(f"UPDATE entry SET published_version_id = {entry_id} WHERE id = {entry_id}")
    db.session.commit()

    upgrade()
    assert NEW_TABLES <= tables()
    found = [(i, a and str(a), b and str(b), bool(c)) for i, a, b, c in rows(
        "SELECT id, last_update_on, next_update_on, overdue_flagged FROM entry ORDER BY id")]
    assert found == [
        (1, "2026-01-31", "2026-02-28", False),  # a month after the last day of January
        (2, "2026-01-31", None, False),  # 不定期: no expected date
        (3, None, None, False)]  # a draft has no update yet
    db.session.remove()  # no read left open: PostgreSQL's DROP TABLE would wait for it

    downgrade(revision="0008")
    assert not NEW_TABLES & tables()
    assert not {"last_update_on", "next_update_on", "overdue_flagged"} & {
        c["name"] for c in inspect(db.engine).get_columns("entry")}
    assert rows("SELECT id, status FROM entry ORDER BY id") == [(1, "published"), (2, "published"), (3, "draft")]
