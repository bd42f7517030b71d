"""The train stage as every driver runs it, on the real default model: a stop before the end is never
taken for a finished run, and the same call resumes it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from rft.config import load_params
from rft.errors import RftInputError, RftStopped
from rft.stages.declare import Where, is_finished
from rft.stages.pipeline import TRAIN
from rft.train import recovery
from rft.train.events import read_events

pytestmark = pytest.mark.slow

TINY = ["profile=null", "train.max_valid_cases=1", "train.hyperparameters.batch_size=1",
        "train.hyperparameters.eval_interval=1", "train.grpo.num_generations=2", "train.grpo.max_completion_length=8",
        "tracking.wandb=false"]


def _where(real_split: Path, run: Path, *sets: str) -> Where:
    return Where(load_params(None, [*TINY, f"split.out_dir={real_split}", *sets]), run)


def test_a_run_stopped_by_its_time_limit_is_resumed_not_kept(real_split, tmp_path):
    run = tmp_path / "runs" / "r"
    where = _where(real_split, run, "train.max_steps=2", "train.max_wall_minutes=0.000001")
    with pytest.raises(RftStopped, match=r"step 1 of 2 \(max_wall_minutes") as stopped:
        TRAIN.run(where)
    assert not stopped.value.interrupted  # a time limit, not a signal
    assert recovery.state(run) == "resumable" and not (run / "final").exists()
    assert not is_finished(TRAIN, where)  # so the flow never takes it from its cache

    done = TRAIN.run(where)  # the same call resumes from checkpoint-1
    assert done.summary["steps"] == 2 and recovery.state(run) == "finished" and is_finished(TRAIN, where)
    steps = [e["data"]["step"] for e in read_events(run / "events.jsonl") if e["type"] == "metrics"]
    assert steps == [1, 2]
    assert any("resumed from checkpoint-1" in json.dumps(e) for e in read_events(run / "events.jsonl"))

    again = TRAIN.run(where)  # finished, same inputs: kept as it is
    assert again.summary == done.summary

    other = _where(real_split, run, "train.max_steps=1", "train.max_wall_minutes=null")
    with pytest.raises(RftInputError, match="--overwrite"):  # other inputs: never replaced unasked
        TRAIN.run(other)
    assert recovery.finished(run)["steps"] == 2 and (run / "best").is_dir()
    redone = TRAIN.run(dataclasses.replace(other, overwrite=True))  # asked: trained afresh
    assert redone.summary["steps"] == 1
    assert [e["data"]["step"] for e in read_events(run / "events.jsonl") if e["type"] == "metrics"] == [1]
