"""The data comparison adapter (数据比对，数据不落地) against a SQLite file and a real PostgreSQL (a throwaway server
of this module's own, whatever `--db` says): right answers, yes/no only, only the approved keys."""
from __future__ import annotations

import datetime as dt
import os
import socket
import sqlite3

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql

from app.adapters import ACTIVE, REVOKED, AdapterError, GrantSpec, Handle
from app.adapters import hooks
from app.adapters.comparison import BATCH_SIZE, ComparisonAdapter
from app.adapters.conformance import AdapterConformance
from tests.pgserver import PostgresServer

DATABASE = "provider"
READER = "comparison_reader"
COLUMNS = {"编号": "id", "姓名": "xm", "公民身份号码": "sfzh", "性别": "xb", "民族": "mz", "出生日期": "csrq",
           "住址": "zz", "联系电话": "lxdh"}
KEYS = ["姓名", "公民身份号码"]
ROWS = [(1, "张三", "110101199001011234", "男", "汉族", dt.date(1990, 1, 1), "北京市东城区", "13800000001"),
        (2, "李四", "110101198502023456", "女", "回族", dt.date(1985, 2, 2), "北京市西城区", "13800000002"),
        (3, "王五", "110101197003035678", "男", "满族", dt.date(1970, 3, 3), "北京市朝阳区", "13800000003")]
TABLE = ("households (id integer PRIMARY KEY, xm text, sfzh varchar(18), xb text, mz text, csrq date, zz text, "
         "lxdh text)")


def person(row, items=KEYS) -> dict:
    """A record for a row of ROWS, keyed by item names."""
    values = dict(zip(COLUMNS, row))
    return {item: values[item] for item in items}


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the sources ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sqlite_source(tmp_path_factory):
    path = tmp_path_factory.mktemp("comparison") / "provider.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TABLE {TABLE}")
        conn.executemany("INSERT INTO households VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         [row[:5] + (row[5].isoformat(),) + row[6:] for row in ROWS])
    conn.close()
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def pg_server():
    with PostgresServer() as server:
        server.create_database(DATABASE)
        with psycopg.connect(host="127.0.0.1", port=server.port, user=server.user, dbname=DATABASE,
                             autocommit=True) as conn:
            conn.execute(f"CREATE TABLE public.{TABLE}")
            conn.cursor().executemany("INSERT INTO public.households VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", ROWS)
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(READER)))
            conn.execute(sql.SQL("GRANT SELECT ON public.households TO {}").format(sql.Identifier(READER)))
        yield server


def pg_admin(server: PostgresServer) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=server.port, user=server.user, dbname=DATABASE, autocommit=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def source(request):
    """The source's URL, as the provider would set it: a SQLite file, or PostgreSQL as a read-only role."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_source")
    server = request.getfixturevalue("pg_server")
    return f"postgresql+psycopg://{READER}@127.0.0.1:{server.port}/{DATABASE}"


@pytest.fixture
def withdrawn():
    """The registry's side: grants not in this set are active (the sharing module registers the real checker)."""
    gone: set[int] = set()
    previous = hooks.set_grant_checker(lambda grant_id: grant_id not in gone)
    yield gone
    hooks.set_grant_checker(previous)


def grant_spec(source_url: str, grant_id: int = 1, items=("姓名", "公民身份号码", "出生日期"), **settings) -> GrantSpec:
    today = dt.date.today()
    values = {"source": source_url, "table": "households", "columns": COLUMNS, "keys": KEYS}
    values.update(settings)
    return GrantSpec(grant_id=grant_id, entry_id=7, resource_code="101001/000001", resource_name="户籍人口基本信息",
                     provider_code="002", consumer_code="003", consumer_name="市民政局", items=tuple(items),
                     purpose="核验低保申请人身份", valid_from=today, valid_until=today + dt.timedelta(days=90),
                     settings=values)


@pytest.fixture
def adapter(withdrawn):
    return ComparisonAdapter({"COMPARISON_MAX_RECORDS": 2000})


def compare(adapter, grant, records):
    return adapter.compare(adapter.provision(grant), grant, records)


# ---- the answers ---------------------------------------------------------------------------------------------------

def test_matches_and_non_matches_are_right(adapter, source):
    zhang, li, wang = ROWS
    records = [person(zhang),
               {"姓名": "张三", "公民身份号码": li[2]},  # a real name with another's number
               person(li),
               {"姓名": "赵六", "公民身份号码": "110101200001010000"},
               person(wang)]
    assert compare(adapter, grant_spec(source), records) == [True, False, True, False, True]


