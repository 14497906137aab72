"""Search benchmark: a fixed mix of realistic queries over a demo catalog, end to end over HTTP and raw.

    .venv/bin/python bench/search_bench.py                 # builds 100,000 entries first (≈ 8 min), then measures
    .venv/bin/python bench/search_bench.py --instance DIR  # reuse a catalog built before in DIR

End to end: GET /search (the portal page a seeker uses: query, every facet of the schema, 20 results rendered
as HTML) and GET /search.json (the same search as JSON) served by gunicorn on 127.0.0.1, one request at a time over a kept-alive connection, as a signed-in
government user (the full catalog, no visibility filter). Raw: the same SearchQuery sent straight to the
backend in this process. Reports p50 / p95 per query kind and the ratio of the two.
"""
from __future__ import annotations

import argparse
import http.client
import os
import pathlib
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = pathlib.Path(sys.executable).parent

# (kind, query string). Broad two-character words match over half the catalog; department names and
# abbreviations; multi-word phrases; filters; combinations.
QUERIES = [
    ("broad", "q=信息"), ("broad", "q=数据"), ("broad", "q=登记"), ("broad", "q=人口"),
    ("department", "q=人社局"), ("department", "q=市公安局"), ("department", "q=市场监管局"),
    ("phrase", "q=户籍+人口+基本信息"), ("phrase", "q=企业+法人+登记"), ("phrase", "q=养老保险+待遇"),
    ("filter", "sharing_type=conditional"), ("filter", "category_code=101&sharing_type=unconditional"),
    ("filter", "q=信息&format_category=database&update_cycle=daily"),
    ("browse", ""), ("sorted", "q=登记&sort=updated"), ("sorted", "sort=name&page=7"),
    # issue 13: pieces of names, a lone character, codes, synonyms, and a query that finds nothing as typed
    ("substring", "q=籍人口基"), ("substring", "q=险缴费明"), ("substring", "q=城区中小学"),
    ("single", "q=水"), ("code", "q=101001"), ("code", "q=101001/000001"),
    ("synonym", "q=旅游景点"), ("synonym", "q=学校名单"),
    ("partial", "q=户籍+航班时刻"), ("zero", "q=航班时刻表"),
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def build(instance: pathlib.Path, entries: int) -> None:
    env = {**os.environ, "CATALOG_INSTANCE_PATH": str(instance)}
    flask = [str(BIN / "flask"), "--app", "wsgi", "catalog"]
    subprocess.run(flask + ["init-db"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    subprocess.run(flask + ["demo", "--entries", str(entries)], cwd=ROOT, env=env, check=True)
    print(f"built {entries} entries in {time.perf_counter() - started:.0f} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def login(conn: http.client.HTTPConnection) -> str:
    conn.request("GET", "/login")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"username": "seeker", "password": "demo-pass-2026", "csrf_token": token})
    conn.request("POST", "/login", body=body, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    assert response.status == 302, response.status
    return response.getheader("Set-Cookie").split(";")[0]


def quoted(query: str) -> str:
    return urllib.parse.quote(query, safe="=&+")


def http_timings(port: int, rounds: int, path: str) -> dict[str, list[float]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    cookie = login(conn)
    timings: dict[str, list[float]] = {}
    for kind, query in QUERIES:  # warm-up
        conn.request("GET", f"{path}?{quoted(query)}", headers={"Cookie": cookie})
        conn.getresponse().read()
    for _ in range(rounds):
        for kind, query in QUERIES:
            started = time.perf_counter()
            conn.request("GET", f"{path}?{quoted(query)}", headers={"Cookie": cookie})
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status == 200 and (b"result-count" in body or b'"total"' in body), (query, response.status)
            timings.setdefault(kind, []).append(elapsed)
            timings.setdefault("all", []).append(elapsed)
    return timings


def raw_timings(instance: pathlib.Path, rounds: int) -> tuple[dict[str, list[float]], dict[str, int]]:
    os.environ["CATALOG_INSTANCE_PATH"] = str(instance)
    from werkzeug.datastructures import MultiDict

    from app import create_app
    from app.indexing import services as indexing
    from app.portal import search as portal_search
    from search.fields import facet_keys
    from search.query import SearchQuery

    app = create_app()
    timings: dict[str, list[float]] = {}
    totals: dict[str, int] = {}
    with app.app_context():
        backend = indexing.backend()
        prepared = []
        for kind, query in QUERIES:
            plain, filters = portal_search.parse(MultiDict(urllib.parse.parse_qsl(query)))
            prepared.append((kind, query, SearchQuery(
                text=plain.get("q", ""), filters=filters, facets=facet_keys(), sort=plain.get("sort", "relevance"),
                page=plain.get("page", 1), per_page=app.config["PAGE_SIZE"])))
        for kind, query, sq in prepared:  # warm-up
            totals[query] = backend.search(sq).total
        for _ in range(rounds):
            for kind, query, sq in prepared:
                started = time.perf_counter()
                backend.search(sq)
                elapsed = (time.perf_counter() - started) * 1000
                timings.setdefault(kind, []).append(elapsed)
                timings.setdefault("all", []).append(elapsed)
        documents = backend.count()
    return timings, {"documents": documents, **totals}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--instance", type=pathlib.Path, default=ROOT / ".tmp" / "bench-search")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    instance = args.instance.resolve()
    if not (instance / "catalog.db").exists() and "CATALOG_DATABASE_URL" not in os.environ:
        instance.mkdir(parents=True, exist_ok=True)
        build(instance, args.entries)

    port = free_port()
    env = {**os.environ, "CATALOG_INSTANCE_PATH": str(instance)}
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
                               "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        page = http_timings(port, args.rounds, "/search")
        api = http_timings(port, args.rounds, "/search.json")
    finally:
        server.terminate()
        server.wait(timeout=10)
    raw, totals = raw_timings(instance, args.rounds)

    print(f"\nindex: {totals.pop('documents')} documents; {args.rounds} rounds of {len(QUERIES)} queries, "
          f"every schema facet counted on each query\n")
    for title, end_to_end in (("GET /search (HTML page)", page), ("GET /search.json", api)):
        print(title)
        print(f"{'kind':<12}{'e2e p50':>10}{'e2e p95':>10}{'raw p50':>10}{'raw p95':>10}{'ratio p50':>11}"
              f"{'ratio p95':>11}")
        for kind in list(dict.fromkeys(k for k, _q in QUERIES)) + ["all"]:
            e, r = end_to_end[kind], raw[kind]
            print(f"{kind:<12}{statistics.median(e):>9.1f} {percentile(e, 95):>9.1f} {statistics.median(r):>9.1f} "
                  f"{percentile(r, 95):>9.1f} {statistics.median(e) / statistics.median(r):>10.2f} "
                  f"{percentile(e, 95) / percentile(r, 95):>10.2f}")
        print()
    print("\nmatches per query:")
    for query, total in totals.items():
        print(f"  {query or '(browse)':<45} {total}")


if __name__ == "__main__":
    main()
