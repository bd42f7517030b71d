"""Score the saved answers of the H100 run again, with today's evaluation (no GPU needed).

The run (README: Evaluation) saved every answer in `cases/`. This script re-grades them against the
same 200 validation cases: intervals that resample genes, micro and macro figures, paired
differences with fixes and breaks, and for hybrid prompts how much of each answer copies the
candidate list the prompt showed. The classical baseline is run again (it needs no GPU), now with
its ties scored by expectation. The hybrid prompts of that run listed the tool's top 10 as it then
ordered them (ties broken by gene symbol): that list is the first 10 genes of the saved
`cases/classical_baseline.jsonl`, so those prompts are rebuilt from there (in the block format of
that time), and the tool's saved answers are also scored as a model ("tool as shown"), the list the
tuned model saw.

Run from the project root after `dvc repro split` (the default split, 200 validation cases):
    .venv/bin/python docs/results/gene-ranking/restate.py
It writes plain/ and hybrid/ beside this file, each an `rft eval` report, and the rebuilt hybrid
lines to runs/restate/valid_hybrid_as_run.jsonl (outside DVC's split folder).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))
OLD_HEADING = "Candidate genes from a phenotype-matching tool (best match first):"


def as_shown(row: dict, genes: list[str]) -> dict:
    """The line with the hybrid prompt of that run: the block went before the instructions."""
    from rft.data.prompts import GENE_RANKING_INSTRUCTIONS

    messages = [dict(m) for m in row["messages"]]
    head, sep, tail = messages[-1]["content"].rpartition(GENE_RANKING_INSTRUCTIONS)
    messages[-1]["content"] = f"{head}{OLD_HEADING}\n{', '.join(genes)}\n\n{sep}{tail}"
    return {**row, "messages": messages, "candidates": genes}


def main(split: Path = Path("data/splits/valid.jsonl")) -> None:
    from rft.config import load_params
    from rft.eval.specs import parse_specs
    from rft.eval.stage import evaluate
    from rft.eval.table import markdown_table
    from rft.jsonl import read_jsonl, write_jsonl

    os.chdir(ROOT)
    rows = read_jsonl(split)
    tool = read_jsonl(HERE / "cases" / "classical_baseline.jsonl")
    if [r["case_id"] for r in rows] != [t["case_id"] for t in tool]:
        sys.exit(f"{split} does not hold the run's 200 validation cases; run `dvc repro split` with the "
                 "default params first")
    params = load_params(ROOT / "params.yaml", ["profile=null", "tracking.wandb=false"])
    saved = (HERE / "cases").relative_to(ROOT)  # paths in the reports relative to the project root
    runs = {
        "plain": ["base=answers:" + str(saved / "base.jsonl"), "tuned=answers:" + str(saved / "tuned.jsonl"),
                  "classical baseline=baseline"],
        "hybrid": ["base=answers:" + str(saved / "base_hybrid_prompts.jsonl"),
                   "tool as shown=answers:" + str(saved / "classical_baseline.jsonl"),
                   "tuned=answers:" + str(saved / "tuned_hybrid_prompts.jsonl"),
                   "classical baseline=baseline"],
    }
    hybrid = Path("runs/restate/valid_hybrid_as_run.jsonl")
    write_jsonl(hybrid, [as_shown(row, shown["ranked"][:10]) for row, shown in zip(rows, tool)])
    for name, models in runs.items():
        where = hybrid if name == "hybrid" else split
        report = evaluate(params, parse_specs(models), where.resolve().relative_to(ROOT), HERE / name)
        print(f"## {name}\n\n{markdown_table(report)}")


if __name__ == "__main__":
    main(*(Path(a) for a in sys.argv[1:]))