def test_nothing_but_booleans_comes_back_and_no_source_value_is_read(adapter, source):
    """Every result set the adapter reads from the source table holds one column: the index of a submitted
    record. (The catalog queries before it read column names and types, never a row.)"""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "households" in statement and "pg_attribute" not in statement and "pragma" not in statement:
            seen.append([column[0] for column in cursor.description or []])

    sa.event.listen(sa.engine.Engine, "after_cursor_execute", record)
    records = [person(row) for row in ROWS] + [{"姓名": "张三", "公民身份号码": "x"}]
    try:
        results = compare(adapter, grant_spec(source), records)
    finally:
        sa.event.remove(sa.engine.Engine, "after_cursor_execute", record)
    assert results == [True, True, True, False] and all(type(result) is bool for result in results)
    assert seen == [["i"]]


def test_values_are_compared_as_the_columns_type(adapter, source):
    grant = grant_spec(source, items=("编号", "出生日期"), keys=["编号", "出生日期"])
    records = [{"编号": 1, "出生日期": dt.date(1990, 1, 1)},
               {"编号": "2", "出生日期": "1985-02-02"},  # text, as it comes from a form or a spreadsheet
               {"编号": 3, "出生日期": dt.date(1990, 1, 1)}]
    assert compare(adapter, grant, records) == [True, True, False]


def test_a_longer_or_finer_value_is_not_cut_into_a_match(adapter, source):
    """varchar(18) and date columns: the submitted value is compared whole, never cut to the column's size."""
    records = [{"姓名": "张三", "公民身份号码": ROWS[0][2] + "9"}, {"姓名": "张三 ", "公民身份号码": ROWS[0][2]}]
    assert compare(adapter, grant_spec(source), records) == [False, False]


def test_a_value_that_does_not_fit_its_column_is_refused(adapter, pg_server):
    source = f"postgresql+psycopg://{READER}@127.0.0.1:{pg_server.port}/{DATABASE}"
    grant = grant_spec(source, items=("编号",), keys=["编号"])
    with pytest.raises(AdapterError, match="类型不符") as raised:
        compare(adapter, grant, [{"编号": "不是数字"}])
    assert not raised.value.retryable


def test_a_none_key_matches_nothing_and_sql_in_values_is_only_a_value(adapter, source):
    records = [{"姓名": None, "公民身份号码": ROWS[0][2]},
               {"姓名": "张三' OR '1'='1", "公民身份号码": "' OR 1=1 --"}]
    assert compare(adapter, grant_spec(source), records) == [False, False]


def test_records_are_compared_in_batches(adapter, source):
    records = [{"姓名": f"某{n}", "公民身份号码": f"{n:018d}"} for n in range(2 * BATCH_SIZE + 7)]
    for position, row in zip((0, BATCH_SIZE, 2 * BATCH_SIZE + 6), ROWS):
        records[position] = person(row)
    results = compare(adapter, grant_spec(source), records)
    assert [n for n, matched in enumerate(results) if matched] == [0, BATCH_SIZE, 2 * BATCH_SIZE + 6]


def test_an_empty_request_gives_an_empty_answer(adapter, sqlite_source):
    assert compare(adapter, grant_spec(sqlite_source), []) == []


def test_identifiers_are_quoted(adapter, tmp_path):
    path = tmp_path / "odd.db"
    table, column = 'Odd "T"; DROP TABLE x; --', 'c"; --'
    with sqlite3.connect(path) as conn:
        conn.execute(f'CREATE TABLE "{table.replace(chr(34), chr(34) * 2)}" ("{column.replace(chr(34), chr(34) * 2)}")')
        conn.execute(f'INSERT INTO "{table.replace(chr(34), chr(34) * 2)}" VALUES (?)', ("甲",))
    conn.close()
    grant = grant_spec(f"sqlite:///{path}", items=("姓名",), keys=["姓名"], table=table, columns={"姓名": column})
    assert compare(adapter, grant, [{"姓名": "甲"}, {"姓名": "乙"}]) == [True, False]


# ---- only the approved keys ----------------------------------------------------------------------------------------

def test_a_record_using_an_unapproved_item_is_refused(adapter, source):
    with pytest.raises(AdapterError, match="住址") as raised:
        compare(adapter, grant_spec(source), [person(ROWS[0]), person(ROWS[1]) | {"住址": "北京市西城区"}])
    assert not raised.value.retryable and "第 2 条" in raised.value.message


def test_an_approved_item_that_is_not_a_key_cannot_be_compared(adapter, sqlite_source):
    with pytest.raises(AdapterError, match="出生日期"):
        compare(adapter, grant_spec(sqlite_source), [person(ROWS[0], KEYS + ["出生日期"])])


