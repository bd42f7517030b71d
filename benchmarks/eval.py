"""Evaluation speed. The classical baseline: cases per second over every imported case, and the
total with the ontology load (aim: all 8,859 shipped cases in under 60 s, load included).

Run: `.venv/bin/python benchmarks/eval.py [--cases data/cases.jsonl]` (after `dvc repro validate`).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", default=str(ROOT / "data/cases.jsonl"))
    args = parser.parse_args()
    from rft.eval.baseline import PhenotypeRanker, build_tables
    from rft.jsonl import read_jsonl

    cases = read_jsonl(args.cases)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        tables = build_tables(Path(tmp) / "tables.npz")  # cold: the ontology load a first run pays
        built = time.perf_counter() - started
        t = time.perf_counter()
        ranker = PhenotypeRanker.load(tables)
        cached = time.perf_counter() - t
    t = time.perf_counter()
    hits = {1: 0, 5: 0, 10: 0}
    for case in cases:
        genes = ranker.rank([p["id"] for p in case["present"]], top=10).genes
        for k in hits:
            hits[k] += case["gene"] in genes[:k]
    ranking = time.perf_counter() - t
    n = len(cases)
    print(f"classical baseline (pyhpo IC best match) on {n:,} cases, {os.cpu_count()} CPU cores")
    print(f"  ontology load and tables:  {built:6.1f} s (first run; then cached)")
    print(f"  cached tables load:        {cached:6.2f} s")
    print(f"  ranking:                   {ranking:6.1f} s  ({n / ranking:,.0f} cases/s)")
    print(f"  total, cold:               {built + cached + ranking:6.1f} s  (aim: < 60 s)")
    print("  top-1 / top-5 / top-10:    " + " / ".join(f"{hits[k] / n:.1%}" for k in hits) + "  (all cases, not a split)")


if __name__ == "__main__":
    main()
