"""What `GET /fine_tuning/jobs/{id}`, `/events` and `/checkpoints` answer, read from a job's run folder.

Pure functions of the run folder and the job's row, so the answers are the same after a restart of
`rft api`: the folder is the truth (events.jsonl, checkpoint-N/ with their completeness markers).
"""

from __future__ import annotations

import json
from pathlib import Path

from rft.train.recovery import is_complete

# Prefect's state types -> OpenAI's job statuses.
STATUS = {"SCHEDULED": "queued", "PENDING": "queued", "RUNNING": "running", "COMPLETED": "succeeded",
          "FAILED": "failed", "CRASHED": "failed", "CANCELLING": "cancelled", "CANCELLED": "cancelled",
          "PAUSED": "paused"}


def status_of(state_type: str | None, current: str) -> str:
    """A job's status from its flow run's state type; `current` stands while Prefect says nothing new."""
    return STATUS.get((state_type or "").upper(), current)


def model_name(base: str, suffix: str | None, job_id: str) -> str:
    """OpenAI's shape, `ft:BASE:SUFFIX:JOB` (a path's last part stands for a local base model)."""
    return f"ft:{Path(base).name}:{suffix or 'rft'}:{job_id}"


def job_object(row: dict) -> dict:
    body = row["body"]
    method = body.get("method") or {}
    return {"object": "fine_tuning.job", "id": row["id"], "created_at": row["created_at"],
            "model": body.get("model"), "fine_tuned_model": row["fine_tuned_model"], "organization_id": row["project"],
            "status": row["status"], "training_file": body.get("training_file"),
            "validation_file": body.get("validation_file"), "method": method,
            "hyperparameters": (method.get("reinforcement") or {}).get("hyperparameters") or {},
            "result_files": [], "trained_tokens": None, "error": row["error"], "seed": body.get("seed"),
            "suffix": body.get("suffix"), "metadata": body.get("metadata"), "estimated_finish": None,
            "finished_at": row["finished_at"], "integrations": body.get("integrations")}


def _events(run_dir: Path) -> list[dict]:
    """Every whole line of events.jsonl; a line cut by a kill mid-write is skipped, not an error."""
    path = run_dir / "events.jsonl"
    if not path.is_file():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue
    return events


def events_page(run_dir: Path, after: str | None, limit: int, own: list[dict] | None = None) -> dict:
    """Newest first, as OpenAI lists them; `after` is the last event id of the previous page. `own`: the
    API's events of the job, merged with the run's by time (the API's first where a second holds both)."""
    merged = sorted([(e["created_at"], 0, i, e) for i, e in enumerate(own or [])]
                    + [(e.get("created_at", 0), 1, i, e) for i, e in enumerate(_events(run_dir))], key=lambda t: t[:3])
    events = [t[3] for t in merged][::-1]
    if after:
        ids = [e.get("id") for e in events]
        events = events[ids.index(after) + 1:] if after in ids else []
    return {"object": "list", "data": events[:limit], "has_more": len(events) > limit}


def checkpoints_page(run_dir: Path, job_id: str, fine_tuned_model: str, after: str | None, limit: int) -> dict:
    """Whole checkpoints only (completeness marker written last), newest first, with their validation score."""
    scores = {}
    if (run_dir / "checkpoints.json").is_file():
        try:
            scores = json.loads((run_dir / "checkpoints.json").read_text()).get("scores", {})
        except ValueError:
            scores = {}
    steps = sorted((int(p.name.split("-")[1]) for p in run_dir.glob("checkpoint-*")
                    if p.name.split("-")[1].isdigit() and is_complete(p)), reverse=True)
    data = [{"object": "fine_tuning.job.checkpoint", "id": f"ftckpt-{job_id}-{step}", "created_at":
             int((run_dir / f"checkpoint-{step}").stat().st_mtime), "fine_tuning_job_id": job_id, "step_number": step,
             "fine_tuned_model_checkpoint": f"{fine_tuned_model}:ckpt-step-{step}",
             "metrics": {"step": step, "full_valid_mean_reward": scores.get(str(step))}} for step in steps]
    if after:
        ids = [c["id"] for c in data]
        data = data[ids.index(after) + 1:] if after in ids else []
    return {"object": "list", "data": data[:limit], "has_more": len(data) > limit,
            "first_id": data[0]["id"] if data else None, "last_id": data[:limit][-1]["id"] if data else None}


def eval_summary(run_dir: Path) -> tuple[str, dict] | None:
    """The eval stage's paired comparison of tuned and base (runs/JOB-eval/metrics.json), as an event."""
    path = run_dir.parent / f"{run_dir.name}-eval" / "metrics.json"
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
        pair = next(c for c in metrics["comparisons"] if (c["a"], c["b"]) == ("tuned", "base"))
        diff = pair["metrics"]["reward_mean"]
    except (OSError, ValueError, KeyError, StopIteration):
        return None
    text = (f"Evaluation on {metrics['cases']} validation cases: tuned − base mean reward {diff['value']:+.3f} "
            f"(95% interval {diff['lo']:+.3f} to {diff['hi']:+.3f}, paired on the same cases); "
            f"details in {path.parent.name}/")
    return text, {"cases": metrics["cases"], "reward_mean_difference": diff}
