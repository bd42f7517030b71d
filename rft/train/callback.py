"""The training loop's eyes and brakes, as a transformers TrainerCallback.

After every step: the step's rollouts and rewards (from the reward functions' recorder), a full
validation every `eval_interval` steps, an OpenAI-shaped event, W&B scalars, the progress line,
and the guardrails (wall-clock limit, early stopping, reward-hacking warnings, a stop signal). After
every checkpoint: its completeness marker (written last), retention of the best ones and `best/`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean

from transformers import TrainerCallback

from rft import stop
from rft.graders.grader_set import NamedGrader, weighted
from rft.train.recovery import mark_complete
from rft.train.rewards import Recorder, StepRecord
from rft.train.validation import ValidationResult, validate

# A warning when, between two evaluations, train reward rises and validation reward falls by this
# much, or the validation parse-error rate rises by HACK_PARSE.
HACK_DELTA = 0.02
HACK_PARSE = 0.10


@dataclass
class EvalSettings:
    rows: list[dict]
    interval: int
    samples: int
    max_new_tokens: int
    temperature: float
    batch_size: int
    seed: int
    engine: str = "hf"  # hf or continuous (validation under vLLM training uses continuous batching)


@dataclass
class Guardrails:
    max_wall_minutes: float | None = None
    patience: int | None = None


@dataclass
class _History:
    train_since_eval: list[float] = field(default_factory=list)
    last_train: float | None = None
    last_valid: float | None = None
    last_parse: float | None = None
    best: float | None = None
    stale_evals: int = 0


def _agree(flag: bool) -> bool:
    """Under several processes, stop only together: any rank asking stops them all."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return flag
    import torch

    value = torch.tensor([1.0 if flag else 0.0], device="cuda" if torch.cuda.is_available() else "cpu")
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


def train_stats(record: StepRecord, graders: list[NamedGrader]) -> dict:
    total = weighted(record.rewards, graders)
    return {"reward_mean": fmean(total) if total else 0.0,
            "per_grader": {g: fmean(v) for g, v in record.rewards.items() if v},
            "errors": {g: dict(e) for g, e in record.errors.items()}}


