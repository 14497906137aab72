"""Database plumbing: one commit per edge (request, command), SQLite tuned for a web app."""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt

from sqlalchemy import JSON, event
from sqlalchemy.dialects.postgresql import JSONB

from app.extensions import db

JSONType = JSON().with_variant(JSONB(), "postgresql")

# Whether the current unit of work will write. On SQLite a writing transaction starts with BEGIN IMMEDIATE,
# so two writers queue on the busy timeout instead of one failing when it upgrades its read lock.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@contextlib.contextmanager
def transaction():
    """Run a unit of work that writes: commit once at the end, roll back everything on any exception."""
    token = write_intent.set(True)
    session = db.session()
    if (session.in_transaction() and not (session.new or session.dirty or session.deleted)
            and session.get_bind().dialect.name == "sqlite"):
        # End a read-only snapshot taken before this unit of work, so the writing transaction starts with
        # BEGIN IMMEDIATE: upgrading a SQLite read lock fails at once instead of waiting its turn.
        session.commit()
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        write_intent.reset(token)


def configure_sqlite(engine) -> None:
    """WAL, foreign keys, a busy timeout, and transactions begun by us (pysqlite's own BEGIN is disabled)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")
