"""What a stage is: what it reads (files and params sections), what it writes, and how it runs.

Every driver uses the same declaration: the `rft` command line calls `run`, the Prefect flow builds its
cache key from `inputs` and `sections` (`stage_key`) and reuses a result only while `outputs` are on
disk, and dvc.yaml's deps, params and outs are checked against it (`rft/stages/dvc.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rft
from rft.config import Params
from rft.fingerprint import fingerprint


@dataclass(frozen=True)
class Where:
    """One run of the pipeline: its params and the training run folder it trains into (runs/NAME)."""

    params: Params
    run_dir: Path
    params_file: Path = Path("params.yaml")
    model_name: str | None = None  # register under this name (the register stage runs only with one)
    overwrite: bool = False  # a run folder holding a run of other inputs may be replaced


@dataclass(frozen=True)
class Output:
    path: Path
    # DVC keeps it in its cache and git ignores it (False: git tracks it). Generated results are never
    # tracked by git, so `rft run` leaves the tree clean; DVC still diffs metrics through its cache.
    cache: bool = True
    metric: bool = False  # DVC shows it with `dvc metrics`


@dataclass
class Result:
    """What a stage did: `summary` is what a driver keeps (JSON), `lines` what a person reads."""

    summary: dict
    lines: list[str] = field(default_factory=list)
    markdown: str | None = None  # a table for a Prefect artifact
    artifact_key: str | None = None


@dataclass(frozen=True)
class Stage:
    name: str
    sections: tuple[str, ...]   # params read: "split" or "split.group_by"; also "graders", "model_name"
    code: tuple[str, ...]       # rft source it runs: a change re-runs it under DVC
    inputs: Callable[[Where], list[Path]]
    outputs: Callable[[Where], list[Output]]
    run: Callable[[Where], Result]
    applies: Callable[[Where], bool] = lambda where: True
    # Whether a cached result may stand: its outputs are on disk, and (training) the run is finished.
    finished: Callable[[Where], bool] | None = None
    retries: int = 0            # transient faults (an S3 hiccup) the flow retries
    cached: bool = True         # False: runs every time (validation is cheap and its report must be fresh)


def section_value(where: Where, section: str) -> Any:
    """The value of a params section or dotted key; "graders" is what the graders are (files read), and
    "model_name" the name a run registers under."""
    if section == "graders":
        return where.params.graders.content()
    if section == "model_name":
        return where.model_name
    node: Any = where.params.model_dump(mode="json", by_alias=True)
    for part in section.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def stage_key(stage: Stage, where: Where) -> str:
    """The content of its input files, the values of its params sections, and rft's version."""
    settings = {"stage": stage.name, "rft": rft.__version__,
                "params": {s: section_value(where, s) for s in stage.sections}}
    return fingerprint(stage.inputs(where), settings)


def outputs_present(stage: Stage, where: Where) -> bool:
    return all(o.path.exists() for o in stage.outputs(where))


def is_finished(stage: Stage, where: Where) -> bool:
    return outputs_present(stage, where) and (stage.finished is None or stage.finished(where))