class RftCallback(TrainerCallback):
    def __init__(self, *, graders, recorder: Recorder, evaluation: EvalSettings, guardrails: Guardrails,
                 events, rollouts, keeper, tracker, progress_factory):
        self.graders, self.recorder, self.evaluation, self.guardrails = graders, recorder, evaluation, guardrails
        self.events, self.rollouts, self.keeper, self.tracker = events, rollouts, keeper, tracker
        self.progress_factory = progress_factory
        self.progress = None
        self.stop_reason: str | None = None
        self.resumable = False  # stopped by a signal or the time limit: keep the latest checkpoint
        self.interrupted = False  # stopped by a signal, before its budget was spent
        self.started = time.monotonic()
        self.step_started = time.perf_counter()
        self.pending_valid: ValidationResult | None = None
        self.history = _History()
        self.timings = None  # set by the trainer: {"generate_and_score": seconds} per step

    def request_stop(self, reason: str, resumable: bool = False, interrupted: bool = False) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
            self.resumable = resumable
            self.interrupted = interrupted

    def on_train_begin(self, args, state, control, **kwargs):
        self.started = time.monotonic()
        if state.is_world_process_zero:
            self.progress = self.progress_factory(state.max_steps, state.global_step)

    def on_step_begin(self, args, state, control, **kwargs):
        self.step_started = time.perf_counter()

    def on_step_end(self, args, state, control, model=None, processing_class=None, **kwargs):
        step = state.global_step
        record = self.recorder.pop(step)
        train = train_stats(record, self.graders)
        if step < state.max_steps:  # at the last step there is nothing left to stop or resume
            self._check_wall_clock()
            if (asked := stop.requested()) is not None:  # the command line got SIGINT or SIGTERM
                self.request_stop(asked, resumable=True, interrupted=True)
        valid = None
        if step % self.evaluation.interval == 0 or step >= state.max_steps or self.stop_reason:
            e = self.evaluation
            valid = validate(model, processing_class, e.rows, self.graders, e.samples, e.max_new_tokens,
                             e.temperature, e.batch_size, e.seed + step, step, e.engine)
            control.should_save = True
        self.pending_valid = valid
        if _agree(self.stop_reason is not None) and self.stop_reason is None:
            self.request_stop("another process asked to stop", resumable=True, interrupted=True)
        if not state.is_world_process_zero:  # every rank validates (sharded models need all); rank 0 writes
            if self.stop_reason:
                control.should_save = control.should_training_stop = True
            return
        step_seconds = time.perf_counter() - self.step_started
        gen = (self.timings or {}).pop(step, 0.0)
        timing = {"sampling": max(0.0, gen - record.grading_seconds), "grading": record.grading_seconds,
                  "training": max(0.0, step_seconds - gen - (valid.seconds if valid else 0.0)),
                  "eval": valid.seconds if valid else 0.0, "full_iteration": step_seconds}
        tokens = sum(record.completion_tokens)
        usage = {"train_completion_tokens_mean": fmean(record.completion_tokens) if record.completion_tokens else 0.0,
                 "train_completion_tokens_count": tokens,
                 "train_completion_tokens_per_second": tokens / timing["sampling"] if timing["sampling"] else 0.0}
        if valid:
            usage["valid_completion_tokens_mean"] = valid.completion_tokens_mean
        valid_dict = None if valid is None else {"reward_mean": valid.reward_mean, "per_grader": valid.per_grader,
                                                 "errors": valid.errors, "parse_error_rate": valid.parse_error_rate}
        self.events.metrics(step, state.max_steps, [{"name": g.name, "type": g.grader.type} for g in self.graders],
                            train, valid_dict, timing, usage)
        self._record_rollouts(step, record, train)
        if valid:
            self.rollouts.write(step, "valid", valid.rows)
        self._track(step, train, valid, timing, usage, record)
        self._guard(step, train["reward_mean"], valid)
        if self.progress:
            self.progress.update(step, train["reward_mean"], valid.reward_mean if valid else None)
        if self.stop_reason:
            control.should_save = True
            control.should_training_stop = True

    def on_save(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        valid = self.pending_valid
        metrics = {} if valid is None else {"valid_reward_mean": valid.reward_mean, "per_grader": valid.per_grader,
                                            "parse_error_rate": valid.parse_error_rate}
        mark_complete(Path(args.output_dir) / f"checkpoint-{state.global_step}", state.global_step)
        self.keeper.saved(state.global_step, valid.reward_mean if valid else None, metrics)

    def on_train_end(self, args, state, control, **kwargs):
        if self.stop_reason:
            self.events.message(f"training stopped at step {state.global_step}: {self.stop_reason}", "warn")
        if self.progress:
            self.progress.close()

    def _record_rollouts(self, step: int, record: StepRecord, train: dict) -> None:
        totals = weighted(record.rewards, self.graders)
        rows = []
        for i, (prompt, completion) in enumerate(zip(record.prompts, record.completions)):
            row = {"step": step, "split": "train", "case_id": "", "prompt": prompt, "completion": completion,
                   "completion_tokens": record.completion_tokens[i] if i < len(record.completion_tokens) else 0,
                   "reward": totals[i] if i < len(totals) else 0.0}
            for name, values in record.rewards.items():
                row[f"reward/{name}"] = values[i] if i < len(values) else 0.0
                for key, value in (record.scores[name][i] if i < len(record.scores[name]) else {}).items():
                    row[f"score/{name}/{key}"] = value
            rows.append(row)
        self.rollouts.write(step, "train", rows)

    def _track(self, step, train, valid, timing, usage, record) -> None:
        scalars = {"train/reward_mean": train["reward_mean"],
                   **{f"train/reward/{g}": v for g, v in train["per_grader"].items()},
                   **{f"timing/{k}": v for k, v in timing.items()},
                   "train/completion_tokens_mean": usage["train_completion_tokens_mean"]}
        if valid:
            scalars.update({"valid/reward_mean": valid.reward_mean, "valid/parse_error_rate": valid.parse_error_rate,
                            **{f"valid/reward/{g}": v for g, v in valid.per_grader.items()}})
        self.tracker.log(step, scalars)
        if valid:
            self.tracker.table("valid/rollouts", valid.rows, step)

    def _check_wall_clock(self) -> None:
        limit = self.guardrails.max_wall_minutes
        if limit is not None and (time.monotonic() - self.started) / 60 >= limit:
            self.request_stop(f"max_wall_minutes={limit:g} reached", resumable=True)

    def _guard(self, step: int, train_mean: float, valid: ValidationResult | None) -> None:
        h = self.history
        h.train_since_eval.append(train_mean)
        if valid is None:
            return
        train_window = fmean(h.train_since_eval)
        h.train_since_eval = []
        if h.last_valid is not None:
            if train_window - h.last_train > HACK_DELTA and h.last_valid - valid.reward_mean > HACK_DELTA:
                self.events.message(
                    f"possible reward hacking at step {step}: train reward rose {h.last_train:.3f} -> {train_window:.3f} "
                    f"while validation reward fell {h.last_valid:.3f} -> {valid.reward_mean:.3f}", "warn",
                    {"step": step, "kind": "reward_hacking"})
            if valid.parse_error_rate - h.last_parse > HACK_PARSE:
                self.events.message(
                    f"parse errors rising at step {step}: {h.last_parse:.2f} -> {valid.parse_error_rate:.2f} of "
                    "validation answers", "warn", {"step": step, "kind": "parse_errors_rising"})
        h.last_train, h.last_valid, h.last_parse = train_window, valid.reward_mean, valid.parse_error_rate
        if h.best is None or valid.reward_mean > h.best:
            h.best, h.stale_evals = valid.reward_mean, 0
        else:
            h.stale_evals += 1
            patience = self.guardrails.patience
            if patience is not None and h.stale_evals >= patience:
                self.request_stop(f"early stopping: no better validation reward in {patience} evaluations "
                                  f"(best {h.best:.3f})")
