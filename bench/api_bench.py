"""Action API benchmark: what harvesters and scripts ask of a big catalog, end to end over HTTP.

    .venv/bin/python bench/api_bench.py --instance DIR     # a catalog built before (see bench/search_bench.py)
    .venv/bin/python bench/api_bench.py                    # builds 100,000 entries first (≈ 7 min)

Serves the instance with gunicorn on 127.0.0.1 (the API's rate limit raised out of the way: this measures the API, not the limiter) and asks,
one request at a time over a kept-alive connection, anonymously (the open catalog) and with a government user's
API token: package_search (browse, words, fq filters and ranges, facets, 100 and 1000 rows, deep paging),
package_show, organization_list and package_list. Reports p50 / p95 per kind, and the time of a whole incremental
harvest page walk (rows=1000 by metadata_modified).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import pathlib
import subprocess
import sys
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from search_bench import BIN, build, free_port, percentile  # noqa: E402

SEARCHES = [
    ("browse 10", {}),
    ("words", {"q": "户籍 人口"}),
    ("words broad", {"q": "信息"}),
    ("fq tag", {"fq": "sharing_type:conditional"}),
    ("fq org + negation", {"fq": "+organization:003 -update_cycle:daily"}),
    ("fq range", {"fq": "metadata_modified:[NOW-30DAYS TO *]"}),
    ("facets 4", {"facet.field": json.dumps(["organization", "tags", "groups", "sharing_type"])}),
    ("rows 100", {"rows": "100"}),
    ("rows 1000", {"rows": "1000", "sort": "metadata_modified asc"}),
    ("deep page", {"rows": "100", "start": "20000", "sort": "metadata_modified asc"}),
]


def token_for(instance: pathlib.Path) -> str:
    """An API token of the demo's seeker, made through the service (printed once, as the account page does)."""
    code = ("import time\nfrom app import create_app, accounts\nfrom app.core.db import transaction\n"
            "app = create_app()\n"
            "with app.app_context():\n"
            "    user = accounts.User.query.filter_by(username='seeker').one()\n"
            "    with transaction():\n"
            "        _row, raw = accounts.create_token(user, f'bench {time.time():.0f}')\n"
            "    print(raw)\n")
    env = {**os.environ, "CATALOG_INSTANCE_PATH": str(instance)}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True).stdout.strip().splitlines()[-1]


def call(conn: http.client.HTTPConnection, action: str, params: dict, headers: dict) -> tuple[float, dict]:
    query = urllib.parse.urlencode(params)
    started = time.perf_counter()
    conn.request("GET", f"/api/3/action/{action}?{query}", headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise SystemExit(f"{action} {params}: {response.status} {body[:300]!r}")
    return elapsed, json.loads(body)["result"]


def measure(port: int, headers: dict, label: str, rounds: int, extra: dict) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    print(f"\n== {label}")
    print(f"{'kind':24} {'p50 ms':>8} {'p95 ms':>8}  count")
    names = []
    for kind, params in SEARCHES:
        times, count = [], 0
        for _ in range(rounds):
            elapsed, result = call(conn, "package_search", {**params, **extra}, headers)
            times.append(elapsed)
            count = result["count"]
            names = names or [p["name"] for p in result["results"]]
        print(f"{kind:24} {percentile(times, 50):8.1f} {percentile(times, 95):8.1f}  {count}")
    for action, params in (("package_show", lambda i: {"id": names[i % len(names)]}),
                           ("organization_list", lambda i: {"all_fields": "true"}),
                           ("tag_list", lambda i: {})):
        times = [call(conn, action, params(i), headers)[0] for i in range(rounds)]
        print(f"{action:24} {percentile(times, 50):8.1f} {percentile(times, 95):8.1f}")
    elapsed, listed = call(conn, "package_list", extra, headers)
    print(f"{'package_list (all)':24} {elapsed:8.1f} {'':>8}  {len(listed)}")
    started, pages, seen = time.perf_counter(), 0, 0
    while True:
        params = {"rows": "1000", "sort": "metadata_modified asc", "start": str(seen), **extra}
        _elapsed, result = call(conn, "package_search", params, headers)
        pages += 1
        seen += len(result["results"])
        if not result["results"] or seen >= result["count"]:
            break
    print(f"{'harvest walk':24} {time.perf_counter() - started:8.1f} s  {pages} pages, {seen} datasets")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instance", type=pathlib.Path)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    instance = args.instance or pathlib.Path("/tmp/catalog-api-bench")
    if args.instance is None:
        instance.mkdir(parents=True, exist_ok=True)
        build(instance, args.entries)
    raw = token_for(instance)
    port = free_port()
    env = {**os.environ, "CATALOG_INSTANCE_PATH": str(instance), "CATALOG_API_RATE_LIMIT": "1000000 per minute"}
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "2", "--worker-class", "gthread", "--threads",
                               "4", "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/api/3")
                break
            except OSError:
                time.sleep(0.2)
        measure(port, {}, "anonymous (the open catalog)", args.rounds, {})
        measure(port, {"Authorization": raw}, "government token, include_private", args.rounds,
                {"include_private": "true"})
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
