"""Evaluation speed.

1. The classical baseline: cases per second over every imported case, and the total with the
   ontology load (aim: all 8,859 shipped cases in under 60 s, load included); then how ties decide
   its accuracy, on all cases and on each split file given with --split: top-k expected under a
   random order within ties, the bounds (right gene first / last among its ties), and the same with
   the score alone, before the secondary key (narrower phenotype spectrum first) breaks ties.
2. A model (`--model base`, the default GGUF; or adapter:PATH): `rft eval`'s answering and grading
   over the first --model-cases validation cases, as cases/s and generated tokens/s.

Run: `.venv/bin/python benchmarks/eval.py [--cases data/cases.jsonl] [--split data/splits/train.jsonl]
[--model base --model-cases 16]` (after `dvc repro validate`).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from machine import describe

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", default=str(ROOT / "data/cases.jsonl"))
    parser.add_argument("--split", action="append", default=[], help="also the tie figures on this split file")
    parser.add_argument("--model", help="also time a model: base, adapter:PATH (rft eval's --model)")
    parser.add_argument("--model-cases", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=None)
    args = parser.parse_args()
    ranker = baseline(args.cases)
    for split in args.split:
        from rft.jsonl import read_jsonl

        rows = read_jsonl(split)
        ties(ranker, [(r["present_hpo"], r["correct_gene"]) for r in rows], split)
    if args.model:
        model(args)


def model(args) -> None:

    from rft.config import load_params
    from rft.eval.specs import parse_spec
    from rft.eval.stage import evaluate

    overrides = [f"eval.max_cases={args.model_cases}", f"eval.max_new_tokens={args.max_new_tokens}",
                 "eval.bootstrap=0", "tracking.wandb=false"]
    if args.batch_size:
        overrides.append(f"eval.batch_size={args.batch_size}")
    params = load_params(ROOT / "params.yaml", overrides)
    with tempfile.TemporaryDirectory() as tmp:
        report = evaluate(params, [parse_spec(args.model)], ROOT / "data/splits/valid.jsonl", Path(tmp) / "eval")
    entry = next(iter(report["models"].values()))
    tokens = entry["metrics"]["completion_tokens_mean"]["value"] * report["cases"]
    print(f"model {args.model} on {report['cases']} validation cases, {describe()}, batch "
          f"{args.batch_size or params.eval.batch_size or 'auto'}, up to {args.max_new_tokens} new tokens")
    print(f"  answering and grading:     {entry['seconds']:6.1f} s  ({entry['cases_per_s']} cases/s, "
          f"{tokens / entry['seconds']:.1f} tokens/s, {tokens / report['cases']:.0f} tokens per answer)")


def baseline(path: str):
    from rft.jsonl import read_jsonl
    from rft.models.phenotype_ranker import PhenotypeRanker, build_tables

    cases = read_jsonl(path)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        tables = build_tables(Path(tmp) / "tables.npz")  # cold: the ontology load a first run pays
        built = time.perf_counter() - started
        t = time.perf_counter()
        ranker = PhenotypeRanker.load(tables)
        cached = time.perf_counter() - t
    queries = [([p["id"] for p in case["present"]], case["gene"]) for case in cases]
    t = time.perf_counter()
    for present, _ in queries:
        ranker.rank(present, top=10)
    ranking = time.perf_counter() - t
    n = len(cases)
    print(f"classical baseline (pyhpo IC best match) on {n:,} cases, {os.cpu_count()} CPU cores")
    print(f"  ontology load and tables:  {built:6.1f} s (first run; then cached)")
    print(f"  cached tables load:        {cached:6.2f} s")
    print(f"  ranking:                   {ranking:6.1f} s  ({n / ranking:,.0f} cases/s)")
    print(f"  total, cold:               {built + cached + ranking:6.1f} s  (aim: < 60 s)")
    ties(ranker, queries, "all cases (not a split)")
    return ranker


def ties(ranker, queries: list[tuple[list[str], str]], where: str) -> None:
    """top-1/5/10 under ties: expected [first among ties - last among ties], with the secondary key
    and with the score alone; and how often the right gene is tied inside the top 10 by score."""
    import numpy as np

    from rft.eval.scoring import expected_hits

    limits = {"top-1": 1, "top-5": 5, "top-10": 10}
    keyed = {k: np.zeros(3) for k in limits}
    alone = {k: np.zeros(3) for k in limits}
    tied_top10 = 0
    for present, gene in queries:
        lo, hi = ranker.rank(present, top=10).spans.get(gene, (None, None))
        total, _ = ranker.scores(present)
        score = np.round(total, 9)
        g = ranker.gene_index.get(gene)
        a_lo = a_hi = None
        if g is not None and score[g] > 0:
            a_lo = int((score > score[g]).sum()) + 1
            a_hi = a_lo + int((score == score[g]).sum()) - 1
            tied_top10 += a_hi > a_lo and a_lo <= 10
        for table, (first, last) in ((keyed, (lo, hi)), (alone, (a_lo, a_hi))):
            for k, limit in limits.items():
                table[k] += [expected_hits(first, last, {k: limit})[k], expected_hits(first, first, {k: limit})[k],
                             expected_hits(last, last, {k: limit})[k]]
    n = len(queries)

    def line(table) -> str:
        return " / ".join(f"{v[0] / n:.1%} [{v[1] / n:.1%}-{v[2] / n:.1%}]" for v in table.values())

    print(f"  {where}: {n} cases; the right gene tied by score inside the top 10 in {tied_top10 / n:.1%}")
    print(f"    top-1 / top-5 / top-10, expected [first-last among ties], score + secondary key: {line(keyed)}")
    print(f"    the same, score alone:                                                 {line(alone)}")


if __name__ == "__main__":
    main()
