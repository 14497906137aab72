"""jieba vs rjieba: speed and identical results on the demo catalog's texts, with our dictionary.

    .venv/bin/python bench/segment_bench.py [--documents 100000]

Each document is a demo template's name, summary and data-item names (as indexed). Both segmenters get the
same deployment dictionary and department words; the report gives documents per second for index-time
segmentation (search mode) and query-time segmentation (precise mode), and how many documents got exactly the
same tokens from both.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.segment import Segmenter  # noqa: E402


def texts() -> list[str]:
    data = yaml.load((ROOT / "app/demo/data/resources.yaml").read_text(encoding="utf-8"),
                     Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return [" ".join([r["name"], r["summary"]] + [str(i[0]) for i in r.get("items") or []])
            for block in data for r in block["resources"]]


def department_words() -> tuple[list[str], list[list[str]]]:
    import csv
    words, groups = [], []
    with open(ROOT / "app/demo/data/departments.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            group = [w for w in [row["name"], row["short_name"], *row["aliases"].split(";")] if w]
            words += group
            groups.append(group)
    return words, groups


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=100_000)
    args = parser.parse_args()
    base = texts()
    corpus = (base * (args.documents // len(base) + 1))[: args.documents]
    words, groups = department_words()
    results = {}
    for engine in ("jieba", "rjieba"):
        started = time.perf_counter()
        segmenter = Segmenter(engine, words=words, synonyms=groups)
        setup = time.perf_counter() - started
        started = time.perf_counter()
        tokens = [segmenter.index_tokens(t) for t in corpus]
        index_time = time.perf_counter() - started
        started = time.perf_counter()
        for t in corpus:
            segmenter.query_words(t)
        query_time = time.perf_counter() - started
        results[engine] = tokens[: len(base)]
        print(f"{engine:<7} set-up {setup:5.2f} s   index mode {len(corpus) / index_time:9.0f} docs/s "
              f"({index_time:5.1f} s)   precise mode {len(corpus) / query_time:9.0f} docs/s ({query_time:5.1f} s)")
    same = sum(1 for a, b in zip(results["jieba"], results["rjieba"]) if a == b)
    print(f"identical tokens: {same} of {len(base)} distinct documents ({100 * same / len(base):.1f} %)")


if __name__ == "__main__":
    main()
