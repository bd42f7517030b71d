"""Stage `eval`: answers from each model on a split, graded, summarised with intervals, reported.

evaluate(params, models, split_path, out_dir) -> the report dict (also in out_dir/metrics.json).
"""

from __future__ import annotations

import time
from pathlib import Path

from rft.config import Params
from rft.eval.metrics import metric_names, summarize_records
from rft.eval.report import write_report
from rft.eval.runners import run_model
from rft.eval.scoring import ranking_grader, score_answers
from rft.eval.specs import ModelSpec
from rft.jsonl import read_jsonl
from rft.train.rewards import graders_from_params


def split_path(params: Params, split: str | None = None) -> Path:
    """`valid` -> split.out_dir/valid.jsonl; anything with a / or a .jsonl suffix is a path."""
    split = split or params.eval.split
    if "/" in split or split.endswith(".jsonl"):
        return Path(split)
    return Path(params.split.out_dir) / f"{split}.jsonl"


def prompt_mode(rows: list[dict]) -> str:
    sizes = {len(r["candidates"]) for r in rows if isinstance(r.get("candidates"), list)}
    return f"hybrid, top-{max(sizes)} baseline candidates" if sizes else "plain"


def evaluate(params: Params, models: list[ModelSpec], split: str | Path, out_dir: str | Path | None = None,
             params_path: str = "params.yaml") -> dict:
    cfg = params.eval
    rows = read_jsonl(split, required=("messages",))[: cfg.max_cases]
    ranker = ranking_grader(cfg)
    graders = graders_from_params(params, params_path)
    names = metric_names(cfg.top_k, ranker is not None)
    report = {"split": str(split), "cases": len(rows), "id_field": params.validate_.id_field,
              "prompt_mode": prompt_mode(rows),
              "base_model": params.model.name_or_path, "models": {}}
    cases = {}
    try:
        for spec in models:
            answers = run_model(spec, rows, params.model.name_or_path, cfg, str(split))
            records = score_answers(rows, answers, ranker, graders, params.validate_.id_field)
            cases[spec.label] = records
            report["models"][spec.label] = {
                "spec": spec.text, "kind": spec.kind, "path": spec.target if spec.kind == "adapter" else None,
                "answered_by": answers.model, "seconds": round(answers.seconds, 2),
                "cases_per_s": round(len(rows) / answers.seconds, 2) if answers.seconds > 0 else None,
                "failed_requests": sum(e is not None for e in answers.errors),
                "metric_names": names, "metrics": summarize_records(records, names, cfg.bootstrap, cfg.seed)}
    finally:
        for g in graders:
            g.grader.close()
    report["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    write_report(report, cases, out_dir or cfg.out_dir)
    return report
