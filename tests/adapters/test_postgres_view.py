"""The database view adapter (数据库视图) against a real PostgreSQL, whatever `--db` says: a throwaway server of this
module's own, where the grants' roles log in with their passwords (SCRAM) while the adapter's role is trusted."""
from __future__ import annotations

import datetime as dt
import socket

import psycopg
import pytest
from psycopg import sql

from app.adapters import ACTIVE, MISSING, REVOKED, AdapterError, GrantSpec, Handle
from app.adapters.conformance import AdapterConformance
from app.adapters.postgres_view import PREFIX, PostgresViewAdapter, marker, role_name, scram_verifier
from tests.pgserver import PostgresServer

DATABASE = "provider"
#: the source table's 8 columns, by data item
COLUMNS = {"编号": "id", "姓名": "xm", "公民身份号码": "sfzh", "性别": "xb", "民族": "mz", "出生日期": "csrq",
           "住址": "zz", "联系电话": "lxdh"}
APPROVED = ("姓名", "公民身份号码")
ROWS = [(1, "张三", "110101199001011234", "男", "汉族", dt.date(1990, 1, 1), "北京市东城区", "13800000001"),
        (2, "李四", "110101198502023456", "女", "回族", dt.date(1985, 2, 2), "北京市西城区", "13800000002"),
        (3, "王五", "110101197003035678", "男", "满族", dt.date(1970, 3, 3), "北京市朝阳区", "13800000003")]


class PasswordServer(PostgresServer):
    """The suite's throwaway server, but only its own superuser is trusted: every other role logs in with a
    password, so the tests prove the grant's password (and its VALID UNTIL) really gate the door."""

    def _write_conf(self) -> None:
        super()._write_conf()
        hba = self.data_dir / "pg_hba.conf"
        hba.write_text(f"local all {self.user} trust\n"
                       f"host all {self.user} 127.0.0.1/32 trust\n"
                       "host all all 127.0.0.1/32 scram-sha-256\n")


@pytest.fixture(scope="module")
def server():
    with PasswordServer() as running:
        running.create_database(DATABASE)
        with admin_connection(running) as conn:
            conn.execute("CREATE TABLE public.households (id integer PRIMARY KEY, xm text, sfzh varchar(18), xb text, "
                         "mz text, csrq date, zz text, lxdh text)")
            conn.cursor().executemany("INSERT INTO public.households VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", ROWS)
            conn.execute("REVOKE ALL ON public.households FROM PUBLIC")
        yield running


def admin_connection(server: PostgresServer) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=server.port, user=server.user, dbname=DATABASE, autocommit=True)


def sweep(server: PostgresServer) -> None:
    """Drop every grant's schema and role, so that each test starts from the bare source table."""
    with admin_connection(server) as conn:
        like = PREFIX.replace("_", r"\_") + "%"
        for (name,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (like,)).fetchall():
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))
        for (name,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (like,)).fetchall():
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def grant_spec(grant_id: int = 1, items=APPROVED, *, columns=None, table="public.households",
               valid_until: dt.date | None = None) -> GrantSpec:
    today = dt.date.today()
    return GrantSpec(grant_id=grant_id, entry_id=7, resource_code="101001/000001", resource_name="户籍人口基本信息",
                     provider_code="002", consumer_code="003", consumer_name="市民政局", items=tuple(items),
                     purpose="核验低保申请人身份", valid_from=today, valid_until=valid_until or today + dt.timedelta(days=90),
                     settings={"table": table, "columns": dict(COLUMNS if columns is None else columns)})


def consumer(server: PostgresServer, handle: Handle, password: str) -> psycopg.Connection:
    """Log in as the grant's role, as the consumer would, with the DSN and password it was given."""
    return psycopg.connect(handle.details["dsn"], password=password, connect_timeout=5, autocommit=True)


@pytest.fixture
def adapter(server):
    sweep(server)
    yield PostgresViewAdapter({"POSTGRES_VIEW_URL": server.url_for(DATABASE), "TIMEZONE": "Asia/Shanghai"})
    sweep(server)


@pytest.fixture
def provisioned(adapter):
    handle = adapter.provision(grant_spec())
    return handle, handle.details["password"]


def role_count(server, grant_id: int = 1) -> int:
    with admin_connection(server) as conn:
        return conn.execute("SELECT count(*) FROM pg_roles WHERE shobj_description(oid, 'pg_authid') = %s",
                            (marker(grant_id),)).fetchone()[0]


# ---- what the consumer can do -----------------------------------------------------------------------------------

