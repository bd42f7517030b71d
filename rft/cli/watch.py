"""`rft watch`: follow a training run, or an ablation, from the files it writes (events.jsonl), from any
terminal and after any disconnect: the run itself never depends on the watcher."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated

import typer


def _line(event: dict) -> str | None:
    if event.get("type") == "metrics":
        d = event["data"]
        scores = d.get("scores", {})
        valid = scores.get("valid_reward_mean")
        took = (d.get("timing") or {}).get("step", {}).get("full_iteration")
        return (f"step {d['step']}/{d.get('total_steps', '?')}  reward {scores.get('train_reward_mean', 0):.3f}"
                + (f"  valid {valid:.3f}" if valid is not None else "") + (f"  {took:.1f} s/step" if took else ""))
    if event.get("type") == "message":
        return f"{event.get('level', 'info')}: {event.get('message')}"
    return None


def _current(folder: Path) -> Path | None:
    """The events file being written: the folder's own, or the newest one below it (an ablation)."""
    own = folder / "events.jsonl"
    if own.is_file():
        return own
    found = sorted(folder.glob("seed-*/*/events.jsonl"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def _alive(folder: Path) -> bool | None:
    """Whether the detached process is still running (None: not started with --detach)."""
    pid_file = folder / "pid"
    if not pid_file.is_file():
        return None
    try:
        os.kill(int(pid_file.read_text().strip()), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def _finished(folder: Path) -> bool:
    """The run (or ablation) wrote its end, after this launch began, and was not interrupted."""
    pid = folder / "pid"
    since = pid.stat().st_mtime if pid.is_file() else 0.0
    ablation, summary = folder / "ablation.json", folder / "summary.json"
    if ablation.is_file():
        return ablation.stat().st_mtime >= since
    if summary.is_file() and summary.stat().st_mtime >= since:
        return not json.loads(summary.read_text()).get("interrupted")
    return False


def watch_command(
    folder: Annotated[Path, typer.Argument(help="a run folder (rft train --out) or an ablation folder")],
    follow: Annotated[bool, typer.Option(help="keep following until the run ends")] = True,
    interval: Annotated[float, typer.Option(help="seconds between looks")] = 5.0,
) -> None:
    """Print a run's steps, rewards and messages as they are written, until it ends."""
    if not folder.is_dir():
        typer.echo(f"error: {folder}: no such run folder", err=True)
        raise typer.Exit(2)
    seen: dict[Path, int] = {}
    while True:
        events = _current(folder)
        if events is not None:
            if events not in seen and seen:
                typer.echo(f"-- {events.parent}")
            lines = events.read_text(encoding="utf-8").splitlines()
            done = seen.get(events, 0)
            for raw in lines[done:]:
                try:
                    text = _line(json.loads(raw))
                except ValueError:  # the last line, still being written: read it next time
                    break
                done += 1
                if text:
                    typer.echo(text)
            seen[events] = done
        if not follow:
            return
        finished, alive = _finished(folder), _alive(folder)
        if finished:
            typer.echo("finished")
            return
        if alive is False:
            typer.echo("the process ended before the run finished (stopped or preempted): run the same command "
                       "again (rft train --resume FOLDER for a training) to resume it", err=True)
            raise typer.Exit(1)
        time.sleep(interval)
