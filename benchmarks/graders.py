"""Grades per second on 10,000 samples for each grader type, on this machine.

Run: `.venv/bin/python benchmarks/graders.py [--n 10000] [--only python]`. Aims: string_check and ranked_list
50,000/s or more; python through the sandbox in batch 2,000/s or more (printed beside a new process
per call); endpoint against a local HTTP server (its own process), concurrently, 500/s or more.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rft.graders import build_grader, grade_batch, load_grader, make_sample, parse_grader

ROOT = Path(__file__).resolve().parents[1]
# The python row before the sandbox gained namespaces, seccomp and a grading process per batch
# (2-core machine, audit hook and rlimits only), printed beside today's figure.
PYTHON_BEFORE_OS_WALLS = 44_358

GENES = ["KCNT1", "SCN1A", "SCN2A", "STXBP1", "NF1", "FBN1", "LMNA", "TBX5", "SATB2", "EHMT1", "UMOD", "ITPR1"]


def workload(n: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(0)
    samples, items = [], []
    for _ in range(n):
        genes = rng.sample(GENES, 8)
        samples.append(make_sample(json.dumps({"reasoning": "phenotypes fit", "genes": genes})))
        items.append({"correct_gene": rng.choice(GENES), "reference_answer": "the gene is KCNT1"})
    return samples, items


def rate(grader, samples, items) -> float:
    grade_batch(grader, samples[:50], items[:50])  # warm-up: workers, connections, lazy imports
    started = time.perf_counter()
    results = grade_batch(grader, samples, items)
    elapsed = time.perf_counter() - started
    assert len(results) == len(samples) and not any(r.errors for r in results[:10]), results[0].errors
    return len(samples) / elapsed


def new_process_per_call(source: str, samples, items, calls: int = 20) -> float:
    """The naive baseline: a fresh interpreter for every grading."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "one.py"
        script.write_text(source + "\nimport json, sys\nd = json.load(sys.stdin)\nprint(grade(d['s'], d['i']))\n")
        started = time.perf_counter()
        for s, i in zip(samples[:calls], items[:calls]):
            subprocess.run([sys.executable, "-I", str(script)], input=json.dumps({"s": s, "i": i}), text=True,
                           capture_output=True, check=True)
        return calls / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--only", choices=["python"], help="measure only the python sandbox")
    args = parser.parse_args()
    samples, items = workload(args.n)
    rows = []

    def add(name, grader, aim=None, n=None):
        k = n or args.n
        try:
            rows.append((name, rate(grader, samples[:k], items[:k]), aim, k))
        finally:
            grader.close()

    python_config = load_grader(ROOT / "examples/graders/gene_rank_python.json")
    if args.only == "python":
        add(f"python, sandbox pool of {os.cpu_count()}", build_grader(python_config), 2_000)
        return _print(args, rows, None)
    add("string_check (ilike)", build_grader(parse_grader(
        {"type": "string_check", "name": "s", "input": "{{sample.output_text}}", "reference": "{{item.correct_gene}}",
         "operation": "ilike"}, "bench")), 50_000)
    add("ranked_list", build_grader(load_grader(ROOT / "examples/graders/gene_rank.json")), 50_000)
    for metric in ("fuzzy_match", "rouge_l", "bleu"):
        add(f"text_similarity ({metric})", build_grader(parse_grader(
            {"type": "text_similarity", "name": "t", "input": "{{sample.output_json.reasoning}}",
             "reference": "{{item.reference_answer}}", "evaluation_metric": metric}, "bench")), None,
            n=min(args.n, 2000) if metric != "fuzzy_match" else None)
    add(f"python, sandbox pool of {os.cpu_count()}", build_grader(python_config), 2_000)
    baseline = new_process_per_call(python_config.source, samples, items)
    server = subprocess.Popen([sys.executable, str(ROOT / "benchmarks/score_server.py")], stdout=subprocess.PIPE,
                              text=True)
    try:
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        add("endpoint (16 connections)", build_grader(parse_grader(
            {"type": "endpoint", "name": "e", "url": url, "concurrency": 16}, "bench")), 500)
    finally:
        server.kill()

    _print(args, rows, baseline)


def _print(args, rows, baseline) -> None:
    print(f"grader throughput, {args.n:,} samples, {os.cpu_count()} CPU cores")
    print(f"{'grader':<34}{'grades/s':>12}{'aim':>10}   samples")
    for name, per_second, aim, n in rows:
        mark = "" if aim is None else ("  ok" if per_second >= aim else "  BELOW AIM")
        print(f"{name:<34}{per_second:>12,.0f}{(f'{aim:,}' if aim else '-'):>10}   {n:,}{mark}")
        if name.startswith("python"):
            print(f"{'python, before the OS walls':<34}{PYTHON_BEFORE_OS_WALLS:>12,}{'-':>10}   10,000  (earlier)")
    if baseline is not None:
        print(f"{'python, new process per call':<34}{baseline:>12,.1f}{'-':>10}   20  (baseline)")


if __name__ == "__main__":
    main()
