"""Small units of work on their own connection, beside the request's: session checks and rate-limit counters.

A sign-in session's "last seen" and a rate-limit counter must be kept whether the request then succeeds, fails or
only reads (GET requests roll back), so they cannot ride on the request's one commit. They run before the request's
unit of work begins (from the view wrappers in `protection`): on SQLite a connection that waited here for the write
lock while its own request held it would wait for itself.
"""
from __future__ import annotations

import contextlib
import logging
from typing import Iterator

from flask import current_app
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from app.core.db import is_lock_timeout, lock_wait_ms, write_intent
from app.extensions import db

log = logging.getLogger(__name__)


@contextlib.contextmanager
def aside(*, write: bool) -> Iterator[Connection]:
    """A transaction on a connection of its own, committed at the end of the block.

    A write waits at most `ACCOUNT_WRITE_LOCK_WAIT_MS` for a lock (SQLite's write lock, which a long import may
    hold; a row or table lock on PostgreSQL), then fails with a lock timeout (see `busy`); a read takes no lock.
    """
    wait = current_app.config["ACCOUNT_WRITE_LOCK_WAIT_MS"]
    tokens = (write_intent.set(write), lock_wait_ms.set(wait) if write else None)
    try:
        with db.engine.begin() as connection:
            if write and connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(wait)}")
            yield connection
    finally:
        write_intent.reset(tokens[0])
        if tokens[1] is not None:
            lock_wait_ms.reset(tokens[1])


def busy(error: OperationalError, what: str) -> bool:
    """Whether `error` only means the write lock was busy (then `what` is skipped and logged, the request goes on)."""
    if not is_lock_timeout(error):
        return False
    log.info("%s skipped: the database's write lock is busy", what)
    return True
