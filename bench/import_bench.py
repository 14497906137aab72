"""Excel import benchmark: 10,000 entries × 10 data items (100,000 item rows), end to end.

    .venv/bin/python bench/import_bench.py [--entries 10000] [--items 10]

Builds a fresh SQLite catalog with the demo city's departments and classification, writes a workbook of new
entries (the demo templates, each with exactly `--items` data items) in the import template's layout, then
measures, in one process:

1. a bare openpyxl read-only pass over the same file (every cell of every row, values only) — the floor;
2. a dry run alone (`imports.check`: read, convert and check every row as the web form would), for reference;
3. the import end to end: `imports.import_file` as an admin publishing directly — the dry run and, as it is
   clean, the commit (new entries created and published through the catalog's bulk services and workflows)
   in one transaction, then the search index messages it wrote, handled after the commit.

Reports each time, the end-to-end total (3), its ratio to the bare read, and the process's peak RSS.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import pathlib
import resource
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_entries(count: int, items: int) -> list[dict]:
    from app.demo import generator as demo
    from app.org.models import Department
    from app.extensions import db
    from sqlalchemy import select

    departments = {d.code: d for d in db.session.scalars(select(Department))}
    templates = [t for t in demo.load_templates() if t.department_code in departments]
    out = []
    for template, name in demo.plan(templates, count, demo.DEFAULT_SEED):
        values = demo.template_values(template, departments[template.department_code], name)
        given = values["data_items"][:items]
        for n in range(len(given), items):
            given.append({"name": f"附加字段{n + 1}", "data_type": "C", "length": "50", "basic_item": False,
                          "sharing_type": None})
        values["data_items"] = given
        values["category_code"] = values["category_code"]
        out.append(values)
    return out


def bare_read(path: pathlib.Path) -> int:
    import openpyxl
    workbook = openpyxl.load_workbook(path, read_only=True)
    cells = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += len(row)
    workbook.close()
    return cells


def prepare(instance: pathlib.Path, entries: int, items: int) -> tuple[float, float, float]:
    """In a child process (so its memory does not count): migrate, load the demo city, write the workbook,
    time the bare read and a dry run alone. Returns (written, bare, dry run) seconds."""
    os.environ["CATALOG_INSTANCE_PATH"] = str(instance)
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app import create_app
    from app.accounts.models import User
    from app.demo import generator as demo
    from app.extensions import db
    from app.imports import services as imports
    from importers.export import write_entries

    app = create_app({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        demo.load_reference_data()
        path = instance / "bench.xlsx"
        started = time.perf_counter()
        write_entries(path, build_entries(entries, items), **imports.reference())
        written = time.perf_counter() - started
        started = time.perf_counter()
        bare_read(path)
        bare = time.perf_counter() - started
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        started = time.perf_counter()
        report, _plan = imports.check(path, user=admin)
        dry_run = time.perf_counter() - started
        assert not report.problems and not report.rejected, report.problems[:5]
    return written, bare, dry_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=10)
    args = parser.parse_args()

    instance = pathlib.Path(tempfile.mkdtemp(prefix="import-bench-"))
    with multiprocessing.get_context("fork").Pool(1) as pool:
        written, bare, dry_run = pool.apply(prepare, (instance, args.entries, args.items))
    os.environ["CATALOG_INSTANCE_PATH"] = str(instance)
    from sqlalchemy import select

    from app import create_app
    from app.accounts.models import User
    from app.extensions import db
    from app import indexing, outbox
    from app.imports import services as imports

    app = create_app({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        path = instance / "bench.xlsx"
        size = path.stat().st_size
        started = time.perf_counter()
        report, counts = imports.import_file(path, user=admin, publish_reason="基准测试")
        total = time.perf_counter() - started
        assert counts["created"] == args.entries, counts
        assert outbox.pending() == 0, "the import's index messages were not all handled after its commit"
        documents = indexing.backend().count()

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # this process: the import only
    print(f"workbook: {args.entries} entries × {args.items} data items = {args.entries * args.items} item rows, "
          f"{size / 1e6:.1f} MB (written in {written:.1f} s)")
    print(f"bare openpyxl read-only pass   {bare:7.1f} s")
    print(f"dry run alone (read + check)   {dry_run:7.1f} s")
    print(f"end to end: import + indexing  {total:7.1f} s   ratio to the bare read {total / bare:.1f}"
          f"   ({documents} documents indexed)")
    print(f"peak RSS                       {peak:7.0f} MB")


if __name__ == "__main__":
    main()
