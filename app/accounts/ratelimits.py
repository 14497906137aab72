"""Rate limits (Flask-Limiter): sign-in, password changes, Excel import and export, anonymous search, and the API.

Counters live where every gunicorn process sees them: by default in a `rate_limit_counter` table (a `limits`
storage registered as ``catalogdb://``) — in the catalog database on PostgreSQL, and on SQLite in a file of its own
beside it (``instance/ratelimits.sqlite3``, as the job queue has), because a counter is written on every anonymous
search and SQLite has one write lock: a long import holding it must not slow searching down — or in Redis when
`RATE_LIMIT_STORAGE` says ``redis://…``. Each limit is a setting in Flask-Limiter's notation ("60 per minute"),
read per request.
"""
from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import time
from typing import Callable

import contextlib
import pathlib
from typing import Iterator

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import parse_many
from limits.storage import Storage
from sqlalchemy import Connection, Float, Integer, String, case, create_engine, delete, event, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

from . import sessions, tokens
from .aside import aside, busy

SCHEME = "catalogdb"
EXTENSION = "catalog_limiter"
KEY_PREFIX = "catalog"
_PURGE_EVERY = 500  # counter updates per process between two sweeps of expired counters


class RateLimitCounter(db.Model):
    """One fixed-window counter of Flask-Limiter: its key, hits so far, and when the window ends (epoch seconds)."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


SIDE_FILE = "ratelimits.sqlite3"
_SIDE_ENGINE = "catalog_ratelimit_engine"


def _side_engine():
    """SQLite only: the counters' own database file beside the catalog's (made on first use; it holds nothing that
    outlives a rate-limit window, so it needs no migration)."""
    app = current_app._get_current_object()
    if _SIDE_ENGINE not in app.extensions:
        path = pathlib.Path(app.instance_path) / SIDE_FILE
        engine = create_engine(f"sqlite:///{path}")
        wait = int(app.config["ACCOUNT_WRITE_LOCK_WAIT_MS"])

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={wait}")
            cursor.close()

        RateLimitCounter.__table__.create(engine, checkfirst=True)
        app.extensions[_SIDE_ENGINE] = engine
    return app.extensions[_SIDE_ENGINE]


@contextlib.contextmanager
def _counters(*, write: bool) -> Iterator[Connection]:
    """A short transaction where the counters live: the side file on SQLite, the catalog database otherwise."""
    if db.engine.dialect.name == "sqlite":
        with _side_engine().begin() as connection:
            yield connection
    else:
        with aside(write=write) as connection:
            yield connection


class DatabaseStorage(Storage):
    """`limits` storage in a table (fixed-window strategy): see the module's docstring for where it lives.

    A hit is one upsert on a connection of its own: it counts whether the request then succeeds, fails or only
    reads. If the lock stays busy beyond `ACCOUNT_WRITE_LOCK_WAIT_MS` the hit is skipped and the request goes on:
    a search must not wait seconds for its counter. On PostgreSQL `clear` joins the caller's unit of work, so an
    admin's unlock commits or rolls back with its audit entry.
    """

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._updates = itertools.count(1)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = RateLimitCounter.__table__
        insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert  # the side file
        expired = table.c.expires_at <= now
        statement = insert(table).values(key=key, hits=amount, expires_at=now + expiry)
        statement = statement.on_conflict_do_update(index_elements=[table.c.key], set_={
            "hits": case((expired, amount), else_=table.c.hits + amount),
            "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
        }).returning(table.c.hits)
        try:
            with _counters(write=True) as connection:
                hits = connection.execute(statement).scalar_one()
                if next(self._updates) % _PURGE_EVERY == 0:
                    connection.execute(delete(table).where(table.c.expires_at < now))
        except OperationalError as error:
            if busy(error, "counting a rate-limited request"):
                return 0
            raise
        return hits

    def get(self, key: str) -> int:
        table = RateLimitCounter.__table__
        with _counters(write=False) as connection:
            hits = connection.execute(select(table.c.hits).where(
                table.c.key == key, table.c.expires_at > time.time())).scalar()
        return hits or 0

    def get_expiry(self, key: str) -> float:
        table = RateLimitCounter.__table__
        with _counters(write=False) as connection:
            expires = connection.execute(select(table.c.expires_at).where(table.c.key == key)).scalar()
        return expires if expires is not None else time.time()

    def check(self) -> bool:
        with _counters(write=False) as connection:
            return connection.execute(text("SELECT 1")).scalar() == 1

    def reset(self) -> int | None:
        if db.engine.dialect.name == "sqlite":
            with _counters(write=True) as connection:
                return connection.execute(delete(RateLimitCounter)).rowcount
        return db.session.execute(delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        if db.engine.dialect.name == "sqlite":
            with _counters(write=True) as connection:
                connection.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))
            return
        db.session.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))


# ---- who is counted -------------------------------------------------------------------------------------

def by_address() -> str:
    return f"address:{sessions.client_address()}"


def by_account() -> str:
    """The account a sign-in form names (existing or not: the answer must not tell)."""
    return f"account:{(request.form.get('username') or '').strip()[:64]}"


def by_client() -> str:
    """A signed-in user by their id, anybody else by their address."""
    state = sessions.current()
    return f"user:{state.user_id}" if state is not None else by_address()


def by_token() -> str:
    """An API client by its token (its id: neither the token nor its hash goes into a counter's key), anybody
    else — a token that is no token of ours included, so made-up tokens do not each get a budget — by address."""
    check = tokens.current(request.headers)
    return f"api-token:{check.token_id}" if check is not None and check.token_id is not None else by_address()


def everyone() -> str:
    return "everyone"


def signed_in() -> bool:
    return sessions.current() is not None


def from_known_address() -> bool:
    """The account named in the sign-in form signed in from this address lately (its owner, most likely)."""
    username = (request.form.get("username") or "").strip()[:64]
    return bool(username) and sessions.is_known_address(username, sessions.client_address())


# ---- what is limited ------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Rule:
    """A limit (a setting) on some endpoints, or on every endpoint of some `blueprints` (those added later too),
    counted per `key`, unless `exempt`; `shared` names one counter for all of them; `answer` picks the message."""

    endpoints: tuple[str, ...]
    setting: str
    key: Callable[[], str]
    answer: str
    exempt: Callable[[], bool] | None = None
    methods: tuple[str, ...] | None = None
    shared: str | None = None
    blueprints: tuple[str, ...] = ()


RULES = (
    Rule(("accounts.login",), "LOGIN_RATE_LIMIT_ADDRESS", by_address, "sign_in", methods=("POST",)),
    Rule(("accounts.login",), "LOGIN_RATE_LIMIT_ACCOUNT", by_account, "sign_in", exempt=from_known_address,
         methods=("POST",)),
    Rule(("accounts.change_password",), "PASSWORD_CHANGE_RATE_LIMIT", by_client, "password", methods=("POST",)),
    Rule(("imports.export",), "EXPORT_RATE_LIMIT", by_client, "export"),
    Rule(("imports.export",), "EXPORT_RATE_LIMIT_PUBLIC_TOTAL", everyone, "export", exempt=signed_in),
    Rule(("imports.upload",), "IMPORT_RATE_LIMIT", by_client, "import", methods=("POST",)),
    Rule(("portal.search", "portal.search_json", "portal.catalog_view"), "SEARCH_RATE_LIMIT_PUBLIC", by_address,
         "search", exempt=signed_in, shared="public-search"),
    Rule(("portal.suggest",), "SUGGEST_RATE_LIMIT_PUBLIC", by_address, "search", exempt=signed_in),
    # the CKAN Action API and our own JSON endpoints: one budget per token across all of them
    Rule((), "API_RATE_LIMIT", by_token, "api", blueprints=tokens.API_BLUEPRINTS + ("dcat",), shared="api"),
)

#: answer → (Chinese, English) messages; {wait} / {seconds} are filled in
ANSWERS = {
    "sign_in": ("登录尝试过于频繁，请 {wait}后再试", "too many sign-in attempts; try again in {seconds} s"),
    "password": ("修改密码的尝试过于频繁，请 {wait}后再试", "too many password change attempts; try again in {seconds} s"),
    "export": ("导出过于频繁，请 {wait}后再试", "too many exports; try again in {seconds} s"),
    "import": ("上传过于频繁，请 {wait}后再试", "too many uploads; try again in {seconds} s"),
    "search": ("检索过于频繁，请 {wait}后再试（登录的政务用户不受此限制）",
               "too many searches; try again in {seconds} s (signed-in users are not limited)"),
    "api": ("接口调用过于频繁，请 {wait}后再试", "too many API requests; try again in {seconds} s"),
}
JSON_ENDPOINTS = frozenset({"portal.search_json", "portal.suggest"})


def wait_text(seconds: int) -> str:
    """How long to wait, as a person reads it: 45 秒, 3 分钟."""
    return f"{seconds} 秒" if seconds < 60 else f"{math.ceil(seconds / 60)} 分钟"


def messages(answer: str, seconds: int) -> tuple[str, str]:
    chinese, english = ANSWERS[answer]
    return chinese.format(wait=wait_text(seconds), seconds=seconds), english.format(seconds=seconds)


def storage_uri(app: Flask) -> str:
    return app.config["RATE_LIMIT_STORAGE"] or f"{SCHEME}://"


def init_app(app: Flask) -> Limiter:
    """A limiter for this app, its counters where `RATE_LIMIT_STORAGE` says, and every rule attached to its
    endpoints (their view functions are wrapped; the views themselves know nothing of it) or to its blueprints
    (checked before any of their views: every endpoint they have, however their views are named)."""
    limiter = Limiter(key_func=by_address, storage_uri=storage_uri(app), strategy="fixed-window",
                      key_prefix=KEY_PREFIX, headers_enabled=False,
                      # a storage failure lets requests through (logged) rather than failing every page
                      swallow_errors=True)
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    for rule in RULES:
        value = functools.partial(_setting, rule.setting)
        options = dict(key_func=rule.key, exempt_when=rule.exempt, methods=list(rule.methods or ()) or None,
                       error_message=rule.answer)
        decorate = (limiter.shared_limit(value, scope=rule.shared, **options) if rule.shared
                    else limiter.limit(value, **options))
        for endpoint in rule.endpoints:
            if endpoint not in app.view_functions:
                raise RuntimeError(f"rate limit {rule.setting}: no endpoint {endpoint}")
            app.view_functions[endpoint] = decorate(app.view_functions[endpoint])
        for name in rule.blueprints:
            if name not in app.blueprints:
                raise RuntimeError(f"rate limit {rule.setting}: no blueprint {name}")
            decorate(app.blueprints[name])
    return limiter


def _setting(name: str) -> str:
    return current_app.config[name]


def retry_after() -> int:
    """Seconds until the limit this request broke lets the client in again."""
    limit = current_app.extensions[EXTENSION].current_limit
    reset = limit.window[0] if limit is not None else time.time() + 60
    return max(1, math.ceil(reset - time.time()))


def clear_sign_in(*, username: str | None = None, address: str | None = None) -> None:
    """Forget the sign-in limits' counts of an account or of an address (an admin's unlock)."""
    limiter: Limiter = current_app.extensions[EXTENSION]
    targets = []
    if username is not None:
        targets.append(("LOGIN_RATE_LIMIT_ACCOUNT", f"account:{username[:64]}"))
    if address is not None:
        targets.append(("LOGIN_RATE_LIMIT_ADDRESS", f"address:{address[:64]}"))
    for setting, key in targets:
        for item in parse_many(current_app.config[setting]):
            limiter.limiter.clear(item, KEY_PREFIX, key, "accounts.login")
