"""Migration 0014 adds the table of saved search word lists, and takes it away again."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db
from app.indexing import vocabulary


def tables() -> set[str]:
    db.session.remove()
    return set(inspect(db.engine).get_table_names())


def test_0014_upgrades_and_downgrades(empty_app):
    upgrade(revision="0013")
    assert "search_vocabulary" not in tables()
    upgrade(revision="0014")
    assert "search_vocabulary" in tables()
    db.session.execute(text("INSERT INTO search_vocabulary (kind, body, saved_at, note) "
                            "VALUES ('synonyms', '观光地, 景区', '2026-11-30 08:00:00', '')"))
    db.session.commit()
    words, groups = vocabulary.in_force()
    assert groups == [["观光地", "景区"]] and "信息资源" in words  # the saved list; the dictionary's default
    db.session.remove()
    downgrade(revision="0013")
    assert "search_vocabulary" not in tables()
    upgrade()
