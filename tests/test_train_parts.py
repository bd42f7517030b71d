"""Training's pure parts: hyperparameter mapping, checkpoint retention, guardrails, configs, CLI."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pytest

from rft.config import load_params
from rft.errors import RftInputError
from rft.train import hyperparams
from rft.train.callback import EvalSettings, Guardrails, RftCallback
from rft.train.checkpoints import CheckpointKeeper
from rft.train.events import EventLog, read_events
from rft.train.recovery import mark_complete
from rft.train.validation import ValidationResult

ROOT = Path(__file__).resolve().parents[1]


def settings(*overrides):
    return load_params(None, list(overrides)).train


def test_auto_hyperparameters_on_cpu_and_gpu():
    cpu = hyperparams.resolve(settings(), n_train=100, on_gpu=False)
    assert (cpu.num_generations, cpu.batch_size, cpu.n_epochs, cpu.total_steps, cpu.eval_interval) == (4, 2, 1.0, 50, 5)
    assert cpu.learning_rate == pytest.approx(1e-5) and cpu.eval_samples == 1
    gpu = hyperparams.resolve(settings(), n_train=100, on_gpu=True)
    assert (gpu.num_generations, gpu.batch_size, gpu.total_steps) == (8, 8, 12)


def test_openai_names_map_onto_grpo():
    s = settings("train.hyperparameters.n_epochs=2", "train.hyperparameters.batch_size=4",
                 "train.hyperparameters.learning_rate_multiplier=3", "train.hyperparameters.compute_multiplier=1.5",
                 "train.hyperparameters.eval_interval=7", "train.hyperparameters.eval_samples=3")
    r = hyperparams.resolve(s, n_train=40, on_gpu=False)
    assert (r.num_generations, r.batch_size, r.total_steps, r.eval_interval, r.eval_samples) == (6, 4, 20, 7, 3)
    kwargs = hyperparams.grpo_kwargs(s, r, on_gpu=False, generation="hf", gradient_checkpointing=False)
    assert kwargs["per_device_train_batch_size"] == 24 and kwargs["num_generations"] == 6
    assert kwargs["learning_rate"] == pytest.approx(3e-5) and kwargs["num_train_epochs"] == 2
    assert kwargs["use_cpu"] is True and kwargs["bf16"] is False and kwargs["save_steps"] == 7


def test_grpo_knobs_win_and_unknown_ones_are_named():
    s = settings("train.grpo.loss_type=grpo", "train.grpo.beta=0.04", "train.grpo.num_generations=3")
    r = hyperparams.resolve(s, 10, on_gpu=False)
    kwargs = hyperparams.grpo_kwargs(s, r, False, "hf", False)
    assert (kwargs["loss_type"], kwargs["beta"], kwargs["num_generations"]) == ("grpo", 0.04, 3)
    with pytest.raises(RftInputError, match="not GRPOConfig fields: betta") as err:
        settings("train.grpo.betta=0.1")
    assert err.value.field == "train.grpo"


def test_a_grpo_config_from_the_mapping_is_accepted_by_trl(tmp_path):
    from trl import GRPOConfig

    s = settings()
    r = hyperparams.resolve(s, 20, on_gpu=False)
    config = GRPOConfig(output_dir=str(tmp_path), **hyperparams.grpo_kwargs(s, r, False, "hf", False))
    assert config.num_generations == 4 and config.per_device_train_batch_size == 8


@pytest.mark.parametrize("name", ["ddp", "deepspeed_zero2", "fsdp"])
def test_every_shipped_accelerate_config_parses(name):
    from accelerate.commands.config.config_args import load_config_from_file

    config = load_config_from_file(str(ROOT / "configs" / "accelerate" / f"{name}.yaml"))
    assert config.mixed_precision == "bf16" and config.num_processes >= 1
    expected = {"ddp": "MULTI_GPU", "deepspeed_zero2": "DEEPSPEED", "fsdp": "FSDP"}[name]
    assert config.distributed_type.value == expected


def _checkpoint(run: Path, step: int) -> None:
    folder = run / f"checkpoint-{step}"
    folder.mkdir(parents=True)
    (folder / "adapter_model.safetensors").write_bytes(f"weights of step {step}".encode())
    (folder / "adapter_config.json").write_text("{}")
    mark_complete(folder, step)  # what the trainer's save ends with: a checkpoint counts once whole


def test_keeper_keeps_the_best_three_and_the_latest(tmp_path):
    keeper = CheckpointKeeper(tmp_path, keep=3)
    for step, score in [(1, 0.1), (2, 0.5), (3, 0.3), (4, 0.2), (5, 0.4), (6, 0.05)]:
        _checkpoint(tmp_path, step)
        keeper.saved(step, score, {"valid_reward_mean": score})
    assert sorted(keeper.checkpoints()) == [2, 3, 5, 6]  # best three, and the latest for resume
    assert (tmp_path / "best" / "adapter_model.safetensors").read_bytes() == b"weights of step 2"
    keeper.finish()
    assert sorted(keeper.checkpoints()) == [2, 3, 5]
    assert CheckpointKeeper(tmp_path).best_step() == 2  # the index survives a restart


def test_a_full_disk_while_publishing_best_keeps_the_previous_best(tmp_path, monkeypatch):
    """A disk cannot be filled here on purpose: the copy is made to fail with ENOSPC instead."""
    keeper = CheckpointKeeper(tmp_path, keep=3)
    _checkpoint(tmp_path, 1)
    keeper.saved(1, 0.2, {})
    _checkpoint(tmp_path, 2)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copy2", full)
    with pytest.raises(OSError, match="No space left"):
        keeper.saved(2, 0.9, {})
    assert (tmp_path / "best" / "adapter_model.safetensors").read_bytes() == b"weights of step 1"
    assert not list(tmp_path.glob(".best-*"))


def _valid(reward: float, parse: float = 0.0) -> ValidationResult:
    return ValidationResult(reward, {"g": reward}, {}, parse, 10.0, 0.1, [])


def _callback(tmp_path, patience=None) -> RftCallback:
    return RftCallback(graders=[], recorder=None, evaluation=EvalSettings([], 1, 1, 8, 1.0, 1, 0),
                       guardrails=Guardrails(None, patience), events=EventLog(tmp_path / "events.jsonl", "t"),
                       rollouts=None, keeper=None, tracker=None, progress_factory=lambda *a: None)


def test_reward_hacking_warning(tmp_path):
    cb = _callback(tmp_path)
    cb._guard(1, 0.30, _valid(0.40))
    cb._guard(2, 0.50, _valid(0.30))  # train up, validation down
    warnings = [e for e in read_events(tmp_path / "events.jsonl") if e["level"] == "warn"]
    assert len(warnings) == 1 and warnings[0]["data"]["kind"] == "reward_hacking"


def test_rising_parse_errors_warning(tmp_path):
    cb = _callback(tmp_path)
    cb._guard(1, 0.3, _valid(0.4, parse=0.05))
    cb._guard(2, 0.3, _valid(0.4, parse=0.30))
    kinds = [e["data"]["kind"] for e in read_events(tmp_path / "events.jsonl") if e["level"] == "warn"]
    assert kinds == ["parse_errors_rising"]


def test_early_stopping_counts_evaluations_without_improvement(tmp_path):
    cb = _callback(tmp_path, patience=2)
    for step, reward in enumerate([0.3, 0.5, 0.45, 0.5], start=1):
        cb._guard(step, 0.3, _valid(reward))
    assert cb.stop_reason and "early stopping" in cb.stop_reason and not cb.resumable


def test_cli_train_needs_out_or_resume(cli):
    code, _, err = cli("train")
    assert code != 0 and "--out" in err


def test_cli_train_refuses_to_resume_an_empty_folder(cli, tmp_path, real_split):
    code, _, err = cli("train", "--resume", tmp_path / "nothing", "--train", real_split / "train.jsonl",
                       "--valid", real_split / "valid.jsonl", "--params", ROOT / "params.yaml")
    assert code == 2 and "nothing to resume" in err


def test_cli_set_with_an_unknown_key_names_it(cli, tmp_path):
    code, _, err = cli("train", "--out", tmp_path / "run", "--set", "train.hyperparameters.n_epoch=2",
                       "--params", ROOT / "params.yaml")
    assert code == 2 and "train.hyperparameters.n_epoch" in err


def test_shipped_params_train_section_parses():
    params = load_params(ROOT / "params.yaml")
    assert params.model.name_or_path == "smollm2-135m-instruct" and params.train.keep_checkpoints == 3
    assert json.loads(json.dumps(params.model_dump(mode="json", by_alias=True)))["train"]["seed"] == 13