def test_every_key_is_required_by_default(adapter, sqlite_source):
    with pytest.raises(AdapterError, match="缺少比对项「公民身份号码」") as raised:
        compare(adapter, grant_spec(sqlite_source), [{"姓名": "张三"}])
    assert not raised.value.retryable


def test_a_key_that_was_not_approved_is_refused_when_every_key_is_required(adapter, sqlite_source):
    with pytest.raises(AdapterError, match="姓名") as raised:
        adapter.provision(grant_spec(sqlite_source, items=("公民身份号码",)))
    assert not raised.value.retryable


def test_without_require_all_keys_a_record_gives_any_approved_keys(adapter, source):
    grant = grant_spec(source, items=("公民身份号码", "出生日期"), keys=["姓名", "公民身份号码", "出生日期"],
                       require_all_keys=False)
    handle = adapter.provision(grant)
    assert handle.details["keys"] == ["公民身份号码", "出生日期"]
    records = [{"公民身份号码": ROWS[0][2]}, {"出生日期": "1985-02-02"},
               {"公民身份号码": ROWS[0][2], "出生日期": "1985-02-02"}]
    assert adapter.compare(handle, grant, records) == [True, True, False]
    with pytest.raises(AdapterError, match="姓名"):  # listed as a key, but not approved for this grant
        adapter.compare(handle, grant, [{"姓名": "张三"}])
    with pytest.raises(AdapterError, match="没有任何比对项"):
        adapter.compare(handle, grant, [{}])


def test_more_records_than_allowed_are_refused(withdrawn, sqlite_source):
    adapter = ComparisonAdapter({"COMPARISON_MAX_RECORDS": 3})
    grant = grant_spec(sqlite_source)
    handle = adapter.provision(grant)
    assert adapter.compare(handle, grant, [person(row) for row in ROWS]) == [True] * 3
    with pytest.raises(AdapterError, match="一次最多比对 3 条记录，本次提交了 6 条") as raised:
        adapter.compare(handle, grant, [person(row) for row in ROWS] * 2)
    assert not raised.value.retryable and raised.value.message_en


# ---- the grant -----------------------------------------------------------------------------------------------------

def test_provision_checks_the_source_and_keeps_it_out_of_the_handle(adapter, source):
    grant = grant_spec(source)
    handle = adapter.provision(grant)
    assert handle == Handle("comparison", 1, "comparison-1")
    assert dict(handle.details) == {"keys": KEYS, "require_all_keys": True, "max_records": 2000}
    assert adapter.provision(grant) == handle and adapter.status(handle) == ACTIVE


def test_a_withdrawn_grant_cannot_compare(adapter, withdrawn, sqlite_source):
    grant = grant_spec(sqlite_source)
    handle = adapter.provision(grant)
    withdrawn.add(grant.grant_id)
    adapter.revoke(handle)
    assert adapter.status(handle) == REVOKED
    with pytest.raises(AdapterError, match="已撤销") as raised:
        adapter.compare(handle, grant, [person(ROWS[0])])
    assert not raised.value.retryable


def test_a_grant_cannot_compare_outside_its_period(withdrawn, sqlite_source):
    grant = grant_spec(sqlite_source)
    adapter = ComparisonAdapter({"TODAY": (grant.valid_until + dt.timedelta(days=1)).isoformat()})
    with pytest.raises(AdapterError, match="有效期"):
        compare(adapter, grant, [person(ROWS[0])])


def test_without_a_grant_checker_nothing_is_compared(sqlite_source):
    previous = hooks.set_grant_checker(None)
    try:
        adapter = ComparisonAdapter({})
        grant = grant_spec(sqlite_source)
        with pytest.raises(AdapterError, match="set_grant_checker"):
            compare(adapter, grant, [person(ROWS[0])])
    finally:
        hooks.set_grant_checker(previous)


def test_a_handle_of_another_grant_is_refused(adapter, sqlite_source):
    handle = adapter.provision(grant_spec(sqlite_source))
    with pytest.raises(AdapterError, match="不符"):
        adapter.compare(handle, grant_spec(sqlite_source, grant_id=2), [person(ROWS[0])])


# ---- the settings and the source -----------------------------------------------------------------------------------

@pytest.mark.parametrize("settings, message", [
    ({"table": "public.nowhere"}, "nowhere"),
    ({"columns": dict(COLUMNS, 姓名="name_typo")}, "比对项「姓名」对应的列 name_typo"),
    ({"columns": {"公民身份号码": "sfzh"}}, "比对项「姓名」未设置对应的数据表列"),
    ({"keys": []}, "未设置比对项"),
    ({"source": ""}, "未设置比对数据源"),
    ({"source": "mysql://x@127.0.0.1/db"}, "只支持 PostgreSQL 和 SQLite"),
])
def test_bad_settings_are_refused(adapter, source, settings, message):
    if settings.get("table") == "public.nowhere" and source.startswith("sqlite"):
        settings = {"table": "nowhere"}
        message = "nowhere"
    with pytest.raises(AdapterError, match=message) as raised:
        adapter.provision(grant_spec(source, **settings))
    assert not raised.value.retryable


