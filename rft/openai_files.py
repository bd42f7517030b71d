"""OpenAI's two files and a grader, as `rft run --train-file T --valid-file V --grader G` takes them.

The layer of settings they bring, applied over the params file (and under `--set`): the data come
split, so the phenopacket import and split are skipped; the demo's gene rules (required gene fields,
HPO ids, the shortcut audit, the answer-in-prompt check on `correct_gene`) are off; lines are named by
`id` (made from their content where absent); evaluation compares the base model with the tuned one by
the grader's reward; the registry's gate reads the reward; no supervised warm-up. Outputs go under runs/, never into the
demo's tracked files.
"""

from __future__ import annotations

import json
from pathlib import Path

from rft.errors import RftInputError


def openai_files_overrides(train: Path, valid: Path, grader: Path | None, run_name: str) -> list[str]:
    """`--set` style overrides (key=YAML value) for the two files and the grader."""
    for flag, path in (("--train-file", train), ("--valid-file", valid), ("--grader", grader)):
        if path is not None and not path.is_file():
            raise RftInputError(str(path), f"no such file (given as {flag})")
    data_dir = f"runs/{run_name}-data"
    layer = {
        "data.lines": None, "data.train": str(train), "data.valid": str(valid),
        "split.out_dir": data_dir, "split.group_by": None, "split.link_by": [],
        "validate.id_field": "id", "validate.answer_field": None, "validate.required": {},
        "validate.hpo_fields": [], "validate.shortcut_audit": None,
        "validate.report": f"{data_dir}/validation.json", "validate.data_docs": None,
        "eval.models": ["base"], "eval.answer": None, "eval.out_dir": f"runs/{run_name}-eval",
        "report.out": f"runs/{run_name}-eval/report.html",
        "registry.gate.metric": "reward_mean",
        "train.warmup.enabled": False,  # OpenAI's lines carry no reference answer to warm up on
    }
    if grader is not None:  # absolute: grader files are otherwise read relative to the params file
        layer["grader"] = {"file": str(grader.resolve())}
    return [f"{key}={json.dumps(value)}" for key, value in layer.items()]
