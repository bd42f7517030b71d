"""A `POST /fine_tuning/jobs` body turned into what the pipeline runs: settings overrides and input files.

Read by the same code as `rft run --job` (rft.openai_job.read_job_body), with file ids looked up in the
caller's project. With no validation file the job is split by the line field the user names in
`metadata.group_by` (lines sharing a value stay on one side), or refused with that advice: a random split
would let near-copies of a case sit on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rft.api.errors import ApiError
from rft.errors import RftInputError
from rft.openai_job import read_job_body


@dataclass
class JobPlan:
    overrides: list[str]
    train_file: Path
    valid_file: Path | None
    suffix: str | None
    warnings: list[str] = field(default_factory=list)


def plan_job(body: dict, project: str, store) -> JobPlan:
    def resolve(value: object, name: str) -> Path:
        row = store.file(project, value) if isinstance(value, str) else None
        if row is None:
            raise ApiError(400, f"{name}: no such file: {value!r}", param=name, code="file_not_found")
        return store.file_path(row["id"])

    if not isinstance(body, dict) or not body.get("training_file"):
        raise ApiError(400, "training_file is required", param="training_file")
    try:
        job = read_job_body(body, "request", resolve, keeps_metadata=True)
    except RftInputError as err:
        raise ApiError(400, err.message, param=err.field, code="invalid_job") from None
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ApiError(400, "metadata is an object of strings", param="metadata")
    overrides = list(job.overrides)
    if job.valid_file is None:
        group_by = metadata.get("group_by")
        if not group_by:
            raise ApiError(400, "no validation_file: give one, or name the line field to split the training file "
                           "by in metadata.group_by (lines sharing a value stay on one side of the split)",
                           param="validation_file")
        overrides.append(f"split.group_by={group_by}")
    return JobPlan(overrides, job.train_file, job.valid_file, job.suffix, job.warnings)


VALID_SHARE = 0.2  # of a single file's lines held out for validation, when metadata names no valid_size


def run_overrides(plan: JobPlan, run_name: str, metadata: dict | None = None) -> list[str]:
    """The pipeline's settings for the job: OpenAI's files layer (rft.openai_files), then the job's own.
    One file is split here, by `metadata.group_by`, with `metadata.valid_size` lines (or a fifth) held out."""
    import json

    from rft.openai_files import openai_files_overrides

    if plan.valid_file is not None:
        return openai_files_overrides(plan.train_file, plan.valid_file, None, run_name) + plan.overrides
    lines = sum(1 for line in plan.train_file.read_bytes().splitlines() if line.strip())
    size = (metadata or {}).get("valid_size")
    if size is not None and not (str(size).isdigit() and 0 < int(size) < lines):
        raise ApiError(400, f"metadata.valid_size must be a whole number from 1 to {lines - 1}",
                       param="metadata.valid_size")
    one_file = {"data.lines": str(plan.train_file), "data.train": None, "data.valid": None,
                "split.train_size": None, "split.valid_size": int(size) if size else max(1, round(lines * VALID_SHARE)),
                "split.test_size": 0, "split.per_group_cap": None}
    layer = openai_files_overrides(plan.train_file, plan.train_file, None, run_name)
    return layer + [f"{k}={json.dumps(v)}" for k, v in one_file.items()] + plan.overrides


# Where a pipeline setting came from in the job's body, for errors that name the user's field.
BODY_FIELDS = {"train.hyperparameters": "method.reinforcement.hyperparameters", "grader": "method.reinforcement.grader",
               "model.name_or_path": "model", "train.seed": "seed", "response_format":
               "method.reinforcement.response_format"}


def check_settings(params_file: Path, sets: list[str]) -> None:
    """The settings the job would run with, read as the pipeline will read them; refused here, with the
    job's field named, rather than failing in the flow run minutes later."""
    from rft.config import load_params

    try:
        load_params(params_file, sets)
    except RftInputError as err:
        field = err.field or ""
        for setting, body_field in BODY_FIELDS.items():
            if field == setting or field.startswith(setting + "."):
                rest = field[len(setting) + 1:].split(".")
                # a hyperparameter's own name; pydantic adds the type it tried ("batch_size.int")
                field = body_field + ("." + rest[0] if rest[0] and setting == "train.hyperparameters" else
                                      "." + ".".join(rest) if rest[0] else "")
                break
        raise ApiError(400, f"{field or 'job'}: {err.message}", param=field or None, code="invalid_job") from None
