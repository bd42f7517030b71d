"""Evaluation speed.

1. The classical baseline: cases per second over every imported case, and the total with the
   ontology load (aim: all 8,859 shipped cases in under 60 s, load included).
2. A model (`--model base`, the default GGUF; or adapter:PATH): `rft eval`'s answering and grading
   over the first --model-cases validation cases, as cases/s and generated tokens/s.

Run: `.venv/bin/python benchmarks/eval.py [--cases data/cases.jsonl] [--model base --model-cases 16]`
(after `dvc repro validate`).
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
    parser.add_argument("--model", help="also time a model: base, adapter:PATH (rft eval's --model)")
    parser.add_argument("--model-cases", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=None)
    args = parser.parse_args()
    baseline(args.cases)
    if args.model:
        model(args)


def model(args) -> None:
    import torch

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
    where = torch.cuda.get_device_name() if torch.cuda.is_available() else f"{os.cpu_count()} CPU cores"
    print(f"model {args.model} on {report['cases']} validation cases, {where}, batch "
          f"{args.batch_size or params.eval.batch_size or 'auto'}, up to {args.max_new_tokens} new tokens")
    print(f"  answering and grading:     {entry['seconds']:6.1f} s  ({entry['cases_per_s']} cases/s, "
          f"{tokens / entry['seconds']:.1f} tokens/s, {tokens / report['cases']:.0f} tokens per answer)")


def baseline(path: str) -> None:
    from rft.eval.baseline import PhenotypeRanker, build_tables
    from rft.jsonl import read_jsonl

    cases = read_jsonl(path)
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
