"""The data comparison adapter (数据比对，数据不落地 — Sichuan §23): the consumer submits records and learns, for
each, whether the provider's data holds a matching row. It never receives the provider's data: no value of the
source ever leaves the adapter, only one yes/no per submitted record.

What the sharing module hands over, in `grant.settings` (the provider's settings for the entry):
- ``source``: a SQLAlchemy URL of the provider's database, PostgreSQL (``postgresql+psycopg://reader:pw@host/db``)
  or SQLite (``sqlite:////srv/data/households.db``, an existing file). It is opened read-only (SQLite ``mode=ro``;
  PostgreSQL ``default_transaction_read_only``) and never shown: it may hold a password, so it is not copied into
  the handle. The registry's own database is refused.
- ``table``: the table (or view) compared against: ``"public.households"`` (schema before the first dot; a bare
  name is ``public`` on PostgreSQL, ``main`` on SQLite).
- ``columns``: a mapping data-item name → column name, as for the database view adapter.
- ``keys``: the data items that may be compared, ``["姓名", "公民身份号码"]``; each must have a column.
- ``require_all_keys`` (optional, default true): every record must give every key, and every key must then be
  among the grant's approved items — a provider who lists 姓名 and 公民身份号码 means "this name with this number",
  not "does this number exist". With false, a record may give any non-empty subset of the keys that the grant
  approved, and is compared on the ones it gives.

`compare(handle, grant, records)` takes a list of records keyed by item name (``{"姓名": "张三", "公民身份号码":
"110…"}``) and returns a list of booleans, in order: True when a row of the table equals the record on every key
it gives. A record naming any item that is not an approved key is refused (the whole call); so is a call with more
than `CATALOG_COMPARISON_MAX_RECORDS` records. A key given as None matches nothing. Records are compared in
batches, one parameterised query per batch (and per set of keys given): ``WITH v (i, k0, …) AS (VALUES …) SELECT
v.i FROM v WHERE EXISTS (SELECT 1 FROM table WHERE col0 = v.k0 AND …)`` — the only thing read back is the index
of a submitted record. On PostgreSQL each value is cast to its column's type without modifier (``varchar``, not ``varchar(18)``,
which would cut a longer value into a match);
on SQLite values are compared with SQLite's own affinity rules.

State, in conformance terms: the adapter makes nothing at the provider. `provision` checks the settings and the
source (reachable, table and key columns present and readable) and returns the handle ``comparison-<grant id>``
(details: ``keys``, ``require_all_keys``, ``max_records``), the same every time. Whether a grant may still compare
is the registry's to say: `compare` and `status` ask the sharing module's grant checker
(`hooks.set_grant_checker`), and refuse without one (fail closed), like the download adapter. So `revoke` has
nothing to take back and succeeds once the registry has withdrawn the grant; `status` is ``active`` while the
checker says so and ``revoked`` after. `status` cannot check the source, since the handle holds no connection
settings: provisioning again does. What the consumer "reaches" through a handle is the set of items it may compare
on — never a value of them.
"""
from __future__ import annotations

import datetime as dt
import decimal
import logging
import pathlib
import sqlite3
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from . import hooks
from .base import ACTIVE, REVOKED, AdapterError, GrantSpec, Handle
from .postgres_view import SOURCE_KINDS, split_table

log = logging.getLogger(__name__)

#: records compared by one query (each costs 1 + the number of keys bound parameters)
BATCH_SIZE = 500
CONNECT_TIMEOUT_SECONDS = 10
VALUE_TYPES = (str, int, float, bool, decimal.Decimal, dt.date, dt.datetime)


def _refused(message: str, message_en: str) -> AdapterError:
    return AdapterError(message, message_en, retryable=False)


