"""dvc.yaml written from the stage declarations, so DVC tracks exactly what each stage reads and writes.

`rft stages dvc --write` regenerates it; a test fails when the file and the declarations disagree.
"""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from rft.config import _read_yaml, profile_path
from rft.stages.declare import Stage, Where
from rft.stages.pipeline import PIPELINE

DVC_RUN = Path("runs/dvc")
HEADER = ("# Written by `rft stages dvc --write` from the stage declarations (rft/stages/pipeline.py): edit\n"
          "# those, not this file. `dvc repro` runs each stage through `rft stages run` (activate .venv first,\n"
          "# or `make repro`); a test checks this file against the declarations.\n")


def _params(stage: Stage, raw: dict) -> list[str]:
    """The params.yaml keys DVC watches: the declared sections that the file has (DVC refuses absent ones)."""
    def present(key: str) -> bool:
        node = raw
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    keys = ["profile"]
    for section in stage.sections:
        keys += ["grader", "train.graders", "response_format"] if section == "graders" else [] if section == "model_name" else [section]
    tops = {k for k in keys if "." not in k}  # "train" covers "train.graders"
    keys = [k for k in keys if "." not in k or k.split(".")[0] not in tops]
    return [k for k in dict.fromkeys(keys) if present(k)]


def dvc_stage(stage: Stage, where: Where, raw: dict) -> dict:
    deps = [str(p) for p in stage.inputs(where)] + list(stage.code)
    if where.params.profile:
        deps.append(str(profile_path(where.params.profile, where.params_file)))
    outs = [str(o.path) if o.cache else {str(o.path): {"cache": False}}
            for o in stage.outputs(where) if not o.metric]
    metrics = [str(o.path) if o.cache else {str(o.path): {"cache": False}} for o in stage.outputs(where) if o.metric]
    # --overwrite: DVC re-runs a stage because its deps changed, so replacing the old run is what it asks.
    out = {"cmd": f"rft stages run {stage.name} --run {where.run_dir} --overwrite", "deps": list(dict.fromkeys(deps)),
           "params": _params(stage, raw)}
    if metrics:
        out["metrics"] = metrics
    if outs:
        out["outs"] = outs
    return out


def _split_name(split: str) -> str:
    return {"valid": "validation"}.get(split, split)


def render(params_file: Path = Path("params.yaml")) -> dict:
    """dvc.yaml's content for these params: every stage that applies, in order (register needs a name)."""
    from rft.config import load_params

    where = Where(load_params(params_file), DVC_RUN, params_file)
    raw = _read_yaml(params_file) if params_file.exists() else {}
    stages = {s.name: dvc_stage(s, where, raw) for s in PIPELINE if s.applies(where)}
    rewards = str(where.run_dir / "rewards.csv")
    topk = str(Path(where.params.eval.out_dir) / "topk.csv")
    plots = [{"reward per step": {"x": "step", "y": {rewards: ["train_reward", "valid_reward"]}}},
             {f"top@k on the {_split_name(where.params.eval.split)} split": {"template": "bar_horizontal", "x": "value",
                                                                  "y": {topk: "label"}}}]
    return {"stages": stages, "plots": plots}


def write(path: Path, content: dict) -> None:
    from io import StringIO

    from rft.jsonl import atomic_open

    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 120
    buffer = StringIO()
    yaml.dump(content, buffer)
    with atomic_open(path) as fh:
        fh.write(HEADER + buffer.getvalue())


def read(path: Path) -> dict:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
