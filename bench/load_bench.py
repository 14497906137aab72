"""Load: many clients at once while a big import runs, against gunicorn on SQLite or PostgreSQL (loopback only).

    .venv/bin/python bench/load_bench.py --db sqlite [--clients 50] [--seconds 60] [--entries 2000] [--import-rows 10000]
    .venv/bin/python bench/load_bench.py --db postgresql

Builds a fresh catalog (the demo city, `--entries` entries) in a temporary instance — on PostgreSQL in a private
server started from Debian's packages on a free loopback port — starts the background worker and gunicorn
(4 processes × 8 threads) on 127.0.0.1, then runs `--clients` clients for `--seconds` seconds:

- 60 % anonymous searches (`/search?q=…`, a rotating list of Chinese queries with facets) and 20 % entry pages;
- 20 % signed-in editors saving a draft of one of their department's entries (the real form: GET the edit page,
  POST it with its base version); a 409 (someone else saved first) is a correct answer, as is a 503 "系统繁忙"
  with Retry-After;
- and, from the 5th second, one admin importing a workbook of `--import-rows` new entries (upload, dry run,
  confirm, import) through the same pages and the real worker.

Reports requests, statuses and p50 / p95 latency per kind, and the search latency while the import's write ran.
Targets (issue 9): no 5xx at all; search p95 ≤ 200 ms while the import runs.
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import pathlib
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "demo-pass-2026"
QUERIES = ["户籍", "社保", "人口", "企业登记", "养老保险", "市公安局", "人社局", "婚姻登记", "不动产", "信息",
           "数据&sharing_type=conditional", "登记&format_category=database", "医疗", "教育&update_cycle=monthly"]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
BASE = re.compile(r'name="base_version" value="([^"]*)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One HTTP/1.1 connection to 127.0.0.1 with its own cookies (a browser tab, roughly)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, data.decode("utf-8", "replace")

    def form(self, path: str, fields: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        status, _headers, text = self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
        return status, text

    def sign_in(self, username: str) -> None:
        _status, _headers, page = self.request("GET", "/login")
        status, _text = self.form("/login", {"username": username, "password": PASSWORD,
                                             "csrf_token": TOKEN.search(page).group(1)})
        if status != 302:
            raise RuntimeError(f"sign-in as {username} answered {status}")


class Recorder:
    """What one client process saw: (kind, status, started at (Unix time), seconds) per request."""

    def __init__(self):
        self.lock = threading.Lock()
        self.records: list[tuple[str, int, float, float]] = []

    def add(self, kind: str, status: int, started_at: float, seconds: float) -> None:
        with self.lock:
            self.records.append((kind, status, started_at, seconds))


def timed(recorder: Recorder, kind: str, call):
    started_at, started = time.time(), time.perf_counter()
    status, headers, text = call()
    recorder.add(kind, status, started_at, time.perf_counter() - started)
    return status, headers, text


def client_loop(port: int, recorder: Recorder, until: float, seed: int, open_ids: list[int], editable: list[int],
                think: float) -> None:
    """One visitor: a search, an entry page or (signed in as an editor) a save, then a pause of about `think` s."""
    rng = random.Random(seed)
    anonymous, editor = Client(port), None
    while time.time() < until:
        roll = rng.random()
        if roll < 0.6:
            query = rng.choice(QUERIES)
            q, _, rest = query.partition("&")
            path = "/search?" + urllib.parse.urlencode({"q": q}) + (f"&{rest}" if rest else "")
            timed(recorder, "search", lambda: anonymous.request("GET", path))
        elif roll < 0.8:
            entry_id = rng.choice(open_ids)
            timed(recorder, "entry page", lambda: anonymous.request("GET", f"/entries/{entry_id}"))
        else:
            if editor is None:
                editor = signed_in(port, "editor", recorder)
            entry_id = editable[seed % len(editable)]
            status, _h, page = timed(recorder, "edit form",
                                     lambda: editor.request("GET", f"/manage/entries/{entry_id}/edit"))
            if status == 200:
                fields = parse_form(page)
                fields["summary"] = f"负载测试修改 {time.time():.3f}"
                timed(recorder, "save", lambda: _save(editor, entry_id, fields))
        time.sleep(think * rng.uniform(0.5, 1.5))


def signed_in(port: int, username: str, recorder: Recorder) -> Client:
    """A signed-in client; a sign-in answered 503 (the database busy) is tried again after its Retry-After."""
    while True:
        client = Client(port)
        _status, _headers, page = client.request("GET", "/login")
        fields = {"username": username, "password": PASSWORD, "csrf_token": TOKEN.search(page).group(1)}
        status, headers, _text = timed(recorder, "sign-in", lambda: client.request(
            "POST", "/login", urllib.parse.urlencode(fields).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"}))
        if status == 302:
            return client
        if status != 503:
            raise RuntimeError(f"sign-in as {username} answered {status}")
        time.sleep(int(headers.get("Retry-After", "1")))


def client_process(port: int, clients: int, first_seed: int, until: float, open_ids: list[int], editable: list[int],
                   think: float) -> list[tuple]:
    """`clients` visitors as threads of one process (several such processes share the load of driving)."""
    recorder = Recorder()
    threads = [threading.Thread(target=client_loop, args=(port, recorder, until, first_seed + n, open_ids, editable,
                                                          think), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=until - time.time() + 180)
    return recorder.records


def _save(editor: Client, entry_id: int, fields: dict):
    status, text = editor.form(f"/manage/entries/{entry_id}/edit", fields)
    return status, {}, text


def parse_form(page: str) -> dict:
    """The edit form's fields as the page renders them (inputs, selected options, textareas)."""
    import html
    fields: dict[str, list[str]] = defaultdict(list)
    for match in re.finditer(r'<input([^>]*)>', page):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', match.group(1)))
        if "name" not in attrs or attrs.get("type") in ("submit", "button", "file"):
            continue
        if attrs.get("type") in ("checkbox", "radio") and "checked" not in match.group(1):
            continue
        fields[attrs["name"]].append(html.unescape(attrs.get("value", "")))
    for match in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        for option in re.finditer(r'<option([^>]*)>', match.group(2)):
            if "selected" in option.group(1):
                fields[match.group(1)].append(html.unescape(re.search(r'value="([^"]*)"', option.group(1)).group(1)))
    for match in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        fields[match.group(1)].append(html.unescape(match.group(2)))
    fields["action"] = ["save"]
    return dict(fields)


