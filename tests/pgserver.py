"""Throwaway PostgreSQL server for the test suite.

Starts a private cluster from Debian's ``postgresql`` packages, listening only
on 127.0.0.1 (plus a unix socket inside ``base_dir``), with durability turned
off for speed. As root (CI), the server binaries run as the ``postgres`` system
user, because PostgreSQL refuses to run as root.

Smoke test:  ``python tests/pgserver.py``
"""
from __future__ import annotations

import atexit
import getpass
import os
import pathlib
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile

INSTALL_HINT = ("PostgreSQL server binaries (initdb, pg_ctl) not found; install Debian's "
                "`postgresql` package (apt-get install -y postgresql).")


def find_pg_bin() -> pathlib.Path | None:
    """Return the newest /usr/lib/postgresql/*/bin holding initdb, else initdb's dir on PATH."""
    def version(path: pathlib.Path) -> tuple:
        return tuple(int(p) if p.isdigit() else 0 for p in path.parent.name.split("."))
    candidates = [p for p in pathlib.Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()]
    if candidates:
        return max(candidates, key=version)
    on_path = shutil.which("initdb")
    return pathlib.Path(on_path).resolve().parent if on_path else None


def _free_port() -> int:
    """Ask the kernel for a free loopback port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pick_locale() -> str:
    """C.UTF-8 if the system has it, else plain C."""
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "C"
    names = {line.strip().lower().replace("-", "") for line in out.splitlines()}
    return "C.UTF-8" if "c.utf8" in names else "C"


class PostgresServer:
    """A PostgreSQL cluster living in ``base_dir`` (a temp dir it owns if None)."""

    def __init__(self, base_dir: pathlib.Path | None = None, port: int | None = None):
        self._owns_dir = base_dir is None
        if base_dir is None:
            base_dir = pathlib.Path(tempfile.mkdtemp(prefix="pgserver-"))
            base_dir.chmod(0o755)  # mkdtemp is 0700; the postgres user must get in
            atexit.register(self.stop)  # remove it even if start() is never reached
        self.base_dir = pathlib.Path(base_dir).resolve()
        self.port = port
        self.data_dir = self.base_dir / "data"
        self.socket_dir = self.base_dir / "sock"
        self.log_file = self.base_dir / "postgres.log"
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else getpass.getuser()
        self.bin_dir: pathlib.Path | None = None
        self._running = False

    # -- helpers ---------------------------------------------------------
    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run a PostgreSQL binary, as the postgres user when we are root."""
        cmd = [str(self.bin_dir / tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        proc = subprocess.run(cmd, cwd=self.base_dir, capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{tool} failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
                               f"\n--- server log tail ---\n{self.log_tail()}")
        return proc

    def log_tail(self, lines: int = 40) -> str:
        """Last lines of the server log (or a note if there is none)."""
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def _prepare_dir(self) -> None:
        """Create base_dir; as root, hand it to postgres and make its ancestors traversable."""
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if not self.as_root:
            return
        try:
            pw = pwd.getpwnam(self.user)
        except KeyError:
            raise RuntimeError(f"running as root but there is no `{self.user}` user; " + INSTALL_HINT)
        os.chown(self.base_dir, pw.pw_uid, pw.pw_gid)
        for parent in self.base_dir.parents:  # search (x) permission only, no listing
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH:
                parent.chmod(mode | stat.S_IXOTH)

    # -- lifecycle -------------------------------------------------------
    def start(self) -> None:
        """initdb a fresh cluster and start it on 127.0.0.1 (pg_ctl start -w)."""
        if self._running:
            return
        try:
            self._start()
        except BaseException:
            self.stop()  # kill a half-started server, remove a temp dir we own
            raise

    def _start(self) -> None:
        """Find binaries, prepare base_dir, initdb if needed, configure and start."""
        self.bin_dir = find_pg_bin()
        if self.bin_dir is None:
            raise RuntimeError(INSTALL_HINT)
        self._prepare_dir()
        if self.port is None:
            self.port = _free_port()
        if not (self.data_dir / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data_dir), "-U", self.user, "--auth=trust",
                      "--encoding=UTF8", f"--locale={_pick_locale()}", "--no-sync")
        self._write_conf()
        self._running = True  # even a failed/timed-out start may leave a postmaster behind
        atexit.register(self.stop)
        proc = self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file),
                         "-w", "-t", "60", "start", check=False)
        if proc.returncode != 0:
            tail = self.log_tail()
            raise RuntimeError(f"PostgreSQL failed to start on 127.0.0.1:{self.port}:\n"
                               f"{proc.stdout}{proc.stderr}\n--- server log tail ---\n{tail}")

    def _write_conf(self) -> None:
        """Append our settings to postgresql.conf (the file stays owned by its user)."""
        self.socket_dir.mkdir(exist_ok=True)
        if self.as_root:
            shutil.chown(self.socket_dir, self.user)
        conf = self.data_dir / "postgresql.conf"
        with conf.open("a") as fh:
            fh.write("\n# pgserver.py test settings\n"
                     "listen_addresses = '127.0.0.1'\n"
                     f"port = {self.port}\n"
                     f"unix_socket_directories = '{self.socket_dir}'\n"
                     "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")

    def stop(self) -> None:
        """pg_ctl stop -m fast; safe to call repeatedly. Removes base_dir if we created it."""
        atexit.unregister(self.stop)
        if self._running:
            self._running = False
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop", check=False)
        if self._owns_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> "PostgresServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- databases -------------------------------------------------------
    def url_for(self, name: str) -> str:
        """SQLAlchemy URL for database ``name`` on this server."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{name}"

    def _admin(self, statement) -> None:
        """Execute one statement in autocommit mode on the ``postgres`` database."""
        import psycopg
        with psycopg.connect(host="127.0.0.1", port=self.port, user=self.user,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(statement)

    def create_database(self, name: str) -> str:
        """CREATE DATABASE ``name`` and return its SQLAlchemy URL."""
        from psycopg import sql
        self._admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE ``name``, terminating any other connections to it first."""
        from psycopg import sql
        self._admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


if __name__ == "__main__":
    import sqlalchemy

    with PostgresServer() as server:
        url = server.create_database("smoke_test")
        print("server:", server.base_dir, "port", server.port, "url", url)
        engine = sqlalchemy.create_engine(url)
        with engine.connect() as conn:
            print(conn.execute(sqlalchemy.text("select version()")).scalar_one())
        engine.dispose()
        server.drop_database("smoke_test")
    print("stopped; base_dir removed:", not server.base_dir.exists())
