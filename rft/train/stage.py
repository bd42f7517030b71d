"""Stage `train`: GRPO with a LoRA adapter, rewarded by the params' grader(s).

train(params, train_path, valid_path, run_dir) -> run_dir, holding: checkpoint-N/ (the best few and
the latest), best/ (the best adapter by validation reward), final/ (the adapter at the last step, once
the run is over: what to evaluate on the validation split without having chosen on it),
events.jsonl, rollouts.parquet, run.json (what was run).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from rft.config import Params
from rft.errors import RftInputError
from rft.fingerprint import fingerprint
from rft.graders.grader_set import close
from rft.jsonl import write_json
from rft.models.backends import choose
from rft.tracking.wandb_run import Tracker
from rft.train import hyperparams, recovery
from rft.train.callback import EvalSettings, Guardrails, RftCallback
from rft.train.checkpoints import CheckpointKeeper
from rft.train.dataset import check_context, read_lines, to_dataset
from rft.train.events import EventLog, write_reward_curve
from rft.train.progress_line import StepProgress
from rft.train.rewards import Recorder
from rft.train.rollouts import RolloutStore


def _device(settings) -> bool:
    import torch

    if settings.device == "cuda" and not torch.cuda.is_available():
        raise RftInputError("params", "train.device is cuda but no GPU is visible", field="train.device")
    return settings.device == "cuda" or (settings.device == "auto" and torch.cuda.is_available())


def _peft_model(model, settings):
    from peft import LoraConfig, get_peft_model

    lora = settings.lora
    config = LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                        target_modules=lora.target_modules, task_type="CAUSAL_LM")
    return get_peft_model(model, config)


def save_adapter(model, tokenizer, folder: Path, metrics: dict) -> Path:
    """The adapter, its tokenizer and `rft_metrics.json`, swapped in whole (as best/ is)."""
    from rft.jsonl import atomic_dir

    with atomic_dir(folder) as tmp:
        model.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        write_json(tmp / "rft_metrics.json", metrics)
    return folder


def train(params: Params, train_path: str | Path, valid_path: str | Path, run_dir: str | Path,
          resume: bool = False, model=None, tokenizer=None,
          callbacks: list | None = None) -> Path:
    """Run (or resume) GRPO training. `model`/`tokenizer` may be given ready-made (tests); `callbacks` are
    extra transformers TrainerCallbacks (a Prefect or Slack hook, say). It installs no signal handlers: a
    command line that wants Ctrl-C to stop at the next step asks through `rft.stop` (see rft/stop.py)."""
    import torch
    from trl import GRPOConfig

    from rft.models.loading import load_causal_lm

    run_dir = Path(run_dir)
    if resume and (summary := recovery.finished(run_dir)):
        print(f"{run_dir}: this run is finished ({summary['steps']}/{summary['total_steps']} steps); nothing to resume")
        return run_dir
    cleaned = recovery.tidy(run_dir)  # what a killed run left half-written
    keeper = CheckpointKeeper(run_dir, params.train.keep_checkpoints)
    latest = keeper.latest() if run_dir.exists() else None
    if resume and latest is None and not (run_dir / "run.json").is_file():
        raise RftInputError(str(run_dir), "nothing to resume: no run in this folder")
    if not resume and latest is not None:
        raise RftInputError(str(run_dir), "this run folder has checkpoints; resume it with --resume, or pick "
                            "another --out")
    # Killed before its first checkpoint, a run starts again from step 0; either way, what steps after
    # the starting point left is dropped, since they run again.
    rewound = recovery.rewind(run_dir, int(latest.name.split("-")[1]) if latest else 0)
    resume = latest is not None
    run_dir.mkdir(parents=True, exist_ok=True)
    settings = params.train
    on_gpu = _device(settings)
    generation = choose(settings.generation, on_gpu, "train.generation")
    checkpointing = on_gpu if settings.gradient_checkpointing == "auto" else settings.gradient_checkpointing

    graders = params.graders.build()
    if model is None:  # under accelerate/torchrun each process takes its own GPU
        device = f"cuda:{os.environ.get('LOCAL_RANK', '0')}" if on_gpu else "cpu"
        model, tokenizer = load_causal_lm(params.model.name_or_path, device=device)
    train_lines, valid_lines = read_lines(train_path), read_lines(valid_path)
    resolved = hyperparams.resolve(settings, len(train_lines), on_gpu)
    if settings.hyperparameters.reasoning_effort is not None:  # said, never dropped in silence
        print(f"warning: train.hyperparameters.reasoning_effort={settings.hyperparameters.reasoning_effort!r} "
              "is not used: open models have no reasoning-effort setting", file=sys.stderr)
    context = params.model.max_context or getattr(model.config, "max_position_embeddings", 2048)
    max_prompt = context - hyperparams.completion_length(settings, on_gpu)
    train_lines = check_context(train_lines, tokenizer, max_prompt, settings.drop_long_prompts)
    valid_lines = check_context(valid_lines, tokenizer, max_prompt, settings.drop_long_prompts)
    # after the prompts are measured: continuous batching's cache is sized to the longest one there
    kwargs = hyperparams.grpo_kwargs(settings, resolved, on_gpu, generation, checkpointing,
                                     train_lines.longest_prompt)
    valid_rows = valid_lines.rows[: settings.max_valid_cases]

    run_name = params.tracking.run_name or run_dir.name
    record = {"run_name": run_name, "model": params.model.name_or_path, "train": str(train_path),
              "valid": str(valid_path), "resolved": resolved.__dict__, "grpo": {k: v for k, v in kwargs.items()
                                                                             if isinstance(v, (int, float, str, bool))},
              "graders": [{"name": g.name, "type": g.grader.type, "weight": g.weight} for g in graders],
              "lora": params.model.lora.model_dump(), "dropped_long_prompts": train_lines.dropped_long,
              "device": "cuda" if on_gpu else "cpu", "generation": generation, "profile": params.profile,
              # what this run read, by content: the report's lineage is the run's own, not today's dvc.lock
              "data": {"train": fingerprint([train_path]), "valid": fingerprint([valid_path])}}
    main_process = os.environ.get("RANK", "0") == "0"
    if main_process:
        write_json(run_dir / ("run-resumed.json" if resume else "run.json"), record)

    tracker = Tracker(params.tracking.wandb and main_process, params.tracking.project, run_name,
                      {**record, "params": params.model_dump(mode="json", by_alias=True)}, run_dir,
                      params.tracking.entity, params.tracking.tags)
    events = EventLog(run_dir / "events.jsonl", run_name)
    if cleaned or any(rewound.values()):
        events.message(f"before starting: removed {', '.join(cleaned) or 'nothing'}; dropped "
                       f"{rewound['events']} events and {rewound['rollout_parts']} rollout parts of steps after "
                       f"{latest.name if latest else 'step 0'}", "warn")
    recorder = Recorder(graders)
    funcs = [recorder.reward_function(g) for g in graders]
    kwargs.update(output_dir=str(run_dir), reward_weights=[g.weight for g in graders],
                  report_to=["wandb"] if tracker.active else [], run_name=run_name)
    callback = RftCallback(
        graders=graders, recorder=recorder,
        evaluation=EvalSettings(valid_rows, resolved.eval_interval, resolved.eval_samples,
                                kwargs["max_completion_length"], kwargs.get("temperature", 1.0),
                                batch_size=16 if on_gpu else 8, seed=settings.seed,
                                engine="hf" if generation == "hf" else "continuous"),
        guardrails=Guardrails(settings.max_wall_minutes, settings.early_stopping_patience),
        events=events, rollouts=RolloutStore(run_dir), keeper=keeper, tracker=tracker,
        progress_factory=StepProgress)

    torch.manual_seed(settings.seed)
    peft_model = model if hasattr(model, "peft_config") else _peft_model(model, params.model)
    if settings.warmup.enabled and not resume:
        from rft.train.warmup import warm_up

        events.message("supervised warm-up: " + json.dumps(warm_up(peft_model, tokenizer, train_lines.rows,
                                                                   settings.warmup, run_dir, on_gpu, context,
                                                                   settings.seed, checkpointing)))
    from rft.train.trainer import TimedGRPOTrainer

    trainer = TimedGRPOTrainer(model=peft_model, reward_funcs=funcs, args=GRPOConfig(**kwargs),
                               train_dataset=to_dataset(train_lines), processing_class=tokenizer,
                               callbacks=[callback, *(callbacks or [])])
    callback.timings = trainer.step_timings
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)  # it prints raw log dicts; our progress line replaces it
    events.message(("resumed from " + latest.name) if resume else
                   f"training started: {resolved.total_steps} steps, {len(train_lines)} training and "
                   f"{len(valid_rows)} validation cases")
    started = time.monotonic()
    try:
        trainer.train(resume_from_checkpoint=str(latest) if resume else None)
    finally:
        RolloutStore(run_dir).merge()
        tracker.finish()
        close(graders)
    if not callback.resumable:  # a run stopped by a signal or the time limit keeps its latest checkpoint
        keeper.finish()
    if main_process and not callback.resumable:  # the run is over: steps or epochs spent, or early stopping
        save_adapter(trainer.model, tokenizer, run_dir / "final", {"step": trainer.state.global_step})
    best = keeper.best_step()
    write_reward_curve(run_dir / "events.jsonl", run_dir / "rewards.csv")
    write_json(run_dir / "summary.json", {
        "run_name": run_name, "steps": trainer.state.global_step, "total_steps": resolved.total_steps,
        "best_step": best, "best_valid_reward_mean": keeper.scores.get(best) if best else None,
        "stopped": callback.stop_reason, "resumable": callback.resumable, "interrupted": callback.interrupted,
        "seconds": round(time.monotonic() - started, 2)})
    return run_dir
