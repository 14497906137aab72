"""API tokens (API 令牌): how machine clients (ckanapi, harvesters, scripts) authenticate as a user.

A token is ``gcat_`` + 43 characters of `secrets.token_urlsafe(32)` (256 random bits). It is shown to its owner
once, when it is made; the `api_token` row keeps only its SHA-256 and a short prefix to recognise it by in lists.
A request presents it as ``Authorization: <token>``, ``Authorization: Bearer <token>`` or ``X-CKAN-API-Key:
<token>`` (what ``ckanapi`` sends — it sends the same value in both headers); a different scheme in
``Authorization`` (``Basic …`` from a proxy) is not a token and is ignored.

A token acts with its user's roles, all of them (no scopes in this version). It stops working when revoked, after
its last valid day (`expires_on`, the deployment's local date), and while its user is deactivated.

The check runs on a connection of its own (see `aside`) and is remembered per request: the API's rate limit asks
it first (to count the request against the token), then the view wrapper in `protection` records "last used" —
at most once a minute per token, before the request's unit of work begins, so a GET stays a read — and the API's
view calls `token_user`, which loads the user and the token into the request's session.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import secrets
from typing import Iterator

from flask import has_request_context, request
from sqlalchemy import Date, ForeignKey, Index, String, or_, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from app.core import acting
from app.core.clock import today
from app.core.db import utcnow
from app.core.errors import PermissionDenied
from app.extensions import db

from .aside import aside, busy
from .models import User

#: what every token starts with: recognisable in a leaked log or a repository (secret scanners), never secret
PREFIX = "gcat_"
#: characters of a token kept (and shown) to recognise it by: the prefix and 6 random characters (36 of 256 bits)
SHOWN_LENGTH = len(PREFIX) + 6
#: a presented value longer than this is no token of ours (not even hashed)
MAX_LENGTH = 128
#: "last used" is written at most this often per token (it is a write, also on a GET)
TOUCH_EVERY = dt.timedelta(minutes=1)
#: the blueprints whose endpoints take API tokens (and count against the API rate limit)
API_BLUEPRINTS = ("ckan_api", "own_api")
NAME_MAX_LENGTH = 50

#: why a presented token is refused: Chinese and English
REFUSALS = {
    "unknown": ("API 令牌无效", "invalid API token"),
    "revoked": ("API 令牌已撤销", "the API token has been revoked"),
    "expired": ("API 令牌已过期", "the API token has expired"),
    "inactive": ("API 令牌所属的账号已停用", "the API token's account is deactivated"),
    "ambiguous": ("请求头 Authorization 与 X-CKAN-API-Key 中的 API 令牌不一致",
                  "the Authorization and X-CKAN-API-Key headers carry different API tokens"),
}


class ApiToken(db.Model):
    """One API token of a user: its name, a hash of the token, and when it was made, last used, ends or was revoked.

    Only a hash is stored. SHA-256, a fast hash, is right here where a password needs a slow one (scrypt): a slow
    hash protects guessable secrets against guessing, and this secret is 256 random bits no one can guess however
    fast they hash; a fast hash lets every API request be checked by one indexed lookup.
    """

    __tablename__ = "api_token"
    __table_args__ = (
        # a name says which of a user's tokens is which: unique among those not revoked (expired ones included)
        Index("uq_api_token_live_name", "user_id", "name", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(db.DateTime, default=utcnow)
    # the last day it works (inclusive, the deployment's local date); None: no end (only when API_TOKEN_MAX_DAYS=0)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(db.DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(db.DateTime)

    @property
    def state(self) -> str:
        """active, expired or revoked (what the tokens page shows)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_on is not None and self.expires_on < today():
            return "expired"
        return "active"

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


STATE_LABELS = {"active": "有效", "expired": "已过期", "revoked": "已撤销"}


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new(user: User, name: str, expires_on: dt.date | None) -> tuple[ApiToken, str]:
    """Add a token for `user` to this unit of work; returns it and the raw token (which nothing keeps)."""
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_hash(raw), prefix=raw[:SHOWN_LENGTH],
                     expires_on=expires_on)
    db.session.add(token)
    return token, raw