def test_consumer_reads_the_approved_columns_through_the_view(server, provisioned):
    handle, password = provisioned
    with consumer(server, handle, password) as conn:
        cursor = conn.execute(handle.details["query"])
        assert [column.name for column in cursor.description] == ["xm", "sfzh"]
        assert sorted(cursor.fetchall()) == sorted((row[1], row[2]) for row in ROWS)
        # its search_path is its schema: the view answers to the table's bare name
        assert conn.execute("SELECT count(*) FROM households").fetchone()[0] == 3


def test_consumer_cannot_select_an_unapproved_column(server, provisioned):
    handle, password = provisioned
    with consumer(server, handle, password) as conn:
        with pytest.raises(psycopg.errors.UndefinedColumn):
            conn.execute(sql.SQL("SELECT zz FROM {}.households").format(sql.Identifier(role_name(1))))


def test_consumer_cannot_read_the_base_table(server, provisioned):
    handle, password = provisioned
    with consumer(server, handle, password) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT xm FROM public.households")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE public.copy (x int)")


def test_consumer_cannot_log_in_with_a_wrong_password(server, provisioned):
    handle, _password = provisioned
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        consumer(server, handle, "not-the-password")


def test_the_handle_shows_the_dsn_without_password_and_the_password_apart(server, provisioned):
    handle, password = provisioned
    assert handle.reference == f"{role_name(1)}.households"
    assert handle.details["dsn"] == f"postgresql://{role_name(1)}@127.0.0.1:{server.port}/{DATABASE}"
    assert password not in handle.details["dsn"] and len(password) >= 24
    assert handle.details["columns"] == ["xm", "sfzh"]
    assert handle.details["items"] == {"姓名": "xm", "公民身份号码": "sfzh"}
    with admin_connection(server) as conn:  # the server holds a SCRAM verifier, never the password
        stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role_name(1),)).fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$") and password not in stored


def test_revoke_ends_the_consumers_access(server, adapter, provisioned):
    handle, password = provisioned
    session = consumer(server, handle, password)
    adapter.revoke(handle)
    with pytest.raises(psycopg.Error):  # the open session was ended (or at least lost the view)
        session.execute(handle.details["query"])
    session.close()
    with pytest.raises(psycopg.OperationalError):
        consumer(server, handle, password)
    assert role_count(server) == 0
    assert adapter.status(handle) == REVOKED


def test_revoking_what_was_never_provisioned_succeeds(adapter):
    adapter.revoke(Handle("postgres_view", 404, f"{role_name(404)}.households"))


def test_provisioning_twice_makes_one_role_and_returns_the_password_once(server, adapter, provisioned):
    first, password = provisioned
    second = adapter.provision(grant_spec())
    assert second == first and "password" not in second.details
    assert role_count(server) == 1
    with consumer(server, second, password) as conn:  # the first password still works
        assert conn.execute(second.details["query"]).fetchall()


def test_reset_password_replaces_the_password(server, adapter, provisioned):
    handle, old = provisioned
    new = adapter.reset_password(handle)
    assert new != old
    with consumer(server, handle, new) as conn:
        assert conn.execute(handle.details["query"]).fetchall()
    with pytest.raises(psycopg.OperationalError):
        consumer(server, handle, old)


