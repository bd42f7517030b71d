"""Long runs: `--detach` starts training in a new session that outlives the terminal, and `rft watch`
follows it from its events until it ends, or says that it ended unfinished and how to resume."""

from __future__ import annotations

import json
import subprocess

from helpers import DIGIT_GRADER, save_tiny_base_and_adapter, write_prompts


def test_a_detached_training_runs_on_and_watch_follows_it_to_the_end(tmp_path, cli):
    base, _ = save_tiny_base_and_adapter(tmp_path / "tiny")
    train, valid = write_prompts(tmp_path / "data", train=4, valid=2)
    params = tmp_path / "params.yaml"
    params.write_text(json.dumps({
        "grader": DIGIT_GRADER, "model": {"name_or_path": str(base)}, "tracking": {"wandb": False},
        "train": {"max_steps": 2, "max_valid_cases": 2, "hyperparameters": {"batch_size": 1, "eval_interval": 1},
                  "grpo": {"num_generations": 2, "max_completion_length": 4}}}))
    run = tmp_path / "run"
    code, out, err = cli("train", "--out", run, "--train", train, "--valid", valid, "--detach", "--params", params)
    assert code == 0, err
    assert "running in the background, pid" in out and f"rft watch {run}" in out
    assert (run / "pid").is_file() and not (run / "summary.json").exists()  # it returned before training
    code, out, err = cli("watch", run, "--interval", "0.5")
    assert code == 0, err + (run / "train.log").read_text()
    assert "step 2/2" in out and out.rstrip().endswith("finished")
    assert (run / "final" / "adapter_config.json").is_file() and "steps 2/2" in (run / "train.log").read_text()


def test_watch_says_when_a_run_ended_unfinished(tmp_path, cli):
    run = tmp_path / "run"
    run.mkdir()
    ended = subprocess.Popen(["true"])
    ended.wait()  # reaped: its pid names no process now
    (run / "pid").write_text(f"{ended.pid}\n")
    event = {"type": "metrics", "data": {"step": 3, "total_steps": 10, "scores": {"train_reward_mean": 0.25}}}
    (run / "events.jsonl").write_text(json.dumps(event) + "\n" + '{"type": "mess')  # a line being written
    code, out, err = cli("watch", run, "--interval", "0.1")
    assert "step 3/10  reward 0.250" in out
    assert code == 1 and "ended before the run finished" in err and "--resume" in err


def test_a_bad_params_file_is_refused_before_detaching(tmp_path, cli):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: {max_steps: -1}\n")
    code, _, err = cli("train", "--out", tmp_path / "run", "--detach", "--params", bad)
    assert code == 2 and "max_steps" in err and not (tmp_path / "run" / "pid").exists()
