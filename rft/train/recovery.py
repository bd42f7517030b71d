"""What a run killed at any instant (kill -9, a lost machine) leaves, made whole before it goes on.

- A checkpoint counts only once it carries COMPLETE, written after the trainer wrote everything else
  (the adapter, optimizer, scheduler, RNG state and trainer state). One without it was cut short:
  it is removed, and the run resumes from the last complete one.
- Events and rollouts of steps after the checkpoint a run resumes from are dropped, since those
  steps run again: no step appears twice. A last line cut mid-write is dropped too.
- Temporary files and folders of writes that never finished (`.NAME.*.tmp`, `.best-*`, `.final-*`,
  set-aside `.NAME-old-*` folders) are removed.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from rft.jsonl import atomic_open, write_json

COMPLETE = "rft_complete.json"
_CKPT = re.compile(r"^checkpoint-(\d+)$")
_PART = re.compile(r"^(train|valid)-(\d+)\.parquet$")
_TEMPORARY = re.compile(r"^\..+(\.tmp|-[A-Za-z0-9_]{8})$")  # atomic_open's and atomic_dir's names


def mark_complete(checkpoint: Path, step: int) -> None:
    write_json(Path(checkpoint) / COMPLETE, {"step": step})


def is_complete(checkpoint: Path) -> bool:
    if (checkpoint / COMPLETE).is_file():
        return True
    # a checkpoint from before the marker existed: whole if its trainer state (written last) parses
    try:
        return "global_step" in json.loads((checkpoint / "trainer_state.json").read_text())
    except (OSError, ValueError):
        return False


def tidy(run_dir: Path) -> list[str]:
    """Remove cut-short checkpoints and unfinished temporary writes; the names removed."""
    removed = []
    for path in sorted(Path(run_dir).iterdir()) if Path(run_dir).is_dir() else []:
        cut_short = path.is_dir() and _CKPT.match(path.name) and not is_complete(path)
        if cut_short or _TEMPORARY.match(path.name) or path.name.startswith("tmp-checkpoint-"):
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
            removed.append(path.name)
    for path in sorted((Path(run_dir) / "rollouts").glob(".*")):
        path.unlink(missing_ok=True)
        removed.append(f"rollouts/{path.name}")
    return removed


def rewind(run_dir: Path, step: int) -> dict[str, int]:
    """Drop what steps after `step` left: metrics events, rollout parts and checkpoint scores."""
    run_dir = Path(run_dir)
    dropped = {"events": 0, "rollout_parts": 0}
    events = run_dir / "events.jsonl"
    if events.exists():
        kept = []
        for line in events.read_text(encoding="utf-8").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                dropped["events"] += 1
                continue
            if event.get("type") == "metrics" and event.get("data", {}).get("step", 0) > step:
                dropped["events"] += 1
                continue
            kept.append(line)
        if dropped["events"]:
            with atomic_open(events) as fh:
                fh.write("".join(line + "\n" for line in kept))
    for part in (run_dir / "rollouts").glob("*.parquet"):
        match = _PART.match(part.name)
        if match and int(match.group(2)) > step:
            part.unlink()
            dropped["rollout_parts"] += 1
    index = run_dir / "checkpoints.json"
    if index.exists():
        scores = json.loads(index.read_text())["scores"]
        write_json(index, {"scores": {k: v for k, v in scores.items() if int(k) <= step}})
    return dropped


def summary(run_dir: Path) -> dict:
    """The run's summary.json, or {} when there is none or it cannot be read (a run killed mid-write)."""
    try:
        return json.loads((Path(run_dir) / "summary.json").read_text())
    except (OSError, ValueError):
        return {}


def finished(run_dir: Path) -> dict | None:
    """The summary of a run that ended with its budget spent (nothing to resume), else None."""
    found = summary(run_dir)
    done = bool(found) and not found.get("resumable") and not found.get("interrupted") \
        and (Path(run_dir) / "final").is_dir()
    return found if done else None


INPUTS = "rft_inputs.json"


def state(run_dir: Path) -> str:
    """fresh (nothing to go on from), resumable (a checkpoint, or a run killed before its first one), or
    finished (the budget spent, final/ written)."""
    run_dir = Path(run_dir)
    if finished(run_dir) or _final_without_summary(run_dir):
        return "finished"
    if not run_dir.is_dir():
        return "fresh"
    whole = any(p.is_dir() and _CKPT.match(p.name) and is_complete(p) for p in run_dir.iterdir())
    return "resumable" if whole or (run_dir / "run.json").is_file() else "fresh"


def _final_without_summary(run_dir: Path) -> bool:
    """final/ is written only once a run is over; DVC removes summary.json before it re-runs a stage."""
    return (run_dir / "final").is_dir() and not (run_dir / "summary.json").exists()


def record_inputs(run_dir: Path, key: str) -> None:
    """The pipeline's key of what this run trains on, so a later run resumes only the same training."""
    write_json(Path(run_dir) / INPUTS, {"key": key})


def inputs_key(run_dir: Path) -> str | None:
    try:
        return json.loads((Path(run_dir) / INPUTS).read_text())["key"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