def test_the_role_expires_with_the_grant(server, adapter):
    """VALID UNTIL is the end of the last day (Asia/Shanghai): a grant that ended yesterday cannot log in."""
    ended = adapter.provision(grant_spec(2, valid_until=dt.date.today() - dt.timedelta(days=2)))
    with pytest.raises(psycopg.OperationalError):
        consumer(server, ended, ended.details["password"])
    extended = adapter.provision(grant_spec(2, valid_until=dt.date(2099, 12, 31)))  # the period was extended
    with admin_connection(server) as conn:
        until = conn.execute("SELECT rolvaliduntil FROM pg_roles WHERE rolname = %s", (role_name(2),)).fetchone()[0]
    assert until == dt.datetime(2100, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with consumer(server, extended, ended.details["password"]) as conn:
        assert conn.execute(extended.details["query"]).fetchall()


def test_changed_settings_rebuild_the_view_for_the_same_role(server, adapter, provisioned):
    handle, password = provisioned
    columns = dict(COLUMNS, 姓名="zz")  # the provider corrected the column of 姓名
    again = adapter.provision(grant_spec(columns=columns))
    assert again.details["columns"] == ["zz", "sfzh"]
    with consumer(server, again, password) as conn:
        cursor = conn.execute(again.details["query"])
        assert [column.name for column in cursor.description] == ["zz", "sfzh"]
    assert role_count(server) == 1


def test_provisioning_again_takes_back_what_was_granted_on_the_source_by_hand(server, adapter, provisioned):
    handle, password = provisioned
    with admin_connection(server) as conn:
        conn.execute(sql.SQL("GRANT SELECT ON public.households TO {}").format(sql.Identifier(role_name(1))))
    adapter.provision(grant_spec())
    with consumer(server, handle, password) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT zz FROM public.households")


def test_revoke_drops_a_role_that_was_granted_more_by_hand(server, adapter, provisioned):
    handle, _password = provisioned
    with admin_connection(server) as conn:
        conn.execute("CREATE TABLE public.other (x int)")
        conn.execute(sql.SQL("GRANT SELECT ON public.other TO {}").format(sql.Identifier(role_name(1))))
    try:
        adapter.revoke(handle)
        assert role_count(server) == 0 and nothing_made(server)
    finally:
        with admin_connection(server) as conn:
            conn.execute("DROP TABLE public.other")


def test_two_workers_provisioning_one_grant_at_once_make_one_role(server, adapter):
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        handles = list(pool.map(lambda _n: adapter.provision(grant_spec()), range(2)))
    assert handles[0] == handles[1]
    assert sum("password" in handle.details for handle in handles) == 1
    assert role_count(server) == 1


def test_status_tells_active_missing_and_revoked(server, adapter, provisioned):
    handle, _password = provisioned
    assert adapter.status(handle) == ACTIVE
    with admin_connection(server) as conn:
        conn.execute(sql.SQL("DROP VIEW {}.households").format(sql.Identifier(role_name(1))))
    assert adapter.status(handle) == MISSING
    adapter.provision(grant_spec())  # provisioning again repairs it
    assert adapter.status(handle) == ACTIVE
    adapter.revoke(handle)
    assert adapter.status(handle) == REVOKED


def test_identifiers_are_quoted(server, adapter):
    """Names are taken as written, whatever they hold: nothing of them is ever run as SQL."""
    table, column = 'Odd "Table"; DROP TABLE public.households; --', 'Col"; DROP ROLE x; --'
    with admin_connection(server) as conn:
        conn.execute(sql.SQL("CREATE TABLE public.{} ({} text, other text)").format(
            sql.Identifier(table), sql.Identifier(column)))
        conn.execute(sql.SQL("INSERT INTO public.{} VALUES ('甲', '乙')").format(sql.Identifier(table)))
    try:
        handle = adapter.provision(grant_spec(3, ("姓名",), columns={"姓名": column}, table=f"public.{table}"))
        with consumer(server, handle, handle.details["password"]) as conn:
            assert conn.execute(handle.details["query"]).fetchall() == [("甲",)]
        with admin_connection(server) as conn:
            assert conn.execute("SELECT count(*) FROM public.households").fetchone()[0] == 3
    finally:
        with admin_connection(server) as conn:
            conn.execute(sql.SQL("DROP TABLE public.{} CASCADE").format(sql.Identifier(table)))


# ---- what is refused ----------------------------------------------------------------------------------------------

def nothing_made(server, grant_id: int = 1) -> bool:
    with admin_connection(server) as conn:
        role = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role_name(grant_id),)).fetchone()
        schema = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (role_name(grant_id),)).fetchone()
    return role is None and schema is None


def test_an_approved_item_without_a_column_is_refused_by_name(server, adapter):
    columns = {name: column for name, column in COLUMNS.items() if name != "公民身份号码"}
    with pytest.raises(AdapterError, match="公民身份号码") as raised:
        adapter.provision(grant_spec(columns=columns))
    assert not raised.value.retryable
    assert nothing_made(server)


def test_an_unknown_column_is_refused_naming_the_item(server, adapter):
    with pytest.raises(AdapterError, match="数据项「姓名」对应的列 name_typo") as raised:
        adapter.provision(grant_spec(columns=dict(COLUMNS, 姓名="name_typo")))
    assert not raised.value.retryable and "name_typo" in raised.value.message_en
    assert nothing_made(server)


def test_an_unknown_table_is_refused(server, adapter):
    with pytest.raises(AdapterError, match="public.nowhere") as raised:
        adapter.provision(grant_spec(table="public.nowhere"))
    assert not raised.value.retryable
    assert nothing_made(server)


def test_a_source_readable_by_public_is_refused_and_leaves_nothing(server, adapter):
    with admin_connection(server) as conn:
        conn.execute("GRANT SELECT ON public.households TO PUBLIC")
    try:
        with pytest.raises(AdapterError, match="PUBLIC") as raised:
            adapter.provision(grant_spec())
        assert not raised.value.retryable
        assert nothing_made(server)
    finally:
        with admin_connection(server) as conn:
            conn.execute("REVOKE ALL ON public.households FROM PUBLIC")