def test_a_missing_sqlite_file_is_refused_and_not_created(adapter, tmp_path):
    path = tmp_path / "nowhere.db"
    with pytest.raises(AdapterError, match="不存在"):
        adapter.provision(grant_spec(f"sqlite:///{path}"))
    assert not path.exists()


def test_an_unreachable_postgresql_source_is_worth_a_retry(adapter):
    with pytest.raises(AdapterError, match="无法连接比对数据源") as raised:
        adapter.provision(grant_spec(f"postgresql+psycopg://{READER}@127.0.0.1:{closed_port()}/{DATABASE}"))
    assert raised.value.retryable


def test_the_registrys_own_database_is_refused(withdrawn, sqlite_source):
    adapter = ComparisonAdapter({"DATABASE_URL": sqlite_source})
    with pytest.raises(AdapterError, match="目录系统自身的数据库"):
        adapter.provision(grant_spec(sqlite_source))


def test_the_source_is_opened_read_only(adapter, source):
    plan = adapter._plan(grant_spec(source))
    with pytest.raises(AdapterError):
        with adapter._connect(plan) as conn:
            conn.execute(sa.text("DELETE FROM households"))
            conn.commit()
    assert compare(adapter, grant_spec(source), [person(row) for row in ROWS]) == [True] * 3


# ---- the conformance suite -----------------------------------------------------------------------------------------

class ComparisonConformance(AdapterConformance):
    """The rules every adapter keeps, for a comparison: what the consumer "reaches" through a handle is the set of
    items it may compare on (asked of the adapter by comparing a real row on each item of the resource in turn);
    it never gets a value back (the tests above). Nothing is provisioned at the provider, so there is nothing to
    count; revoking is the registry's withdrawal, which the grant checker reports."""

    source_url = ""

    @pytest.fixture(autouse=True)
    def _registry(self, withdrawn):
        self.withdrawn = withdrawn
        self.grants: dict[int, GrantSpec] = {}
        self.broken = False
        yield
        if self.broken:
            self.repair_adapter(None)

    def make_adapter(self):
        return ComparisonAdapter({"COMPARISON_MAX_RECORDS": 100})

    def make_grant(self, grant_id):
        grant = grant_spec(self.source_url, grant_id, items=("姓名", "公民身份号码"),
                           keys=["姓名", "公民身份号码", "出生日期", "民族"], require_all_keys=False)
        self.grants[grant_id] = grant
        return grant

    def withdraw(self, grant):
        self.withdrawn.add(grant.grant_id)

    def exposed(self, handle):
        grant, adapter = self.grants[handle.grant_id], self.make_adapter()
        reached = set()
        for item in COLUMNS:
            try:
                if adapter.compare(handle, grant, [person(ROWS[0], [item])]) == [True]:
                    reached.add(item)
            except AdapterError:
                pass
        return reached

    def is_reachable(self, handle):
        grant = self.grants[handle.grant_id]
        try:
            return self.make_adapter().compare(handle, grant, [person(ROWS[0], grant.items)]) == [True]
        except AdapterError:
            return False


class TestComparisonConformanceSQLite(ComparisonConformance):
    @pytest.fixture(autouse=True)
    def _source(self, sqlite_source):
        self.source_url = sqlite_source

    def break_adapter(self, adapter):  # the file is taken away
        path = sa.engine.make_url(self.source_url).database
        os.rename(path, path + ".away")
        self.broken = True

    def repair_adapter(self, adapter):
        path = sa.engine.make_url(self.source_url).database
        os.rename(path + ".away", path)
        self.broken = False


class TestComparisonConformancePostgreSQL(ComparisonConformance):
    @pytest.fixture(autouse=True)
    def _source(self, pg_server):
        self.server = pg_server
        self.source_url = f"postgresql+psycopg://{READER}@127.0.0.1:{pg_server.port}/{DATABASE}"

    def break_adapter(self, adapter):  # the provider's reader may no longer log in
        with pg_admin(self.server) as conn:
            conn.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(READER)))
        self.broken = True

    def repair_adapter(self, adapter):
        with pg_admin(self.server) as conn:
            conn.execute(sql.SQL("ALTER ROLE {} LOGIN").format(sql.Identifier(READER)))
        self.broken = False