def run_import(port: int, path: pathlib.Path) -> dict:
    """Upload, wait for the dry run, confirm, wait for the import; returns when each phase ran (Unix times)."""
    admin = Client(port)
    admin.sign_in("admin")
    _s, _h, page = admin.request("GET", "/imports/")
    boundary = "----loadbench"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{TOKEN.search(page).group(1)}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"load.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode() \
        + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    uploaded = time.time()
    _status, headers, _text = admin.request("POST", "/imports/", body,
                                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    job = headers["Location"].rsplit("/", 1)[1]
    wait_job(admin, job, ("checked",))
    checked = time.time()
    _s, _h, page = admin.request("GET", f"/imports/{job}")
    admin.form(f"/imports/{job}/commit", {"csrf_token": TOKEN.search(page).group(1), "publish": "1",
                                          "publish_reason": "负载测试：批量发布"})
    state = wait_job(admin, job, ("done", "failed", "checked"))
    return {"state": state, "uploaded": uploaded, "checked": checked, "finished": time.time()}


def wait_job(client: Client, job: str, states: tuple[str, ...]) -> str:
    import json
    while True:
        _s, _h, text = client.request("GET", f"/imports/{job}/progress.json")
        state = json.loads(text).get("state")
        if state in states:
            return state
        time.sleep(0.5)


def prepare(instance: pathlib.Path, env: dict, entries: int, import_rows: int) -> pathlib.Path:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "catalog"]
    subprocess.run(flask + ["init-db"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["demo", "--entries", str(entries)], cwd=ROOT, env=env, check=True, capture_output=True)
    script = f"""
import sys; sys.path.insert(0, {str(ROOT)!r})
from app import create_app
from app.demo import generator as demo
from app.imports import services as imports
from app.org import Department
from app.extensions import db
from importers.export import write_entries
from sqlalchemy import select
app = create_app()
with app.app_context():
    departments = {{d.code: d for d in db.session.scalars(select(Department))}}
    templates = [t for t in demo.load_templates() if t.department_code in departments]
    rows = [dict(demo.template_values(t, departments[t.department_code], "负载" + name))
            for t, name in demo.plan(templates, {import_rows}, 77)]
    write_entries({str(instance / 'load.xlsx')!r}, rows, **imports.reference())
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)
    return instance / "load.xlsx"


def catalog_ids(env: dict) -> tuple[list[int], list[int]]:
    script = f"""
import sys, json; sys.path.insert(0, {str(ROOT)!r})
from app import create_app
from app.catalog import Entry
from app.extensions import db
from sqlalchemy import select
app = create_app()
with app.app_context():
    published = db.session.scalars(select(Entry).where(Entry.status == "published")).all()
    open_ids = [e.id for e in published if e.published_version.data.get("open_to_public")]
    police = [e.id for e in published if e.department.name == "市公安局"]
    print(json.dumps([open_ids, police]))
"""
    import json
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds a visitor pauses between requests, on average (0: as fast as possible)")
    args = parser.parse_args()

    instance = pathlib.Path(tempfile.mkdtemp(prefix="load-bench-"))
    env = {**os.environ, "CATALOG_INSTANCE_PATH": str(instance), **LOAD_SETTINGS}
    server = None
    if args.db == "postgresql":
        from tests.pgserver import PostgresServer
        server = PostgresServer()
        server.start()
        env["CATALOG_DATABASE_URL"] = server.create_database("catalog_load")
    processes = []
    try:
        path = prepare(instance, env, args.entries, args.import_rows)
        open_ids, editable = catalog_ids(env)
        port = free_port()
        processes.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "catalog", "worker"],
                                          cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        processes.append(subprocess.Popen([str(pathlib.Path(sys.executable).with_name("gunicorn")), "--workers", "4",
                                           "--worker-class", "gthread", "--threads", "8", "--bind", f"127.0.0.1:{port}",
                                           "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env))
        wait_port(port)
        until = time.time() + args.seconds
        processes_for_clients = min(4, args.clients)
        share = [args.clients // processes_for_clients + (n < args.clients % processes_for_clients)
                 for n in range(processes_for_clients)]
        with multiprocessing.get_context("spawn").Pool(processes_for_clients) as pool:
            pending = [pool.apply_async(client_process, (port, count, sum(share[:n]) * 7919, until, open_ids,
                                                         editable, args.think)) for n, count in enumerate(share)]
            time.sleep(5)
            outcome = run_import(port, path)
            records = [record for result in pending for record in result.get(timeout=args.seconds + 900)]
        report(args, records, outcome)
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if server is not None:
            server.stop()


# The bench is fifty visitors on one address (127.0.0.1): the per-address limits for anonymous searching, which
# would answer most of them 429, are raised; everything else is as deployed.
LOAD_SETTINGS = {"CATALOG_SEARCH_RATE_LIMIT_PUBLIC": "1000000 per minute",
                 "CATALOG_SUGGEST_RATE_LIMIT_PUBLIC": "1000000 per minute",
                 "CATALOG_LOGIN_RATE_LIMIT_ADDRESS": "10000 per minute"}


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def report(args, records: list[tuple], outcome: dict) -> None:
    print(f"{args.db}: {args.clients} clients (think {args.think} s), {args.seconds} s, catalog of {args.entries} "
          f"entries, import of {args.import_rows} rows: {outcome['state']}, dry run "
          f"{outcome['checked'] - outcome['uploaded']:.1f} s, import {outcome['finished'] - outcome['checked']:.1f} s")
    print(f"{'kind':12s} {'requests':>8s} {'p50 ms':>8s} {'p95 ms':>8s}  statuses")
    errors = busy = 0
    for kind in ("search", "entry page", "sign-in", "edit form", "save"):
        mine = [r for r in records if r[0] == kind]
        statuses = dict(sorted(Counter(r[1] for r in mine).items()))
        errors += sum(n for status, n in statuses.items() if status >= 500 and status != 503)
        busy += statuses.get(503, 0)
        seconds = [r[3] for r in mine]
        print(f"{kind:12s} {len(mine):8d} {percentile(seconds, 50):8.1f} {percentile(seconds, 95):8.1f}  {statuses}")
    during = [r[3] for r in records if r[0] == "search" and outcome["checked"] <= r[2] <= outcome["finished"]]
    print(f"search while the import ran: {len(during)} requests, p50 {percentile(during, 50):.1f} ms, "
          f"p95 {percentile(during, 95):.1f} ms (target ≤ 200)")
    print(f"5xx: {errors + busy} ({busy} of them 503 系统繁忙 with Retry-After; target 0)")


if __name__ == "__main__":
    main()