def of_user(user_id: int) -> list[ApiToken]:
    """A user's tokens, the newest first (revoked ones too: the page shows what was)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def name_taken(user_id: int, name: str) -> bool:
    return db.session.scalar(select(ApiToken.id).where(
        ApiToken.user_id == user_id, ApiToken.name == name, ApiToken.revoked_at.is_(None)).limit(1)) is not None


def revoke_all(user_id: int) -> int:
    """Revoke every token of a user not yet revoked (in this unit of work); returns how many."""
    return db.session.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                              .values(revoked_at=utcnow())).rowcount


# ---- a request's token ----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Check:
    """What a presented token came to: its row (None: no such token) and why it is refused (None: it is good)."""

    token_id: int | None
    user_id: int | None
    refusal: str | None
    last_used_at: dt.datetime | None = None


def _values(headers, name: str) -> list[str]:
    if hasattr(headers, "getlist"):
        return headers.getlist(name)
    return [value for key, value in headers.items() if key.lower() == name.lower()]


def presented(headers) -> list[str]:
    """The distinct tokens the headers carry (usually none or one)."""
    found = []
    for value in _values(headers, "Authorization"):
        value = value.strip()
        scheme, _, rest = value.partition(" ")
        if rest:  # "<scheme> <credentials>": ours only as Bearer
            if scheme.lower() != "bearer":
                continue
            value = rest.strip()
        elif value.lower() == "bearer":
            value = ""  # "Bearer" and nothing: a token was meant, and is wrong
        elif not value:
            continue
        found.append(value)
    found += [value.strip() for value in _values(headers, "X-CKAN-API-Key") if value.strip()]
    return list(dict.fromkeys(found))


_MEMORY = "catalog.api_token_checks"


def current(headers, *, touch: bool = False) -> Check | None:
    """The check of the token the headers present (None: they present none); never raises. Remembered per
    request; with `touch`, "last used" is recorded once it is a minute old."""
    values = presented(headers)
    if not values:
        return None
    if len(values) > 1:
        return Check(None, None, "ambiguous")
    raw = values[0]
    digest = _hash(raw)
    # remembered on the request itself (not `g`, which an app context shared by several requests would share)
    memory = request.environ.setdefault(_MEMORY, {}) if has_request_context() else {}
    if digest not in memory:
        memory[digest] = _check(raw, digest)
    check = memory[digest]
    if touch and check.refusal is None and not memory.get((digest, "touched")):
        memory[(digest, "touched")] = True
        _touch(check)
    return check


def _check(raw: str, digest: str) -> Check:
    if len(raw) > MAX_LENGTH or not raw.startswith(PREFIX) or not raw.isascii():
        return Check(None, None, "unknown")
    with aside(write=False) as connection:
        row = connection.execute(
            select(ApiToken.id, ApiToken.user_id, ApiToken.expires_on, ApiToken.revoked_at, ApiToken.last_used_at,
                   User.active).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == digest)).first()
    if row is None:
        return Check(None, None, "unknown")
    refusal = _refusal(row.revoked_at, row.expires_on, row.active)
    return Check(row.id, row.user_id, refusal, row.last_used_at)


def _refusal(revoked_at, expires_on, active) -> str | None:
    if revoked_at is not None:
        return "revoked"
    if not active:
        return "inactive"
    if expires_on is not None and expires_on < today():
        return "expired"
    return None


def _touch(check: Check) -> None:
    now = utcnow()
    if check.last_used_at is not None and check.last_used_at > now - TOUCH_EVERY:
        return
    try:
        with aside(write=True) as connection:
            connection.execute(update(ApiToken).where(
                ApiToken.id == check.token_id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - TOUCH_EVERY),
            ).values(last_used_at=now))
    except OperationalError as error:
        if not busy(error, "recording an API token's last use"):
            raise


def token_user(headers) -> tuple[User, ApiToken] | None:
    """The user and token a request authenticates with (see the module's docstring for the headers); None when
    it presents no token. An unknown, revoked or expired token, two different tokens, or a deactivated user's
    token raise `PermissionDenied` — a bad token is refused, never ignored."""
    check = current(headers, touch=True)
    if check is None:
        return None
    if check.refusal is None:
        token, user = db.session.get(ApiToken, check.token_id), db.session.get(User, check.user_id)
        # as the request's own unit of work sees them (a revocation may have landed since the check)
        refusal = "unknown" if token is None or user is None else _refusal(token.revoked_at, token.expires_on,
                                                                           user.active)
        if refusal is None:
            return user, token
    else:
        refusal = check.refusal
    raise PermissionDenied(*REFUSALS[refusal])


@contextlib.contextmanager
def acting_through(token: ApiToken | None) -> Iterator[None]:
    """Every audit entry written inside the block names the token (``details["api_token"]``, its name, and
    ``details["api_token_id"]``): an API write says which of its user's tokens made it. None: nothing is added
    (a call made without a token)."""
    if token is None:
        yield
        return
    with acting.through({"api_token": token.name, "api_token_id": token.id}):
        yield
