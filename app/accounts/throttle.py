"""Login throttling: too many failed sign-ins for one account lock it for a while."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import utcnow
from app.extensions import db


class LoginFailure(db.Model):
    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    at = mapped_column(db.DateTime, default=utcnow, index=True)


def _window_start() -> dt.datetime:
    return utcnow() - dt.timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])


def is_locked(username: str) -> bool:
    recent = db.session.scalar(select(func.count(LoginFailure.id)).where(
        LoginFailure.username == username[:64], LoginFailure.at >= _window_start()))
    return recent >= current_app.config["LOGIN_MAX_FAILURES"]


def record_failure(username: str, address: str) -> None:
    db.session.add(LoginFailure(username=username[:64], address=(address or "")[:64]))
    db.session.flush()


def clear(username: str) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username[:64]))