def test_a_role_of_that_name_made_by_someone_else_is_refused(server, adapter):
    with admin_connection(server) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role_name(1))))
    with pytest.raises(AdapterError, match=role_name(1)) as raised:
        adapter.provision(grant_spec())
    assert not raised.value.retryable
    adapter.revoke(Handle("postgres_view", 1, "x"))  # nor does revoke drop it
    assert role_count(server) == 0 and not nothing_made(server)


def test_an_unconfigured_adapter_says_so():
    adapter = PostgresViewAdapter({"POSTGRES_VIEW_URL": ""})
    for call in (lambda: adapter.provision(grant_spec()), lambda: adapter.status(Handle("postgres_view", 1, "x"))):
        with pytest.raises(AdapterError) as raised:
            call()
        assert raised.value.message == "未配置数据库视图适配器的连接（CATALOG_POSTGRES_VIEW_URL）"
        assert not raised.value.retryable


def test_an_unreachable_database_is_worth_a_retry():
    adapter = PostgresViewAdapter({"POSTGRES_VIEW_URL": f"postgresql+psycopg://admin@127.0.0.1:{closed_port()}/db"})
    with pytest.raises(AdapterError, match="无法连接") as raised:
        adapter.provision(grant_spec())
    assert raised.value.retryable


def test_a_handle_of_another_adapter_is_refused(adapter):
    with pytest.raises(AdapterError) as raised:
        adapter.revoke(Handle("download", 1, "grant-1"))
    assert not raised.value.retryable


def test_scram_verifier_matches_postgresql():
    """The RFC 7677 test vector's shape, and PostgreSQL's own check in the tests above (a role logs in with it)."""
    verifier = scram_verifier("pencil", salt=b"0123456789abcdef")
    assert verifier.startswith("SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$")
    assert verifier == scram_verifier("pencil", salt=b"0123456789abcdef")


# ---- the conformance suite ----------------------------------------------------------------------------------------

class TestPostgresViewConformance(AdapterConformance):
    """The rules every adapter keeps. "Exposed" is asked of PostgreSQL: every column, in any relation of the
    database, that the grant's role may SELECT — mapped back to data items (an unmapped column counts as itself, so
    a leak of any column would show)."""

    @pytest.fixture(autouse=True)
    def _server(self, server):
        self.server = server
        self.passwords: dict[int, str] = {}
        sweep(server)
        yield
        sweep(server)

    def make_adapter(self):
        return self._recording(self.server.url_for(DATABASE))

    def _recording(self, url: str) -> PostgresViewAdapter:
        """The adapter, noting each password it hands out (what the sharing module would show the consumer)."""
        adapter = PostgresViewAdapter({"POSTGRES_VIEW_URL": url})
        provision = adapter.provision

        def recording(grant):
            handle = provision(grant)
            if "password" in handle.details:
                self.passwords[grant.grant_id] = handle.details["password"]
            return handle

        adapter.provision = recording
        return adapter

    def make_grant(self, grant_id):
        return grant_spec(grant_id)

    def exposed(self, handle):
        role = role_name(handle.grant_id)
        with admin_connection(self.server) as conn:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
                return set()
            columns = conn.execute(
                "SELECT a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%' "
                "AND c.relkind IN ('r', 'v', 'm', 'p', 'f') "
                "AND (has_table_privilege(%s::name, c.oid, 'SELECT') "
                "     OR has_column_privilege(%s::name, c.oid, a.attnum, 'SELECT'))", (role, role)).fetchall()
        by_column = {column: item for item, column in COLUMNS.items()}
        return {by_column.get(column, column) for (column,) in columns}

    def is_reachable(self, handle):
        password = self.passwords.get(handle.grant_id)
        if password is None:
            return False
        try:
            with psycopg.connect(host="127.0.0.1", port=self.server.port, dbname=DATABASE, connect_timeout=5,
                                 user=role_name(handle.grant_id), password=password) as conn:
                conn.execute(sql.SQL("SELECT * FROM {}.households").format(sql.Identifier(role_name(handle.grant_id))))
            return True
        except psycopg.Error:
            return False

    def break_adapter(self, adapter):
        return self._recording(f"postgresql+psycopg://{self.server.user}@127.0.0.1:{closed_port()}/{DATABASE}")

    def repair_adapter(self, adapter):
        return self.make_adapter()

    def provisioned_count(self, grant):
        with admin_connection(self.server) as conn:
            views = conn.execute("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                 "WHERE n.nspname = %s AND c.relkind = 'v'", (role_name(grant.grant_id),)).fetchone()[0]
        roles = role_count(self.server, grant.grant_id)
        return roles if views == roles else roles + views
