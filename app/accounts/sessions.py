"""Server-side sign-in sessions (登录会话).

The cookie carries Flask-Login's user id and a random token; the `user_session` row (found by the token's SHA-256)
says whether it still counts: not ended (sign-out, password change, deactivation, an admin or the user ending it),
used within `SESSION_IDLE_MINUTES`, begun within `SESSION_MAX_HOURS`, and its user active. A copied cookie is worth
nothing once its row says so.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets

from flask import current_app, g, has_request_context, request, session
from sqlalchemy import ForeignKey, String, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import utcnow
from app.extensions import db

from .aside import aside, busy
from .models import User

#: the cookie session's key for the token (Flask-Login keeps the user id under "_user_id")
TOKEN_KEY = "_session_token"
#: "last seen" is written at most this often per session (it is a write, also on a GET)
TOUCH_EVERY = dt.timedelta(minutes=1)
_FLASK_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds")

END_REASONS = {
    "logout": "退出登录",
    "password_changed": "修改密码",
    "deactivated": "账号停用",
    "ended_by_user": "用户本人结束",
    "ended_by_admin": "管理员结束",
}


class UserSession(db.Model):
    """One signed-in browser: where it signed in from, when it was last seen, and whether it has ended."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(db.DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(db.DateTime, default=utcnow)
    client_address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    ended_at: Mapped[dt.datetime | None] = mapped_column(db.DateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(32))

    @property
    def ended_reason_label(self) -> str:
        return END_REASONS.get(self.ended_reason or "", self.ended_reason or "")


@dataclasses.dataclass(frozen=True)
class Current:
    """The live session the request's cookie names."""

    id: int
    user_id: int
    must_change_password: bool


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _live(now: dt.datetime) -> tuple:
    """SQL conditions of a session that still counts at `now`."""
    config = current_app.config
    return (UserSession.ended_at.is_(None),
            UserSession.last_seen_at > now - dt.timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
            UserSession.created_at > now - dt.timedelta(hours=config["SESSION_MAX_HOURS"]))


def client_address() -> str:
    """The client's address: the connection's, or behind `TRUSTED_PROXIES` reverse proxies the one the outermost
    of them saw (X-Forwarded-For entries further left are whatever the client wrote, so they are not believed)."""
    if not has_request_context():
        return ""
    address = request.remote_addr or "unknown"
    hops = current_app.config["TRUSTED_PROXIES"]
    if hops:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    return address[:64]


def start(user: User) -> str:
    """Open a session for `user` in this request's unit of work; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_hash(token), user_id=user.id, client_address=client_address(),
                               user_agent=(request.user_agent.string or "")[:255]))
    db.session.flush()
    return token


def current(*, touch: bool = False) -> Current | None:
    """The live session of this request's cookie, or None (the cookie's sign-in keys are then dropped).

    Read on a connection of its own (see `aside`); with `touch`, "last seen" is recorded when it is a minute old.
    Remembered per request."""
    if "account_session" in g:
        return g.account_session
    g.account_session = state = _check(touch)
    if state is None and (TOKEN_KEY in session or "_user_id" in session):
        forget_cookie()
    return state


def _check(touch: bool) -> Current | None:
    token, user_id = session.get(TOKEN_KEY), session.get("_user_id")
    if not token or not user_id:
        return None
    now = utcnow()
    with aside(write=False) as connection:
        row = connection.execute(
            select(UserSession.id, UserSession.user_id, UserSession.last_seen_at, User.must_change_password)
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.token_hash == _hash(str(token)), User.active.is_(True), *_live(now))).first()
    if row is None or str(row.user_id) != str(user_id):
        return None
    if touch and row.last_seen_at <= now - TOUCH_EVERY:
        try:
            with aside(write=True) as connection:
                connection.execute(update(UserSession).where(
                    UserSession.id == row.id, UserSession.last_seen_at <= now - TOUCH_EVERY).values(last_seen_at=now))
        except OperationalError as error:
            if not busy(error, "recording a session's last-seen time"):
                raise
    return Current(row.id, row.user_id, bool(row.must_change_password))


def remember(token: str) -> None:
    """Put a new session's token in the cookie (after Flask-Login's `login_user`)."""
    session[TOKEN_KEY] = token
    g.pop("account_session", None)


def forget_cookie() -> None:
    """Drop the sign-in keys from the cookie session."""
    for key in (TOKEN_KEY, *_FLASK_LOGIN_KEYS):
        session.pop(key, None)


def end(session_ids: list[int], reason: str) -> int:
    """End these sessions (in this request's unit of work); returns how many were still open."""
    if not session_ids:
        return 0
    result = db.session.execute(update(UserSession).where(
        UserSession.id.in_(session_ids), UserSession.ended_at.is_(None)).values(ended_at=utcnow(), ended_reason=reason))
    return result.rowcount


def end_all(user_id: int, reason: str, *, keep: int | None = None) -> int:
    """End every open session of a user (but `keep`); returns how many were open."""
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep)
    return db.session.execute(query.values(ended_at=utcnow(), ended_reason=reason)).rowcount


def live_of(user_id: int) -> list[UserSession]:
    """A user's sessions that still count, the most recently seen first."""
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user_id, *_live(utcnow()))
                                   .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def live_counts() -> dict[int, int]:
    """Number of sessions that still count, per user id."""
    return dict(db.session.execute(select(UserSession.user_id, func.count(UserSession.id))
                                   .where(*_live(utcnow())).group_by(UserSession.user_id)).all())


def is_known_address(username: str, address: str) -> bool:
    """Whether `username` signed in from `address` within `LOGIN_KNOWN_ADDRESS_DAYS` (read aside: this is asked
    before the request's unit of work begins)."""
    since = utcnow() - dt.timedelta(days=current_app.config["LOGIN_KNOWN_ADDRESS_DAYS"])
    with aside(write=False) as connection:
        return connection.execute(
            select(UserSession.id).join(User, User.id == UserSession.user_id)
            .where(User.username == username, UserSession.client_address == address,
                   UserSession.created_at >= since).limit(1)).first() is not None
