"""Resource codes (信息资源代码): `<category code>/<sequence>`, unique, never reused, stable across versions."""
from __future__ import annotations

from sqlalchemy import insert, update

from app.extensions import db

from .models import CodeSequence


def next_sequence(category_code: str) -> int:
    """The next number of a classification node (see `reserve_sequence`)."""
    return reserve_sequence(category_code, 1)


def reserve_sequence(category_code: str, count: int) -> int:
    """Take the next `count` numbers for a classification node, atomically; returns the last one taken.

    The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite, in a BEGIN IMMEDIATE transaction),
    so concurrent creators queue instead of reading the same value. Numbers only grow: a retired entry's code
    is never handed out again.
    """
    session = db.session
    dialect = session.get_bind().dialect.name
    stmt = insert(CodeSequence).values(category_code=category_code, last_value=0)
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        stmt = pg_insert(CodeSequence).values(category_code=category_code, last_value=0).on_conflict_do_nothing()
    else:
        stmt = stmt.prefix_with("OR IGNORE")
    session.execute(stmt)
    return session.execute(
        update(CodeSequence)
        .where(CodeSequence.category_code == category_code)
        .values(last_value=CodeSequence.last_value + count)
        .returning(CodeSequence.last_value)
    ).scalar_one()


def format_code(category_code: str, sequence: int, width: int) -> str:
    return f"{category_code}/{sequence:0{width}d}"
