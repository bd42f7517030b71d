"""What the stakeholder report shows, gathered from the files the stages left: the evaluation,
the training run with its own lineage (the data it read, by content, and its profile), and the code
version. Any task: a ranking shows ranks and lists; any other task each answer's reward, the
grader's sub-scores and the reference."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rft.errors import RftInputError
from rft.eval.report import safe_name
from rft.fingerprint import fingerprint
from rft.jsonl import read_jsonl
from rft.registry.provenance import git_commit
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
    ranking: bool = True  # the task ranks (top@k); else rewards and references are shown
    profile: str | None = None
    pass_threshold: float | None = None


def _prompt(line: dict) -> str:
    return next((m["content"] for m in reversed(line.get("messages", [])) if m.get("role") == "user"), "")


def _reference(line: dict, id_field: str) -> str:
    """What the grader compares with: the line's own fields but its messages and id."""
    rest = {k: v for k, v in line.items() if k not in ("messages", id_field)}
    if len(rest) == 1:
        value = next(iter(rest.values()))
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return json.dumps(rest, ensure_ascii=False)[:600]


def _passed(record: dict, ranking: bool, threshold: float | None) -> bool | None:
    if ranking:
        return record.get("top@1", float(record.get("rank") == 1)) == 1.0
    return None if threshold is None else record.get("reward", 0.0) >= threshold


def collect(eval_dir: str | Path, run_dir: str | Path | None = None, title: str = "rft report",
            pass_threshold: float | None = None, profile: str | None = None) -> ReportData:
    """`pass_threshold`: for tasks that are not rankings, the reward at which an answer passes."""
    eval_dir = Path(eval_dir)
    metrics = eval_dir / "metrics.json"
    if not metrics.is_file():
        raise RftInputError(str(metrics), "no evaluation here; run `rft eval` first")
    run = _run(Path(run_dir)) if run_dir is not None else {}
    evaluation = json.loads(metrics.read_text(encoding="utf-8"))
    split = Path(evaluation["split"])
    id_field = evaluation.get("id_field", "case_id")
    lines = {str(line.get(id_field, i)): line for i, line in enumerate(read_jsonl(split))} if split.is_file() else {}
    prompts = {case: _prompt(line) for case, line in lines.items()}
    first = next(iter(evaluation["models"].values()))
    ranking = any(n.startswith("top@") for n in first.get("metric_names", []))
    cases = []
    for label in evaluation["models"]:
        path = eval_dir / "cases" / f"{safe_name(label)}.jsonl"
        for record in read_jsonl(path) if path.is_file() else []:
            case = str(record["case_id"])
            row = {"model": label, "case_id": case, "reward": round(record.get("reward", 0.0), 3),
                   "parse_error": record.get("parse_error"), "reasoning": reasoning_of(record.get("completion", "")),
                   "passed": _passed(record, ranking, pass_threshold)}
            if ranking:
                row.update(answer=record.get("answer"), ranked=record.get("ranked", [])[:10], rank=record.get("rank"))
            else:
                row.update(scores={k.removeprefix("reward/"): round(v, 3) for k, v in record.items()
                                   if k.startswith("reward/") and isinstance(v, (int, float))},
                           reference=_reference(lines[case], id_field) if case in lines else None)
            cases.append(row)
    versions = {f"evaluated on {split}": fingerprint([split])} if split.is_file() else {}
    for name, digest in (run.get("run", {}).get("data") or {}).items():
        versions[f"{'trained' if name == 'train' else 'validated'} on {run['run'].get(name)}"] = digest
    data = ReportData(title, evaluation, eval_dir, cases, prompts, data_versions=versions, git=git_commit(),
                      ranking=ranking, profile=run.get("run", {}).get("profile", profile), pass_threshold=pass_threshold)
    data.curve, data.run, data.summary = run.get("curve", []), run.get("run", {}), run.get("summary", {})
    return data


def _run(run_dir: Path) -> dict:
    if not (run_dir / "run.json").is_file() and not (run_dir / "events.jsonl").is_file():
        raise RftInputError(str(run_dir), "no training run here (no run.json or events.jsonl)")
    out: dict = {}
    if (run_dir / "events.jsonl").is_file():
        out["curve"] = reward_curve(read_events(run_dir / "events.jsonl"))
    for name in ("run", "summary"):
        if (run_dir / f"{name}.json").is_file():
            out[name] = json.loads((run_dir / f"{name}.json").read_text(encoding="utf-8"))
    return out
