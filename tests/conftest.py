"""Shared fixtures: the app from the factory on a fresh database per test, on SQLite or PostgreSQL.

`pytest --db=sqlite` (default) or `pytest --db=postgresql`. Each test gets its own database, copied from a
template that is migrated with Alembic once per session and holds the demo city's reference data
(classification tree and departments) but no entries.
"""
from __future__ import annotations

import itertools
import os
import pathlib
import sqlite3
import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from app.core.db import transaction
from app.extensions import db

DATA = pathlib.Path(__file__).resolve().parent.parent / "app" / "demo" / "data"
_counter = itertools.count()


def pytest_addoption(parser):
    parser.addoption("--db", choices=["sqlite", "postgresql"], default=os.environ.get("CATALOG_TEST_DB", "sqlite"),
                     help="database engine the suite runs against")


def pytest_report_header(config):
    return f"database: {config.getoption('--db')}"


def pytest_collection_modifyitems(config, items):
    if config.getoption("--db") == "postgresql":
        return
    skip = pytest.mark.skip(reason="PostgreSQL-only test; runs in the --db=postgresql pass of make test")
    for item in items:
        if "postgresql_only" in item.keywords:
            item.add_marker(skip)


def _prepare(url: str, instance: pathlib.Path) -> None:
    """Migrate and load the reference data into a template database."""
    from flask_migrate import upgrade

    from app.catalog import load_classification
    from app.org import load_departments

    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        upgrade()
        with transaction():
            load_classification(DATA / "classification.csv")
            load_departments(DATA / "departments.csv")
        db.session.remove()
        db.engine.dispose()


class SQLiteDatabases:
    def __init__(self, root: pathlib.Path):
        self.root = root
        self.template = root / "template.db"
        _prepare(f"sqlite:///{self.template}", root / "instance")

    def new(self) -> tuple[str, callable]:
        path = self.root / f"test_{next(_counter)}.db"
        with sqlite3.connect(self.template) as src, sqlite3.connect(path) as dst:
            src.backup(dst)
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)

    def empty(self) -> tuple[str, callable]:
        """A database with no tables at all (migration tests)."""
        path = self.root / f"empty_{next(_counter)}.db"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)


class PostgresDatabases:
    """A database per test, copied from a migrated template — or a used one, reset to the template's rows.

    Copying a template is half a second of the server's CPU here (CREATE DATABASE, PostgreSQL 15), most of the
    PostgreSQL pass; resetting a used database takes a tenth of that: every table truncated, the rows the template
    holds (classification, departments) copied back from a schema of their own that the template carries
    (``catalog_test_reference``, which the app never reads), and the sequences set back. A database whose reset
    cannot take its locks within seconds (something still holds it) is dropped and a fresh copy made instead.
    """

    REFERENCE = "catalog_test_reference"

    def __init__(self, root: pathlib.Path):
        from tests.pgserver import PostgresServer

        self.server = PostgresServer()
        self.server.start()
        self.template_url = self.server.create_database("catalog_template")
        _prepare(self.template_url, root / "instance")
        self._reset_sql = self._keep_reference_rows()
        self._used: list[str] = []

    def _connect(self, name: str):
        import psycopg

        url = self.server.url_for(name).replace("postgresql+psycopg://", "postgresql://")
        return psycopg.connect(url, autocommit=True)

    def _keep_reference_rows(self) -> str:
        """Copy the template's rows into its reference schema; the SQL that resets a copy to them."""
        with self._connect("catalog_template") as conn:
            tables = [row[0] for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' "
                "ORDER BY tablename")]
            filled = [t for t in tables if conn.execute(f'SELECT EXISTS (SELECT 1 FROM public."{t}")').fetchone()[0]]
            conn.execute(f"CREATE SCHEMA {self.REFERENCE}")
            for table in filled:
                conn.execute(f'CREATE TABLE {self.REFERENCE}."{table}" AS TABLE public."{table}"')
            sequences = conn.execute("SELECT sequencename, last_value FROM pg_sequences "
                                     "WHERE schemaname = 'public'").fetchall()
        # DELETE rather than TRUNCATE: on tables of a few rows it is much cheaper (TRUNCATE makes new files for
        # every table and index); foreign keys are not checked meanwhile (replica role), the rows come back whole
        statements = ["SET lock_timeout = '5s'", "SET session_replication_role = replica"]
        statements += [f'DELETE FROM public."{t}"' for t in tables]
        statements += [f'INSERT INTO public."{t}" SELECT * FROM {self.REFERENCE}."{t}"' for t in filled]
        statements += [f"SELECT setval('public.\"{name}\"', {value})" if value is not None
                       else f"SELECT setval('public.\"{name}\"', 1, false)" for name, value in sequences]
        statements.append("SET session_replication_role = DEFAULT")
        return ";\n".join(statements)

    def _reset(self, name: str) -> bool:
        import psycopg

        try:
            with self._connect(name) as conn, conn.transaction():
                conn.execute(self._reset_sql)
            return True
        except psycopg.Error:
            self.server.drop_database(name)
            return False

    def new(self) -> tuple[str, callable]:
        name = None
        while self._used and name is None:
            candidate = self._used.pop()
            name = candidate if self._reset(candidate) else None
        if name is None:
            name = f"catalog_test_{next(_counter)}"
            with self._connect("postgres") as conn:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE catalog_template')
        return self.server.url_for(name), lambda: self._used.append(name)

    def empty(self) -> tuple[str, callable]:
        """A database with no tables at all (migration tests)."""
        name = f"catalog_empty_{next(_counter)}"
        return self.server.create_database(name), lambda: self.server.drop_database(name)

    def stop(self):
        self.server.stop()


