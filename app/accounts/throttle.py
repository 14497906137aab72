"""Sign-in throttling that never locks the owner out.

- **Per client address, a progressive delay.** Every failed sign-in is a `login_failure` row. Once an address has
  `LOGIN_ADDRESS_FREE_FAILURES` failures within `LOGIN_FAILURE_WINDOW_MINUTES`, it must wait before its next try:
  `LOGIN_ADDRESS_DELAY_SECONDS` after its latest failure, doubling with every further failure, at most
  `LOGIN_ADDRESS_MAX_DELAY_SECONDS`. A try during the wait is answered 429 with Retry-After and no password is
  checked, so one address guesses slower and slower whichever accounts it tries.
- **Per account, a budget for strangers** (`LOGIN_RATE_LIMIT_ACCOUNT`, a rate limit attached in `ratelimits`):
  all the addresses the account has not signed in from lately share a few tries per window, so guessing from many
  addresses is slow too; addresses the account signed in from within `LOGIN_KNOWN_ADDRESS_DAYS` are spared it, so
  the owner at their usual desk is never refused for what others did. Nothing is locked: no count of failures
  ever refuses the right password for good, and an admin can clear both (用户管理 → 解除登录限制).

In the database rather than in memory because gunicorn runs several worker processes.
"""
from __future__ import annotations

import datetime as dt
import math

from flask import current_app
from sqlalchemy import String, delete, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import utcnow
from app.extensions import db

# advisory-lock namespace of sign-in tries per address (PostgreSQL)
_ADDRESS_LOCK = 73_001


class LoginFailure(db.Model):
    """One failed sign-in: the user name typed (existing or not) and the client address."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), default="", index=True)
    at = mapped_column(db.DateTime, default=utcnow, index=True)


def _window_start() -> dt.datetime:
    return utcnow() - dt.timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])


def serialize(address: str) -> None:
    """Make concurrent sign-in tries from one address take their turns, so a burst cannot slip past the delay
    (SQLite's writing transactions already take turns; PostgreSQL takes a lock until the transaction ends)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:space, hashtext(:address))"),
                           {"space": _ADDRESS_LOCK, "address": address})


def delay_after(failures: int) -> int:
    """Seconds an address must wait after its latest failure when it has `failures` in the window."""
    config = current_app.config
    beyond = failures - config["LOGIN_ADDRESS_FREE_FAILURES"]
    if beyond < 0:
        return 0
    return min(config["LOGIN_ADDRESS_DELAY_SECONDS"] * 2 ** min(beyond, 30), config["LOGIN_ADDRESS_MAX_DELAY_SECONDS"])


def address_wait(address: str) -> int:
    """Seconds `address` must still wait before its next sign-in try (0: it may try now)."""
    failures, latest = db.session.execute(
        select(func.count(LoginFailure.id), func.max(LoginFailure.at))
        .where(LoginFailure.address == address[:64], LoginFailure.at >= _window_start())).one()
    delay = delay_after(failures)
    if not delay or latest is None:
        return 0
    return max(0, math.ceil((latest + dt.timedelta(seconds=delay) - utcnow()).total_seconds()))


def record_failure(username: str, address: str) -> None:
    db.session.add(LoginFailure(username=username[:64], address=address[:64]))
    db.session.flush()


def forget(username: str, address: str) -> None:
    """After a successful sign-in: the owner's own slips from this address no longer count against it."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username[:64],
                                                  LoginFailure.address == address[:64]))


def clear(*, username: str | None = None, address: str | None = None) -> int:
    """Forget the failures of an account (from every address) or of an address (for every account)."""
    query = delete(LoginFailure)
    if username is not None:
        query = query.where(LoginFailure.username == username[:64])
    if address is not None:
        query = query.where(LoginFailure.address == address[:64])
    return db.session.execute(query).rowcount


def recent_by_username() -> dict[str, int]:
    """Failures within the window, per user name typed."""
    return dict(db.session.execute(select(LoginFailure.username, func.count(LoginFailure.id))
                                   .where(LoginFailure.at >= _window_start()).group_by(LoginFailure.username)).all())


def recent_addresses(limit: int = 20) -> list[tuple[str, int, int]]:
    """The addresses with failures within the window, most first: (address, failures, seconds still to wait)."""
    rows = db.session.execute(
        select(LoginFailure.address, func.count(LoginFailure.id).label("n"), func.max(LoginFailure.at))
        .where(LoginFailure.at >= _window_start()).group_by(LoginFailure.address)
        .order_by(func.count(LoginFailure.id).desc(), LoginFailure.address).limit(limit)).all()
    now = utcnow()
    return [(address, n, max(0, math.ceil((latest + dt.timedelta(seconds=delay_after(n)) - now).total_seconds()))
             if delay_after(n) else 0) for address, n, latest in rows]
