"""What the stakeholder report shows, gathered from the files the stages left: the evaluation,
the training run, the data versions and the code version."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rft.errors import RftInputError
from rft.eval.report import safe_name
from rft.jsonl import read_jsonl
from rft.registry.provenance import data_versions, git_commit
from rft.report.answers import reasoning_of
from rft.train.events import read_events, reward_curve


@dataclass
class ReportData:
    title: str
    evaluation: dict
    eval_dir: Path
    cases: list[dict]  # one row per model and case, for the filterable table
    prompts: dict[str, str]  # case id -> the prompt the models saw
    curve: list[dict] = field(default_factory=list)
    run: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    data_versions: dict = field(default_factory=dict)
    git: dict = field(default_factory=dict)


def _prompt(line: dict) -> str:
    return next((m["content"] for m in reversed(line.get("messages", [])) if m.get("role") == "user"), "")


def collect(eval_dir: str | Path, run_dir: str | Path | None = None, title: str = "rft report") -> ReportData:
    eval_dir = Path(eval_dir)
    metrics = eval_dir / "metrics.json"
    if not metrics.is_file():
        raise RftInputError(str(metrics), "no evaluation here; run `rft eval` first")
    evaluation = json.loads(metrics.read_text(encoding="utf-8"))
    split = Path(evaluation["split"])
    id_field = evaluation.get("id_field", "case_id")
    prompts = {str(line.get(id_field, i)): _prompt(line) for i, line in enumerate(read_jsonl(split))} \
        if split.is_file() else {}
    cases = []
    for label in evaluation["models"]:
        path = eval_dir / "cases" / f"{safe_name(label)}.jsonl"
        for record in read_jsonl(path) if path.is_file() else []:
            cases.append({"model": label, "case_id": record["case_id"], "answer": record.get("answer"),
                          "ranked": record.get("ranked", [])[:10], "rank": record.get("rank"),
                          "reward": round(record.get("reward", 0.0), 3), "parse_error": record.get("parse_error"),
                          "reasoning": reasoning_of(record.get("completion", "")),
                          "passed": record.get("top@1", float(record.get("rank") == 1)) == 1.0})
    data = ReportData(title, evaluation, eval_dir, cases, prompts, data_versions=data_versions(), git=git_commit())
    if run_dir is not None:
        run_dir = Path(run_dir)
        if (run_dir / "events.jsonl").is_file():
            data.curve = reward_curve(read_events(run_dir / "events.jsonl"))
        for name in ("run", "summary"):
            if (run_dir / f"{name}.json").is_file():
                setattr(data, name, json.loads((run_dir / f"{name}.json").read_text()))
    return data
