"""Database plumbing: one commit per edge (request, command, job), work after commit, SQLite tuned for a web app,
and reads that cannot write."""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import re
from typing import Callable

from sqlalchemy import JSON, event
from sqlalchemy.dialects.postgresql import JSONB

from app.extensions import db

log = logging.getLogger(__name__)

JSONType = JSON().with_variant(JSONB(), "postgresql")

# Whether the current unit of work will write. On SQLite a writing transaction starts with BEGIN IMMEDIATE,
# so two writers queue on the busy timeout instead of one failing when it upgrades its read lock.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)

# Whether the current unit of work must not write at all (GET requests): an INSERT, UPDATE or DELETE raises.
read_only: contextvars.ContextVar[bool] = contextvars.ContextVar("read_only", default=False)

# How long a writer waits for SQLite's write lock before giving up (milliseconds). Web requests wait briefly and
# answer 503 (see create_app); commands and background jobs set a longer wait with `lock_wait`.
lock_wait_ms: contextvars.ContextVar[int | None] = contextvars.ContextVar("lock_wait_ms", default=None)

# Tables a read may still write (e.g. session or rate-limit storage); nothing of the catalog.
READ_WRITABLE_TABLES: set[str] = set()

# Called after every successful commit of an edge, outside any transaction (the outbox drains its new rows).
_after_commit: list[Callable[[], None]] = []


class ReadOnlyViolation(RuntimeError):
    """A read (a GET request) tried to write: a programming error, never a user's."""


def utcnow() -> dt.datetime:
    """Now, in UTC without a zone (how every timestamp is stored); on the fixed day when `TODAY` is set."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    from .clock import shifted

    return shifted(now)


def on_commit(callback: Callable[[], None]) -> Callable[[], None]:
    """Register work to do after each edge's commit (best effort: it must leave durable state to retry from)."""
    if callback not in _after_commit:
        _after_commit.append(callback)
    return callback


def run_after_commit() -> None:
    for callback in _after_commit:
        try:
            callback()
        except Exception:  # never fail the committed unit of work; the callback's own state says what to retry
            db.session.rollback()
            log.exception("after-commit work failed")


def commit() -> None:
    """Commit the edge's unit of work, then run the after-commit work."""
    db.session.commit()
    run_after_commit()


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
    run_after_commit()


def configure_engine(engine, *, lock_wait_default_ms: int = 30_000) -> None:
    """Reads never write; on SQLite: WAL, foreign keys, a lock wait per unit of work, transactions begun by us."""
    default_wait = lock_wait_default_ms

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_writes_in_reads(_conn, _cursor, statement, _parameters, _context, _executemany):
        if read_only.get():
            verb, table = _write_target(statement)
            if verb and table not in READ_WRITABLE_TABLES:
                raise ReadOnlyViolation(f"a read (GET) tried to {verb} {table}")

    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(default_wait)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        wait = lock_wait_ms.get()
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(wait if wait is not None else default_wait)}")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


def is_lock_timeout(error: Exception) -> bool:
    """Whether a database error means "another writer holds the lock" (SQLite's busy timeout ran out, or
    PostgreSQL's lock_timeout)."""
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "lock timeout" in text or "canceling statement due to lock" in text


_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b(?:\s+OR\s+\w+)?(?:\s+(?:INTO|FROM))?\s+[\"`]?(\w+)", re.I)


def _write_target(statement: str) -> tuple[str | None, str | None]:
    """("INSERT", "entry") for a statement that writes a table, (None, None) for anything else."""
    match = _WRITE.match(statement)
    return (match.group(1).upper(), match.group(2).lower()) if match else (None, None)
