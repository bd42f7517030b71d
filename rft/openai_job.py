"""An OpenAI fine-tuning job body (`POST /fine_tuning/jobs`) read as `rft run --job job.json` takes it.

Every field is used or named: model, the two files, the grader, hyperparameters, seed, suffix and the
W&B integration become settings, and response_format checks every answer; what an open model cannot do
(reasoning_effort, constrained decoding) or what is not kept (metadata) is said in a warning, never
dropped in silence; anything else is refused by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rft.errors import RftInputError

HYPERPARAMETERS = ("n_epochs", "batch_size", "learning_rate_multiplier", "eval_interval", "eval_samples",
                   "compute_multiplier")
OPENAI_MODELS = ("gpt-", "o1", "o3", "o4", "chatgpt-", "davinci", "babbage")


@dataclass
class JobSettings:
    overrides: list[str] = field(default_factory=list)  # key=value, as --set takes them
    train_file: Path | None = None
    valid_file: Path | None = None
    suffix: str | None = None
    warnings: list[str] = field(default_factory=list)


def _file(job: Path, value: object, name: str) -> Path:
    """A path beside the job file or from the working folder; an OpenAI file id is refused by name."""
    if not isinstance(value, str) or not value:
        raise RftInputError(str(job), "must be a file path", field=name)
    for path in (job.parent / value, Path(value)):
        if path.is_file():
            return path
    hint = " (an OpenAI file id: download the file and give its path)" if value.startswith("file-") else ""
    raise RftInputError(str(job), f"no such file: {value!r}{hint}", field=name)


def _set(key: str, value: object) -> str:
    return f"{key}={json.dumps(value)}"


def read_job(path: Path) -> JobSettings:
    """A job body from a file (`rft run --job`): its training and validation files are paths."""
    from rft.graders.load import read_grader_file  # JSON (or YAML), its faults named

    if not path.is_file():
        raise RftInputError(str(path), "no such job file")
    job = read_grader_file(path)
    return read_job_body(job, str(path), lambda value, name: _file(path, value, name))


def read_job_body(job: object, source: str, resolve: Callable[[object, str], Path],
                  keeps_metadata: bool = False) -> JobSettings:
    """A job body from anywhere: `resolve(value, field)` turns training_file / validation_file into a local
    path (a path beside a job file; a file id of `rft api`). `keeps_metadata`: the caller stores it."""
    path = Path(source)  # only named in errors
    if not isinstance(job, dict):
        raise RftInputError(source, "a job is a JSON object (the body of POST /fine_tuning/jobs)")
    out = JobSettings()
    method = job.get("method")
    if not isinstance(method, dict) or method.get("type", "reinforcement") != "reinforcement":
        raise RftInputError(str(path), "rft runs reinforcement jobs: method.type must be \"reinforcement\"",
                            field="method.type")
    rl = method.get("reinforcement")
    if not isinstance(rl, dict) or not isinstance(rl.get("grader"), dict):
        raise RftInputError(str(path), "the job has no grader", field="method.reinforcement.grader")
    for key in set(method) - {"type", "reinforcement"}:
        raise RftInputError(str(path), f"unknown field {key!r}", field=f"method.{key}")
    for key in sorted(set(rl) - {"grader", "hyperparameters", "response_format"}):
        raise RftInputError(str(path), f"unknown field {key!r}", field=f"method.reinforcement.{key}")
    from rft.graders.load import parse_grader

    parse_grader(rl["grader"], str(path), "method.reinforcement.grader")  # refused here, by name, if broken
    out.overrides.append(_set("grader", rl["grader"]))

    hyper = rl.get("hyperparameters") or {}
    if not isinstance(hyper, dict):
        raise RftInputError(str(path), "must be an object", field="method.reinforcement.hyperparameters")
    for key, value in hyper.items():
        if key in HYPERPARAMETERS:
            out.overrides.append(_set(f"train.hyperparameters.{key}", value))
        elif key == "reasoning_effort":
            out.warnings.append(f"method.reinforcement.hyperparameters.reasoning_effort={value!r} is not used: "
                                "open models have no reasoning-effort setting")
        else:
            raise RftInputError(str(path), f"unknown hyperparameter {key!r}; known: {', '.join(HYPERPARAMETERS)}",
                                field=f"method.reinforcement.hyperparameters.{key}")
    if rl.get("response_format") is not None:
        from rft.graders.response_format import schema_of

        schema_of(rl["response_format"], str(path))
        out.overrides.append(_set("response_format", rl["response_format"]))
        out.warnings.append("method.reinforcement.response_format cannot constrain sampling here (no constrained "
                            "decoding); each answer is checked against its schema instead, and one that does not "
                            "match scores 0 with sample_parse_error")

    model = job.get("model")
    if isinstance(model, str) and model:
        if model.startswith(OPENAI_MODELS):
            out.warnings.append(f"model {model!r} is OpenAI's and cannot run here; training params' "
                                "model.name_or_path instead")
        else:
            out.overrides.append(_set("model.name_or_path", model))
    if "training_file" in job:
        out.train_file = resolve(job["training_file"], "training_file")
    if job.get("validation_file") is not None:
        out.valid_file = resolve(job["validation_file"], "validation_file")
    if job.get("seed") is not None:
        if not isinstance(job["seed"], int) or isinstance(job["seed"], bool):
            raise RftInputError(str(path), "must be an integer", field="seed")
        out.overrides.append(_set("train.seed", job["seed"]))
    if job.get("suffix") is not None:
        suffix = job["suffix"]
        if not isinstance(suffix, str) or not suffix or len(suffix) > 64 or "/" in suffix:
            raise RftInputError(str(path), "must be 1 to 64 characters, no '/'", field="suffix")
        out.suffix = suffix
    for i, integration in enumerate(job.get("integrations") or []):
        if not isinstance(integration, dict) or integration.get("type") != "wandb":
            raise RftInputError(str(path), "only {type: wandb} is known", field=f"integrations.{i}.type")
        wandb = integration.get("wandb") or {}
        out.overrides.append(_set("tracking.wandb", True))
        for key in ("project", "entity"):
            if wandb.get(key):
                out.overrides.append(_set(f"tracking.{key}", wandb[key]))
        if set(wandb) - {"project", "entity"}:
            out.warnings.append(f"integrations.{i}.wandb: {', '.join(sorted(set(wandb) - {'project', 'entity'}))} "
                                "not used (rft names its W&B runs after the run folder)")
    if job.get("metadata") and not keeps_metadata:
        out.warnings.append("metadata is not kept by `rft run` (the run folder's name is its label)")
    known = {"model", "training_file", "validation_file", "method", "seed", "suffix", "integrations", "metadata",
             "hyperparameters"}
    if "hyperparameters" in job:  # the deprecated top-level form
        raise RftInputError(str(path), "put hyperparameters under method.reinforcement.hyperparameters",
                            field="hyperparameters")
    for key in sorted(set(job) - known):
        raise RftInputError(str(path), f"unknown field {key!r}", field=key)
    return out