@dataclass(frozen=True)
class _Plan:
    """A grant's comparison: where, and on which items."""

    source: sa.engine.URL
    schema: str | None
    table: str
    keys: tuple[tuple[str, str], ...]  # (item, column): the keys a record may give
    require_all_keys: bool

    @property
    def dialect(self) -> str:
        return self.source.get_backend_name()

    @property
    def table_name(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table


class ComparisonAdapter:
    """See the module docstring."""

    key = "comparison"
    label = "数据比对（数据不落地）"

    def __init__(self, config: Mapping):
        self.config = config  # read at each call: TODAY may move (tests, demos)

    @property
    def max_records(self) -> int:
        return int(self.config.get("COMPARISON_MAX_RECORDS") or 10_000)

    # ---- the interface --------------------------------------------------------------------------------------

    def provision(self, grant: GrantSpec) -> Handle:
        """Check the settings and the source; return the grant's handle (nothing is made at the provider)."""
        plan = self._plan(grant)
        with self._connect(plan) as conn:
            self._key_types(conn, plan)
        details = {"keys": [item for item, _column in plan.keys], "require_all_keys": plan.require_all_keys,
                   "max_records": self.max_records}
        return Handle(self.key, grant.grant_id, f"comparison-{int(grant.grant_id)}", details)

    def revoke(self, handle: Handle) -> None:
        """Nothing to take back: the grant checker refuses every comparison of a withdrawn grant."""
        self._check_handle(handle)

    def status(self, handle: Handle) -> str:
        """"active" while the grant checker says the grant is, "revoked" otherwise."""
        self._check_handle(handle)
        return ACTIVE if self._grant_active(handle.grant_id) else REVOKED

    def compare(self, handle: Handle, grant: GrantSpec, records: Sequence[Mapping[str, Any]]) -> list[bool]:
        """For each record, whether the provider's table holds a row equal to it on every key it gives; see the
        module docstring. Raises AdapterError (not retryable) for a refused request."""
        self._check_handle(handle)
        if handle.grant_id != grant.grant_id:
            raise _refused(f"比对凭据属于授权 #{handle.grant_id}，与授权 #{grant.grant_id} 不符",
                           f"handle of grant {handle.grant_id} used with grant {grant.grant_id}")
        if not self._grant_active(grant.grant_id):
            raise _refused(f"授权 #{grant.grant_id} 已撤销或已失效，不能再比对",
                           f"grant {grant.grant_id} is withdrawn or no longer valid")
        today = self._today()
        if not grant.valid_from <= today <= grant.valid_until:
            raise _refused(f"授权 #{grant.grant_id} 的有效期为 {grant.valid_from} 至 {grant.valid_until}，今天不在其中",
                           f"grant {grant.grant_id} is valid {grant.valid_from}..{grant.valid_until}, not on {today}")
        if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Sequence):
            raise _refused("比对记录应为记录的列表", "records must be a list of records")
        if len(records) > self.max_records:
            raise _refused(f"一次最多比对 {self.max_records} 条记录，本次提交了 {len(records)} 条，请分批提交",
                           f"at most {self.max_records} records per comparison, {len(records)} given")
        plan = self._plan(grant)
        groups = self._group(plan, records)
        results = [False] * len(records)
        if not groups:
            return results
        with self._connect(plan) as conn:
            types = self._key_types(conn, plan)
            for keys, indexed in groups.items():
                for start in range(0, len(indexed), BATCH_SIZE):
                    for index in self._matches(conn, plan, types, keys, indexed[start:start + BATCH_SIZE]):
                        results[index] = True
        return results

    # ---- settings and records -------------------------------------------------------------------------------

    def _plan(self, grant: GrantSpec) -> _Plan:
        settings = grant.settings
        source = settings.get("source")
        if not isinstance(source, str) or not source.strip():
            raise _refused("未设置比对数据源（source）", "the 'source' setting (a database URL) is missing")
        try:
            url = make_url(source.strip())
        except ArgumentError as error:
            raise _refused("比对数据源的地址无效（source）", f"invalid 'source' URL: {error}") from error
        if url.get_backend_name() not in ("postgresql", "sqlite"):
            raise _refused(f"比对数据源只支持 PostgreSQL 和 SQLite，不支持 {url.get_backend_name()}",
                           f"comparison sources are PostgreSQL or SQLite, not {url.get_backend_name()}")
        if self._is_registry(url):
            raise _refused("比对数据源不能是目录系统自身的数据库", "the source is the registry's own database")
        schema, table = split_table(settings.get("table"),
                                    default_schema="public" if url.get_backend_name() == "postgresql" else "main")
        mapping = settings.get("columns")
        if not isinstance(mapping, Mapping):
            raise _refused("未设置数据项与数据表列的对应关系（columns）",
                           "the 'columns' setting (data item → column) is missing")
        keys = settings.get("keys")
        if isinstance(keys, str) or not isinstance(keys, Sequence) or not keys:
            raise _refused("未设置比对项（keys）", "the 'keys' setting (the items compared) is missing")
        require_all = settings.get("require_all_keys", True)
        if not isinstance(require_all, bool):
            raise _refused("“须提供全部比对项”（require_all_keys）应为是或否",
                           "the 'require_all_keys' setting must be true or false")
        chosen: list[tuple[str, str]] = []
        for item in keys:
            column = mapping.get(item) if isinstance(item, str) else None
            if not isinstance(column, str) or not column.strip():
                raise _refused(f"比对项「{item}」未设置对应的数据表列（columns）",
                               f"comparison key {item!r} has no column in the 'columns' setting")
            if item not in grant.items:
                if require_all:
                    raise _refused(f"比对须同时使用全部比对项，但数据项「{item}」未获批准",
                                   f"every key must be compared, but data item {item!r} was not approved")
                continue
            if item not in dict(chosen):
                chosen.append((item, column.strip()))
        if not chosen:
            raise _refused(f"批准的数据项中没有可供比对的项（比对项：{'、'.join(map(str, keys))}）",
                           f"none of the comparison keys {list(keys)} was approved")
        return _Plan(url, schema, table, tuple(chosen), require_all)

    def _group(self, plan: _Plan, records: Sequence[Mapping[str, Any]]
               ) -> dict[tuple[str, ...], list[tuple[int, tuple]]]:
        """Records by the keys they give (in the plan's order): (index, values). A record with a None key is left
        out (it matches nothing). Refuses a record that names anything but an approved key."""
        allowed = [item for item, _column in plan.keys]
        groups: dict[tuple[str, ...], list[tuple[int, tuple]]] = {}
        for number, record in enumerate(records, 1):
            if not isinstance(record, Mapping):
                raise _refused(f"第 {number} 条比对记录应为“数据项: 值”的形式", f"record {number} is not a mapping")
            for item in record:
                if item not in allowed:
                    raise _refused(f"第 {number} 条记录使用了未获批准比对的数据项「{item}」（可比对：{'、'.join(allowed)}）",
                                   f"record {number} uses data item {item!r}, which is not an approved comparison "
                                   f"key (keys: {allowed})")
            given = tuple(item for item in allowed if item in record)
            if not given:
                raise _refused(f"第 {number} 条记录没有任何比对项（可比对：{'、'.join(allowed)}）",
                               f"record {number} gives none of the comparison keys {allowed}")
            if plan.require_all_keys and len(given) < len(allowed):
                missing = "、".join(item for item in allowed if item not in record)
                raise _refused(f"第 {number} 条记录缺少比对项「{missing}」：须同时提供全部比对项",
                               f"record {number} lacks key(s) {missing}: every key must be given")
            values = []
            for item in given:
                value = record[item]
                if value is not None and not isinstance(value, VALUE_TYPES):
                    raise _refused(f"第 {number} 条记录中「{item}」的值类型不受支持（{type(value).__name__}）",
                                   f"record {number}: unsupported value type {type(value).__name__} for {item!r}")
                values.append(value)
            if any(value is None for value in values):
                continue
            groups.setdefault(given, []).append((number - 1, tuple(values)))
        return groups

    # ---- the source -----------------------------------------------------------------------------------------

    def _key_types(self, conn: Connection, plan: _Plan) -> dict[str, str | None]:
        """Column → its SQL type (PostgreSQL; None on SQLite), after checking that the table and every key
        column exist (and, on PostgreSQL, may be read). The type is without its modifier: a cast to varchar(18)
        or numeric(10,2) would cut or round the submitted value and make a false match."""
        if plan.dialect == "postgresql":
            found = conn.execute(sa.text(
                "SELECT a.attname, format_type(a.atttypid, NULL), has_column_privilege(c.oid, a.attnum, "
                "'SELECT') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
                "WHERE n.nspname = :schema AND c.relname = :table AND c.relkind::text = ANY(:kinds)"),
                {"schema": plan.schema, "table": plan.table, "kinds": list(SOURCE_KINDS)}).all()
            columns = {name: (type_name, readable) for name, type_name, readable in found}
        else:
            found = conn.execute(sa.text("SELECT name FROM pragma_table_info(:table, :schema)"),
                                 {"table": plan.table, "schema": plan.schema}).all()
            columns = {name: (None, True) for (name,) in found}
        if not columns:
            raise _refused(f"比对数据源中没有数据表 {plan.table_name}", f"table {plan.table_name} does not exist")
        types: dict[str, str | None] = {}
        for item, column in plan.keys:
            if column not in columns:
                raise _refused(f"比对项「{item}」对应的列 {column} 在数据表 {plan.table_name} 中不存在",
                               f"column {column!r} of key {item!r} does not exist in table {plan.table_name}")
            type_name, readable = columns[column]
            if not readable:
                raise _refused(f"比对数据源的连接角色无权读取数据表 {plan.table_name} 的列 {column}（比对项「{item}」）",
                               f"the source's role may not read column {column!r} of {plan.table_name}")
            types[column] = type_name
        return types

    def _matches(self, conn: Connection, plan: _Plan, types: Mapping[str, str | None], keys: tuple[str, ...],
                 batch: list[tuple[int, tuple]]) -> list[int]:
        """The indexes of the records in `batch` that match a row; one query, reading back nothing else."""
        quote = conn.dialect.identifier_preparer.quote_identifier
        column_of = dict(plan.keys)
        columns = [column_of[item] for item in keys]
        params: dict[str, Any] = {}
        rows = []
        for row_number, (index, values) in enumerate(batch):
            params[f"i{row_number}"] = index
            cells = [f":i{row_number}"]
            for key_number, (column, value) in enumerate(zip(columns, values)):
                name = f"v{row_number}_{key_number}"
                params[name] = self._bind(plan, value)
                # the type name is PostgreSQL's own format_type() of the column, quoted by it: no user input
                cells.append(f"CAST(:{name} AS {types[column]})" if types[column] else f":{name}")
            rows.append(f"({', '.join(cells)})")
        table = (f"{quote(plan.schema)}.{quote(plan.table)}" if plan.schema else quote(plan.table))
        names = ", ".join(f"k{number}" for number in range(len(columns)))
        condition = " AND ".join(f"t.{quote(column)} = v.k{number}" for number, column in enumerate(columns))
        query = (f"WITH v (i, {names}) AS (VALUES {', '.join(rows)}) "
                 f"SELECT v.i FROM v WHERE EXISTS (SELECT 1 FROM {table} AS t WHERE {condition})")
        try:
            return [int(index) for (index,) in conn.execute(sa.text(query), params)]
        except DBAPIError as error:
            if _is_data_error(error):
                raise _refused(f"提交的值与比对项的类型不符：{_first_line(error.orig)}",
                               f"a submitted value does not fit its column's type: {error.orig}") from error
            raise

    @staticmethod
    def _bind(plan: _Plan, value: Any) -> Any:
        """A value as the driver should send it. SQLite: dates as the text SQLAlchemy stores, decimals as text (its
        affinity rules turn them back into numbers for a numeric column)."""
        if plan.dialect != "sqlite":
            return value
        if isinstance(value, dt.datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, decimal.Decimal):
            return str(value)
        return value

    @contextmanager
    def _connect(self, plan: _Plan) -> Iterator[Connection]:
        """A read-only connection to the source, with its failures as AdapterError (retryable when the source is
        only unreachable)."""
        engine = self._engine(plan)
        try:
            with engine.connect() as conn:
                yield conn
        except AdapterError:
            raise
        except DBAPIError as error:
            if error.connection_invalidated or isinstance(error, sa.exc.OperationalError) and not \
                    _is_data_error(error):
                raise AdapterError(f"无法连接比对数据源或与其通信中断：{_first_line(error.orig)}，稍后将自动重试",
                                   f"comparison source unreachable: {error.orig}", retryable=True) from error
            raise _refused(f"比对数据源查询失败：{_first_line(error.orig)}",
                           f"comparison source query failed: {error.orig}") from error
        except SQLAlchemyError as error:
            raise AdapterError(f"比对数据源查询失败：{_first_line(error)}", f"comparison source failed: {error}",
                               retryable=True) from error
        finally:
            engine.dispose()

    def _engine(self, plan: _Plan) -> sa.engine.Engine:
        if plan.dialect == "sqlite":
            path = self._sqlite_path(plan.source)
            uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
            return sa.create_engine("sqlite://", poolclass=NullPool,
                                    creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False))
        options = f"{plan.source.query.get('options', '')} -c default_transaction_read_only=on".strip()
        return sa.create_engine(plan.source.update_query_dict({"options": options}), poolclass=NullPool,
                                connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})

    @staticmethod
    def _sqlite_path(url: sa.engine.URL) -> pathlib.Path:
        """The source file, which must exist (SQLite would otherwise make an empty one)."""
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            raise _refused("SQLite 比对数据源须为一个数据库文件的路径", "a SQLite source must be a database file's path")
        path = pathlib.Path(url.database).resolve()
        if not path.is_file():
            raise _refused(f"比对数据源文件不存在：{path}", f"comparison source file {path} does not exist")
        return path

    def _is_registry(self, url: sa.engine.URL) -> bool:
        """Whether `url` is the registry's own database (never a comparison source: it holds accounts)."""
        own = self.config.get("DATABASE_URL")
        if not own:
            return False
        try:
            registry = make_url(str(own))
        except ArgumentError:
            return False
        if url.get_backend_name() != registry.get_backend_name():
            return False
        if url.get_backend_name() == "sqlite":
            return bool(url.database and registry.database) and \
                pathlib.Path(url.database).resolve() == pathlib.Path(registry.database).resolve()
        return (url.host or "localhost", url.port or 5432, url.database) == \
            (registry.host or "localhost", registry.port or 5432, registry.database)

    # ---- the registry ---------------------------------------------------------------------------------------

    def _grant_active(self, grant_id: int) -> bool:
        checker = hooks.grant_checker()
        if checker is None:
            raise _refused("数据比对未接入授权检查（set_grant_checker），无法确认授权状态",
                           "no grant checker is registered (app.adapters.set_grant_checker)")
        try:
            return bool(checker(grant_id))
        except Exception as error:  # the registry's own failure (its database busy …): try again later
            raise AdapterError(f"无法确认授权 #{grant_id} 的状态，稍后将自动重试",
                               f"the grant checker failed for grant {grant_id}: {error!r}", retryable=True) from error

    def _today(self) -> dt.date:
        fixed = self.config.get("TODAY")
        if fixed:
            return fixed if isinstance(fixed, dt.date) else dt.date.fromisoformat(str(fixed))
        return dt.datetime.now(ZoneInfo(str(self.config.get("TIMEZONE") or "Asia/Shanghai"))).date()

    def _check_handle(self, handle: Handle) -> None:
        if handle.adapter != self.key:
            raise _refused(f"该授权不是由{self.label}开通的（{handle.adapter}），无法在此处理",
                           f"handle of adapter {handle.adapter!r} given to {self.key}")


def _is_data_error(error: DBAPIError) -> bool:
    """A value that does not fit its column (PostgreSQL SQLSTATE class 22), as opposed to a failing server."""
    return isinstance(error, sa.exc.DataError) or str(getattr(error.orig, "sqlstate", "") or "").startswith("22")


def _first_line(error: BaseException | None) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
