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
