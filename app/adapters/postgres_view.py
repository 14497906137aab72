"""The database view adapter (数据库视图): a grant becomes a PostgreSQL login role that may read one view holding
only the approved data items.

The provider's resource lives in a PostgreSQL database that the adapter reaches at `CATALOG_POSTGRES_VIEW_URL` (a
SQLAlchemy URL, ``postgresql+psycopg://admin@host:5432/db``) as a role that may ``CREATE ROLE`` and create schemas
in that database, and may read the source tables.

What the sharing module hands over, in `grant.settings` (the provider's settings for the entry):
- ``table``: the source table (or view), schema-qualified: ``"public.households"``; a bare name means ``public``.
  Names are taken as written (case-sensitive, no quotes): the schema is what comes before the first dot.
- ``columns``: a mapping data-item name → column name, ``{"姓名": "xm", "公民身份号码": "sfzh", …}``. It may map
  every item of the entry; only the approved ones are used. An approved item missing from it is refused.

For grant 42 `provision` makes, in one transaction:
- the role ``catalog_grant_42``: ``LOGIN NOINHERIT``, a random password, ``VALID UNTIL`` the end of the grant's
  last day in the deployment's time zone (PostgreSQL then refuses its password), ``search_path`` = its schema;
- the schema ``catalog_grant_42`` and in it the view ``catalog_grant_42.<table>``: ``SELECT <approved columns>
  FROM <table>`` (columns keep their names; the view belongs to the adapter's role, so it reads the table with the
  adapter's rights);
- privileges: ``CONNECT`` on the database, ``USAGE`` on that schema, ``SELECT`` on that view — nothing else. A role
  can't be denied what is granted to ``PUBLIC``, so provisioning is refused when the source table is readable by
  ``PUBLIC``, since the consumer could then read every column.

Every identifier is quoted with `psycopg.sql`; values (the password verifier, the end date, comments) are
literals composed by psycopg, never formatted into SQL.

Idempotent by grant id: the role and schema carry the comment ``catalog grant <id>``; provisioning again finds
them, keeps the role and its password, brings the end date and the view up to date (the view is rebuilt only when
its table or columns differ) and returns the same handle. A role or schema of that name that the adapter did not
make is refused. A transaction-level advisory lock per grant keeps two workers from racing.

The password (a choice): it is returned **once**, in
``handle.details["password"]``, by the provision that created the role. The password itself never reaches the
server: the role gets a SCRAM-SHA-256 verifier computed here, so it appears in no server log. Every other key of
``details`` can be shown at any time: ``dsn`` (a libpq URI **without** password: ``postgresql://catalog_grant_42@
host:port/db``), ``role``, ``view``, ``columns``, ``items`` (item → column), ``query`` (a ready SELECT),
``valid_until``. The sharing module shows the password to the consumer and then removes it from the stored handle.
A repeated provision (a retry, an extended period) returns no password, so a live grant's password never changes
behind the consumer's back; `reset_password(handle)` sets and returns a new one, for a consumer who lost it or a
retry whose first answer was lost.

`revoke` drops the schema with its view, takes back the role's privileges, ends its open sessions (best effort)
and drops the role; it succeeds when there is nothing to drop. `status`: ``active`` when the role and the view
exist, ``revoked`` when neither does, ``missing`` when only one of them does (someone removed the other: provision
again to repair).

PostgreSQL has no "valid from": the registry provisions a grant when its period begins.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import os
import secrets
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .base import ACTIVE, MISSING, REVOKED, AdapterError, GrantSpec, Handle

try:
    import psycopg
    from psycopg import sql
except ImportError:  # the `postgresql` extra is not installed: the adapter says so when it is used
    psycopg = sql = None

log = logging.getLogger(__name__)

#: role and schema of grant N are PREFIX + N (roles are cluster-wide: one prefix per registry on a cluster)
PREFIX = "catalog_grant_"
#: relation kinds a source may be: table, view, materialized view, partitioned table, foreign table
SOURCE_KINDS = ("r", "v", "m", "p", "f")
CONNECT_TIMEOUT_SECONDS = 10
SCRAM_ITERATIONS = 4096
NOT_CONFIGURED = "未配置数据库视图适配器的连接（CATALOG_POSTGRES_VIEW_URL）"


def role_name(grant_id: int) -> str:
    """The login role (and the schema) of a grant: stable, so a retry finds what the first try made."""
    return f"{PREFIX}{int(grant_id)}"


def marker(grant_id: int) -> str:
    """The comment on the role and schema that says the adapter made them, for this grant."""
    return f"catalog grant {int(grant_id)}"


def split_table(value: Any, *, default_schema: str | None = "public") -> tuple[str | None, str]:
    """``"schema.table"`` → (schema, table), split at the first dot; a name without a dot gets `default_schema`."""
    text = str(value or "").strip()
    parts = text.split(".", 1)
    if not text or not all(parts):
        raise AdapterError(f"数据表设置无效：「{text}」，应为“模式名.表名”，如 public.households",
                           f"invalid table setting {text!r}: expected schema.table, e.g. public.households",
                           retryable=False)
    return (parts[0], parts[1]) if len(parts) == 2 else (default_schema, parts[0])


def item_columns(settings: Mapping[str, Any], items: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """The approved items with their columns, in the grant's order, from the ``columns`` setting. Refuses an item
    without a column and two items on one column (naming them)."""
    mapping = settings.get("columns")
    if not isinstance(mapping, Mapping) or not mapping:
        raise AdapterError("未设置数据项与数据表列的对应关系（columns）",
                           "the 'columns' setting (data item → column) is missing", retryable=False)
    out: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for item in items:
        column = mapping.get(item)
        if not isinstance(column, str) or not column.strip():
            raise AdapterError(f"批准的数据项「{item}」未设置对应的数据表列（columns）",
                               f"approved data item {item!r} has no column in the 'columns' setting",
                               retryable=False)
        column = column.strip()
        if column in seen:
            raise AdapterError(f"数据项「{seen[column]}」和「{item}」对应同一列 {column}",
                               f"data items {seen[column]!r} and {item!r} map to the same column {column!r}",
                               retryable=False)
        seen[column] = item
        out.append((item, column))
    if not out:
        raise AdapterError("授权未批准任何数据项", "the grant approves no data items", retryable=False)
    return out


def scram_verifier(password: str, *, iterations: int = SCRAM_ITERATIONS, salt: bytes | None = None) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677), so the password itself is
    never sent to the server. `password` must be ASCII (SASLprep leaves it unchanged)."""
    salt = salt or os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("ascii"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    b64 = lambda raw: base64.b64encode(raw).decode("ascii")  # noqa: E731 - local shorthand
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


@dataclass(frozen=True)
class _Plan:
    """What a grant's view must be."""

    grant_id: int
    source_schema: str
    source_table: str
    columns: tuple[tuple[str, str], ...]  # (item, column), in the grant's order

    @property
    def role(self) -> str:
        return role_name(self.grant_id)

    @property
    def view(self) -> str:
        return self.source_table

    @property
    def column_names(self) -> list[str]:
        return [column for _item, column in self.columns]


class PostgresViewAdapter:
    """See the module docstring."""

    key = "postgres_view"
    label = "数据库视图"

    def __init__(self, config: Mapping):
        self.url = str(config.get("POSTGRES_VIEW_URL") or "")
        self.timezone = str(config.get("TIMEZONE") or "Asia/Shanghai")

    # ---- the interface --------------------------------------------------------------------------------------

    def provision(self, grant: GrantSpec) -> Handle:
        """Create (or find) the grant's role, schema and view; see the module docstring."""
        source_schema, source_table = split_table(grant.settings.get("table"))
        plan = _Plan(grant.grant_id, source_schema, source_table, tuple(item_columns(grant.settings, grant.items)))
        password = None
        with self._transaction(grant.grant_id) as conn:
            table_oid = self._source(conn, plan)
            role_oid = self._own(conn, "role", plan.role, grant.grant_id)
            if role_oid is None:
                password = secrets.token_urlsafe(24)
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOINHERIT PASSWORD {} VALID UNTIL {}").format(
                    sql.Identifier(plan.role), sql.Literal(scram_verifier(password)),
                    sql.Literal(self._valid_until(grant))))
                conn.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(
                    sql.Identifier(plan.role), sql.Literal(marker(grant.grant_id))))
            else:
                conn.execute(sql.SQL("ALTER ROLE {} LOGIN VALID UNTIL {}").format(
                    sql.Identifier(plan.role), sql.Literal(self._valid_until(grant))))
                # whatever was granted to the role on the source by hand goes
                conn.execute(sql.SQL("REVOKE ALL ON TABLE {}.{} FROM {}").format(
                    sql.Identifier(plan.source_schema), sql.Identifier(plan.source_table), sql.Identifier(plan.role)))
            schema_oid = self._own(conn, "schema", plan.role, grant.grant_id)
            if schema_oid is None:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(plan.role)))
                conn.execute(sql.SQL("COMMENT ON SCHEMA {} IS {}").format(
                    sql.Identifier(plan.role), sql.Literal(marker(grant.grant_id))))
                schema_oid = self._own(conn, "schema", plan.role, grant.grant_id)
            self._view(conn, plan, grant, schema_oid, table_oid)
            database = conn.execute("SELECT current_database()").fetchone()[0]
            for statement in ("GRANT CONNECT ON DATABASE {database} TO {role}",
                              "GRANT USAGE ON SCHEMA {schema} TO {role}",
                              "GRANT SELECT ON {schema}.{view} TO {role}",
                              "ALTER ROLE {role} IN DATABASE {database} SET search_path TO {schema}"):
                conn.execute(sql.SQL(statement).format(
                    database=sql.Identifier(database), role=sql.Identifier(plan.role),
                    schema=sql.Identifier(plan.role), view=sql.Identifier(plan.view)))
            self._refuse_public_source(conn, plan, table_oid)
            query = sql.SQL("SELECT {} FROM {}.{}").format(
                sql.SQL(", ").join(map(sql.Identifier, plan.column_names)),
                sql.Identifier(plan.role), sql.Identifier(plan.view)).as_string(conn)
        details: dict[str, Any] = {
            "dsn": self._dsn(plan.role), "role": plan.role, "view": f"{plan.role}.{plan.view}",
            "columns": plan.column_names, "items": dict(plan.columns), "query": query,
            "valid_until": grant.valid_until.isoformat(),
        }
        if password is not None:
            details["password"] = password
        return Handle(self.key, grant.grant_id, f"{plan.role}.{plan.view}", details)

    def revoke(self, handle: Handle) -> None:
        """Drop the grant's schema (with its view) and its role; nothing to drop is success. A role or schema of
        that name that the adapter did not make is left alone."""
        self._check_handle(handle)
        role = role_name(handle.grant_id)
        with self._transaction(handle.grant_id) as conn:
            if self._own(conn, "schema", role, handle.grant_id, refuse=False) is not None:
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(role)))
            if self._own(conn, "role", role, handle.grant_id, refuse=False) is None:
                return
            database = conn.execute("SELECT current_database()").fetchone()[0]
            conn.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(role)))
            conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM {}").format(
                sql.Identifier(database), sql.Identifier(role)))
            self._end_sessions(conn, role)
            try:
                with conn.transaction():
                    conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
            except psycopg.errors.DependentObjectsStillExist:
                # privileges someone granted it by hand, or objects it made: take them away, then drop it
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))

    def status(self, handle: Handle) -> str:
        """"active" (role and view exist), "revoked" (neither does) or "missing" (only one does)."""
        self._check_handle(handle)
        role = role_name(handle.grant_id)
        with self._transaction(None) as conn:
            has_role = self._own(conn, "role", role, handle.grant_id, refuse=False) is not None
            schema_oid = self._own(conn, "schema", role, handle.grant_id, refuse=False)
            has_view = schema_oid is not None and conn.execute(
                "SELECT 1 FROM pg_class WHERE relnamespace = %s::oid AND relkind = 'v'",
                (schema_oid,)).fetchone() is not None
        if has_role and has_view:
            return ACTIVE
        return REVOKED if not (has_role or has_view) else MISSING

    def reset_password(self, handle: Handle) -> str:
        """Give the grant's role a new random password and return it (the old one stops working)."""
        self._check_handle(handle)
        role = role_name(handle.grant_id)
        password = secrets.token_urlsafe(24)
        with self._transaction(handle.grant_id) as conn:
            if self._own(conn, "role", role, handle.grant_id) is None:
                raise AdapterError(f"授权 #{handle.grant_id} 的数据库角色不存在（尚未开通或已撤销）",
                                   f"grant {handle.grant_id} has no database role (not provisioned or revoked)",
                                   retryable=False)
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(scram_verifier(password))))
        return password

    # ---- the pieces -----------------------------------------------------------------------------------------

    def _source(self, conn: psycopg.Connection, plan: _Plan) -> int:
        """The source table's oid, after checking that it and every column exist and that we may read them."""
        row = conn.execute(
            "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND c.relkind::text = ANY(%s)",
            (plan.source_schema, plan.source_table, list(SOURCE_KINDS))).fetchone()
        name = f"{plan.source_schema}.{plan.source_table}"
        if row is None:
            raise AdapterError(f"数据库中没有数据表 {name}", f"table {name} does not exist", retryable=False)
        table_oid = row[0]
        present = {name for (name,) in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::oid AND attnum > 0 AND NOT attisdropped",
            (table_oid,))}
        for item, column in plan.columns:
            if column not in present:
                raise AdapterError(f"数据项「{item}」对应的列 {column} 在数据表 {name} 中不存在",
                                   f"column {column!r} of data item {item!r} does not exist in table {name}",
                                   retryable=False)
            readable = conn.execute("SELECT has_column_privilege(%s::oid, %s::text, 'SELECT')",
                                    (table_oid, column)).fetchone()[0]
            if not readable:
                raise AdapterError(f"适配器的数据库角色无权读取数据表 {name} 的列 {column}（数据项「{item}」）",
                                   f"the adapter's role may not read column {column!r} of {name} (item {item!r})",
                                   retryable=False)
        return table_oid

    def _own(self, conn: psycopg.Connection, kind: str, name: str, grant_id: int, *, refuse: bool = True
             ) -> int | None:
        """The oid of the role or schema `name` when the adapter made it for this grant; None when there is none.
        One that someone else made is refused (`refuse`), or else taken as none (never touched)."""
        query = ("SELECT oid, shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = %s" if kind == "role"
                 else "SELECT oid, obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = %s")
        row = conn.execute(query, (name,)).fetchone()
        if row is None:
            return None
        if row[1] != marker(grant_id):
            if not refuse:
                log.warning("%s %s was not made by the registry for grant %s: left alone", kind, name, grant_id)
                return None
            what = "角色" if kind == "role" else "模式"
            raise AdapterError(f"数据库中已有{what} {name}，但不是本系统为授权 #{grant_id} 创建的，请数据库管理员核查",
                               f"a {kind} {name!r} exists that the registry did not make for grant {grant_id}",
                               retryable=False)
        return row[0]

    def _view(self, conn: psycopg.Connection, plan: _Plan, grant: GrantSpec, schema_oid: int, table_oid: int) -> None:
        """Make the schema hold exactly the grant's view, over the source table with the approved columns."""
        views = conn.execute("SELECT oid, relname FROM pg_class WHERE relnamespace = %s::oid AND relkind = 'v'",
                             (schema_oid,)).fetchall()
        current = None
        for oid, name in views:
            if name == plan.view and current is None:
                current = oid
            else:  # a view of an earlier setting (another table): it goes
                conn.execute(sql.SQL("DROP VIEW {}.{}").format(sql.Identifier(plan.role), sql.Identifier(name)))
        if current is not None:
            columns = [name for (name,) in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::oid AND attnum > 0 ORDER BY attnum", (current,))]
            sources = {oid for (oid,) in conn.execute(
                "SELECT DISTINCT d.refobjid FROM pg_rewrite r JOIN pg_depend d ON d.objid = r.oid "
                "WHERE r.ev_class = %s::oid AND d.classid = 'pg_rewrite'::regclass "
                "AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> %s::oid", (current, current))}
            if columns == plan.column_names and sources == {table_oid}:
                return
            conn.execute(sql.SQL("DROP VIEW {}.{}").format(sql.Identifier(plan.role), sql.Identifier(plan.view)))
        conn.execute(sql.SQL("CREATE VIEW {}.{} AS SELECT {} FROM {}.{}").format(
            sql.Identifier(plan.role), sql.Identifier(plan.view),
            sql.SQL(", ").join(map(sql.Identifier, plan.column_names)),
            sql.Identifier(plan.source_schema), sql.Identifier(plan.source_table)))
        conn.execute(sql.SQL("REVOKE ALL ON {}.{} FROM PUBLIC").format(
            sql.Identifier(plan.role), sql.Identifier(plan.view)))
        conn.execute(sql.SQL("COMMENT ON VIEW {}.{} IS {}").format(
            sql.Identifier(plan.role), sql.Identifier(plan.view),
            sql.Literal(f"共享授权 #{grant.grant_id}：{grant.resource_name}（{grant.consumer_name}），"
                        f"数据项：{'、'.join(grant.items)}")))

    def _refuse_public_source(self, conn: psycopg.Connection, plan: _Plan, table_oid: int) -> None:
        """The role must not read the source itself: possible only through PUBLIC, which no role can be denied."""
        readable = conn.execute("SELECT has_table_privilege(%s::name, %s::oid, 'SELECT') OR "
                                "has_any_column_privilege(%s::name, %s::oid, 'SELECT')",
                                (plan.role, table_oid, plan.role, table_oid)).fetchone()[0]
        if readable:
            name = f"{plan.source_schema}.{plan.source_table}"
            raise AdapterError(f"数据表 {name} 对所有数据库角色（PUBLIC）开放了读取权限，无法只提供批准的数据项；"
                               f"请数据库管理员收回 PUBLIC 的权限",
                               f"table {name} is readable by PUBLIC, so the grant's role could read every column; "
                               f"revoke PUBLIC's privileges on it", retryable=False)

    def _end_sessions(self, conn: psycopg.Connection, role: str) -> None:
        """Terminate the role's open sessions, when the adapter's role may (superuser or pg_signal_backend)."""
        try:
            with conn.transaction():
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,))
        except psycopg.errors.InsufficientPrivilege:
            log.warning("could not end the open sessions of %s: the adapter's role may not signal them", role)

    def _valid_until(self, grant: GrantSpec) -> str:
        """The end of the grant's last day, in the deployment's time zone."""
        if grant.valid_until >= dt.date.max:
            return "infinity"
        end = dt.datetime.combine(grant.valid_until + dt.timedelta(days=1), dt.time(0), ZoneInfo(self.timezone))
        return end.isoformat()

    def _dsn(self, role: str) -> str:
        url = make_url(self.url)
        host = url.host or "localhost"
        host = f"[{host}]" if ":" in host else host
        port = f":{url.port}" if url.port else ""
        return f"postgresql://{urllib.parse.quote(role)}@{host}{port}/{urllib.parse.quote(url.database or '')}"

    def _check_handle(self, handle: Handle) -> None:
        if handle.adapter != self.key:
            raise AdapterError(f"该授权不是由{self.label}开通的（{handle.adapter}），无法在此处理",
                               f"handle of adapter {handle.adapter!r} given to {self.key}", retryable=False)

    # ---- the connection -------------------------------------------------------------------------------------

    def connection_params(self) -> dict[str, Any]:
        """libpq parameters from `CATALOG_POSTGRES_VIEW_URL`."""
        if not self.url:
            raise AdapterError(NOT_CONFIGURED, "the postgres_view adapter is not configured "
                               "(CATALOG_POSTGRES_VIEW_URL)", retryable=False)
        if psycopg is None:
            raise AdapterError("数据库视图适配器需要 psycopg（pip install -e '.[postgresql]'）",
                               "the postgres_view adapter needs psycopg (the 'postgresql' extra)", retryable=False)
        try:
            url = make_url(self.url)
        except ArgumentError as error:
            raise AdapterError("数据库视图适配器的连接地址无效（CATALOG_POSTGRES_VIEW_URL）",
                               f"invalid CATALOG_POSTGRES_VIEW_URL: {error}", retryable=False) from error
        if url.get_backend_name() != "postgresql":
            raise AdapterError("数据库视图适配器只支持 PostgreSQL（CATALOG_POSTGRES_VIEW_URL 应以 postgresql 开头）",
                               f"CATALOG_POSTGRES_VIEW_URL must be a PostgreSQL URL, not {url.get_backend_name()}",
                               retryable=False)
        params: dict[str, Any] = {"host": url.host, "port": url.port, "user": url.username, "password": url.password,
                                  "dbname": url.database, "connect_timeout": CONNECT_TIMEOUT_SECONDS}
        for name, value in url.query.items():
            params[name] = value[-1] if isinstance(value, tuple) else value
        return {name: value for name, value in params.items() if value is not None}

    @contextmanager
    def _transaction(self, grant_id: int | None) -> Iterator[psycopg.Connection]:
        """One transaction on the provider's database (locked per grant when `grant_id` is given), with psycopg's
        errors turned into AdapterError; on any failure it rolls back, leaving nothing half-made."""
        params = self.connection_params()
        try:
            conn = psycopg.connect(**params)
        except psycopg.Error as error:
            raise AdapterError(f"无法连接数据库视图适配器的数据库（{params.get('host', '')}），稍后将自动重试",
                               f"cannot connect to the postgres_view database: {error}", retryable=True) from error
        try:
            with conn:  # commits on success, rolls back on an exception, closes
                if grant_id is not None:
                    conn.execute("SELECT pg_advisory_xact_lock(hashtext('catalog.postgres_view'), %s::int)",
                                 (int(grant_id) % 2**31,))
                yield conn
        except AdapterError:
            raise
        except psycopg.errors.InsufficientPrivilege as error:
            raise AdapterError(f"数据库视图适配器的数据库角色权限不足：{_first_line(error)}",
                               f"the postgres_view adapter's role lacks a privilege: {error}",
                               retryable=False) from error
        except psycopg.OperationalError as error:
            raise AdapterError(f"与数据库视图适配器的数据库通信失败：{_first_line(error)}，稍后将自动重试",
                               f"postgres_view database failure: {error}", retryable=True) from error
        except psycopg.Error as error:
            raise AdapterError(f"数据库视图操作失败：{_first_line(error)}",
                               f"postgres_view database error: {error}",
                               retryable=not isinstance(error, (psycopg.ProgrammingError, psycopg.DataError))) \
                from error


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