@pytest.fixture(scope="session")
def databases(request, tmp_path_factory):
    engine = request.config.getoption("--db")
    root = tmp_path_factory.mktemp("databases")
    if engine == "postgresql":
        dbs = PostgresDatabases(root)
        yield dbs
        dbs.stop()
    else:
        yield SQLiteDatabases(root)


@pytest.fixture
def database_url(databases):
    url, drop = databases.new()
    yield url
    drop()


@pytest.fixture
def empty_app(databases, tmp_path, monkeypatch):
    """The app on a database with no tables at all (migration tests upgrade it step by step)."""
    url, drop = databases.empty()
    monkeypatch.setenv("CATALOG_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    drop()


@pytest.fixture
def app(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CATALOG_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class FreshContextClient(FlaskClient):
    """Each request in its own app context, as in production: its own `g` and database session.

    Without this, requests made while the test holds an app context would share the test's `g` and session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # the test's own session then sees what the request committed (no stale snapshot or identity map)
        db.session.rollback()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


# ---- factories ------------------------------------------------------------------------------------

@pytest.fixture
def department(app):
    """Look a department up by name (the demo city's departments are loaded)."""
    from app.org import Department

    def get(name: str = "市公安局") -> Department:
        found = db.session.scalar(select(Department).where(Department.name == name))
        assert found is not None, name
        return found

    return get


@pytest.fixture
def make_user(app, department):
    """A user of a department with one role, or several: make_user(("editor", "department_reviewer"))."""
    from app.accounts import create_user

    created = itertools.count()

    def make(roles="editor", department_name: str = "市公安局", password: str = "correct-horse-1"):
        roles = [roles] if isinstance(roles, str) else list(roles)
        with transaction():
            user = create_user(username=f"{'-'.join(roles)[:40]}{next(created)}", display_name=f"测试{roles[0]}",
                               roles=roles, department_code=department(department_name).code, password=password)
        return user

    return make


@pytest.fixture
def clock(app):
    """clock("2026-09-25") sets the day the app takes as today (CATALOG_TODAY): every deadline, and the
    timestamps it stores, follow it (app/core/clock.py). Tests move it; nothing sleeps."""
    import datetime as dt

    def set_today(day):
        app.config["TODAY"] = dt.date.fromisoformat(day) if isinstance(day, str) else day
        return app.config["TODAY"]

    return set_today


@pytest.fixture
def admin(make_user):
    return make_user("admin", "市政务服务数据管理局")


def valid_values(**overrides) -> dict:
    """A complete, valid entry as an editor would fill it in (a conditional database of persons)."""
    values = {
        "category_code": "101001",
        "name": "户籍人口基本信息",
        "summary": "本市户籍人口的姓名、公民身份号码、性别、民族、出生日期等基本登记信息。",
        "format_category": "database",
        "format_type": "oracle",
        "sharing_type": "conditional",
        "sharing_condition": "仅限因履行法定职责需要核验身份的部门使用，须经申请审核。",
        "sharing_method_category": "platform",
        "sharing_method_type": "interface",
        "sensitivity": ["personal_privacy"],
        "open_to_public": False,
        "update_cycle": "realtime",
        "data_items": [
            {"name": "姓名", "data_type": "C", "length": "50", "basic_item": True, "sharing_type": "unconditional"},
            {"name": "公民身份号码", "data_type": "C", "length": "18", "basic_item": True,
             "sharing_type": "unconditional"},
            {"name": "出生日期", "data_type": "D", "length": ""},
        ],
    }
    values.update(overrides)
    return values


@pytest.fixture
def make_entry(app, admin):
    """Create (and by default publish, directly, as the admin) an entry through the services."""
    from app import catalog

    def make(publish: bool = True, user=None, **overrides):
        with transaction():
            entry = catalog.create_entry(valid_values(**overrides), user=user or admin)
            if publish:
                catalog.publish_directly([entry], user=admin, reason="测试数据")
        return entry

    return make


def edit(entry, values, *, user, **kwargs):
    """Save a draft based on the entry's current version (what an edit form opened now would carry)."""
    from app import catalog

    return catalog.update_draft(entry, values, user=user, base=catalog.BaseRef.of(entry.base_version), **kwargs)


@pytest.fixture
def worker(app):
    """The background worker, as `flask catalog worker` runs it, in threads of this process: the job queue's
    consumer and the outbox drain loop."""
    import threading

    from app import outbox
    from app.imports import job_queue, reap_stale_jobs

    consumer = job_queue().create_consumer(workers=1, worker_type="thread", periodic=False, check_worker_health=False)
    consumer.start()
    stop = threading.Event()
    drainer = threading.Thread(target=outbox.run_forever, args=(app, stop, [reap_stale_jobs]), daemon=True)
    drainer.start()
    yield
    stop.set()
    drainer.join(timeout=10)
    consumer.stop(graceful=True)


@pytest.fixture
def published(make_entry, make_user):
    """Five published entries of 市公安局 (made by its editor, published by the admin)."""
    editor = make_user("editor", "市公安局")
    entries = [make_entry(user=editor, name=f"户籍资源{n}", summary=f"第 {n} 个户籍资源。") for n in range(5)]
    return editor, entries




@pytest.fixture
def live_server(app):
    """Serve the test's app on 127.0.0.1 (a free port) from a daemon thread; yields the base URL (browser tests,
    API clients, harvesting)."""
    db.session.rollback()  # no read transaction of the test's session left open while the server works
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server",
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
