"""`events.jsonl`: one line per step in the shape of OpenAI's fine-tuning metrics events.

{"object": "fine_tuning.job.event", "id", "created_at", "level", "type": "metrics", "message",
 "data": {"step", "total_steps", "scores": {"train_reward_mean", "valid_reward_mean",
 "graders": [{"name", "type", "train_reward_mean", "valid_reward_mean"}]}, "errors": {"graders": [...]},
 "usage": {"samples": {...}}, "timing": {"step": {"sampling", "grading", "training", "eval",
 "full_iteration"}}, plus the legacy flat fields train_mean_reward, full_valid_mean_reward, ...}}
valid_* keys appear on the steps that ran a full validation. Messages (warnings: reward hacking,
early stopping, time limit) are events of type "message".
"""

from __future__ import annotations

import json
import time
from pathlib import Path


class EventLog:
    def __init__(self, path: Path, run_name: str):
        self.path = Path(path)
        self.run_name = run_name
        self.count = sum(1 for _ in self.path.open()) if self.path.exists() else 0

    def _write(self, event: dict) -> dict:
        self.count += 1
        event = {"object": "fine_tuning.job.event", "id": f"ftevent-{self.run_name}-{self.count}",
                 "created_at": int(time.time()), **event}
        with self.path.open("a", encoding="utf-8") as fh:  # one whole line per write; a crash loses no earlier step
            fh.write(json.dumps(event) + "\n")
            fh.flush()
        return event

    def message(self, text: str, level: str = "info", data: dict | None = None) -> dict:
        return self._write({"level": level, "type": "message", "message": text, "data": data or {}})

    def metrics(self, step: int, total_steps: int, graders: list[dict], train: dict, valid: dict | None,
                timing: dict, usage: dict) -> dict:
        """`graders`: [{name, type}]; `train`/`valid`: {reward_mean, per_grader, errors, parse_error_rate}."""
        scores: dict = {"train_reward_mean": train["reward_mean"], "graders": []}
        errors = []
        for g in graders:
            entry = {"name": g["name"], "type": g["type"],
                     "train_reward_mean": train["per_grader"].get(g["name"], 0.0)}
            err = {"name": g["name"], **{f"train_{k}_count": v for k, v in train["errors"].get(g["name"], {}).items()}}
            if valid is not None:
                entry["valid_reward_mean"] = valid["per_grader"].get(g["name"], 0.0)
                err.update({f"valid_{k}_count": v for k, v in valid["errors"].get(g["name"], {}).items()})
            scores["graders"].append(entry)
            errors.append(err)
        data = {"step": step, "total_steps": total_steps, "scores": scores, "errors": {"graders": errors},
                "usage": {"samples": usage}, "timing": {"step": timing},
                "train_mean_reward": train["reward_mean"],
                "completion_tokens_mean": usage.get("train_completion_tokens_mean", 0.0)}
        message = f"Step {step}/{total_steps} , train mean reward={train['reward_mean']:.2f}"
        if valid is not None:
            scores["valid_reward_mean"] = valid["reward_mean"]
            data["full_valid_mean_reward"] = valid["reward_mean"]
            data["full_valid_mean_parse_error"] = valid["parse_error_rate"]
            message += (f", full validation mean reward={valid['reward_mean']:.2f}, "
                        f"full validation mean parse error={valid['parse_error_rate']:.2f}")
        return self._write({"level": "info", "type": "metrics", "message": message, "data": data})


def read_events(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def reward_curve(events: list[dict]) -> list[dict]:
    """Per step: train and validation reward (None between validations), overall and per grader."""
    rows = []
    for e in events:
        if e.get("type") != "metrics":
            continue
        scores = e["data"]["scores"]
        row = {"step": e["data"]["step"], "train_reward": scores["train_reward_mean"],
               "valid_reward": scores.get("valid_reward_mean")}
        for g in scores["graders"]:
            row[f"train_reward/{g['name']}"] = g["train_reward_mean"]
            row[f"valid_reward/{g['name']}"] = g.get("valid_reward_mean")
        rows.append(row)
    return rows


def write_reward_curve(events_path: Path, csv_path: Path) -> Path:
    """rewards.csv beside the events (DVC plots, the HTML report); blank cells between validations."""
    import csv

    from rft.jsonl import atomic_open

    rows = reward_curve(read_events(events_path)) if events_path.exists() else []
    columns = list(dict.fromkeys(k for r in rows for k in r)) or ["step", "train_reward", "valid_reward"]
    with atomic_open(csv_path) as fh:
        writer = csv.DictWriter(fh, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return csv_path
