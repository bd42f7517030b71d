"""The stage declarations are the one source of what each stage reads and writes: dvc.yaml must match them,
the flow's cache keys follow them (a grader file's content included), and imports point one way."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from rft.config import load_params
from rft.stages import dvc
from rft.stages.declare import Where, stage_key
from rft.stages.pipeline import EVAL, SPLIT, STAGES, TRAIN, VALIDATE

ROOT = Path(__file__).resolve().parents[1]


def test_dvc_yaml_is_what_the_declarations_say(monkeypatch):
    monkeypatch.chdir(ROOT)  # dvc.yaml's paths are relative to the project
    written, declared = dvc.read(ROOT / "dvc.yaml"), dvc.render(Path("params.yaml"))
    assert list(written["stages"]) == list(declared["stages"]) == [
        "import", "split", "validate", "train", "eval", "report"]
    for name, stage in declared["stages"].items():
        for part in ("cmd", "deps", "params", "outs", "metrics"):
            assert written["stages"][name].get(part) == stage.get(part), f"dvc.yaml {name}.{part} drifted; " \
                "run `rft stages dvc --write`"
    assert written["plots"] == declared["plots"]


def _project(tmp_path: Path, **params) -> Path:
    file = tmp_path / "params.yaml"
    file.write_text(json.dumps({"profile": None, **params}))
    return file


def test_the_declarations_follow_the_params(tmp_path, monkeypatch):
    """What the old dvc.yaml got wrong: a team's own lines, a test split, eval.models."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.jsonl").write_text("")
    file = _project(tmp_path, data={"lines": "mine.jsonl"}, split={"test_size": 10},
                    eval={"models": ["base", "endpoint:gpt-4.1-mini"]})
    stages = dvc.render(file)["stages"]
    assert "import" not in stages  # the team's own lines: nothing to import
    assert "mine.jsonl" in stages["split"]["deps"]
    assert "data/splits/test.jsonl" in stages["validate"]["deps"]  # a test split is validated too
    assert all(s["cmd"].startswith(f"rft stages run {n} ") for n, s in stages.items())
    assert "eval" in stages["eval"]["params"]  # the models come from eval.models, not from dvc.yaml


def test_editing_a_grader_file_changes_the_keys_of_the_stages_that_grade(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "graders").mkdir()
    grader = tmp_path / "graders" / "g.json"
    grader.write_text(json.dumps({"type": "string_check", "name": "g", "input": "{{sample.output_text}}",
                                  "reference": "{{item.answer}}", "operation": "eq"}))
    (tmp_path / "conf").mkdir()
    file = _project(tmp_path / "conf", grader={"file": "../graders/g.json"})  # relative to the params file

    def keys():
        where = Where(load_params(file), tmp_path / "runs" / "r", file)
        return {s.name: stage_key(s, where) for s in (SPLIT, TRAIN, EVAL)}

    before = keys()
    assert load_params(file).graders.files == [tmp_path / "conf" / "../graders/g.json"]
    grader.write_text(grader.read_text().replace('"eq"', '"ilike"'))
    after = keys()
    assert after["train"] != before["train"] and after["eval"] != before["eval"]
    assert after["split"] == before["split"]  # splitting reads no grader


def test_a_key_moves_with_its_declared_params_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    file = _project(tmp_path)
    where = Where(load_params(file), tmp_path / "runs/r", file)
    changed = Where(load_params(file, ["train.seed=99"]), tmp_path / "runs/r", file)
    assert stage_key(TRAIN, where) != stage_key(TRAIN, changed)
    assert stage_key(SPLIT, where) == stage_key(SPLIT, changed)
    assert not VALIDATE.cached and all(STAGES[n].cached for n in ("import", "split", "train", "eval"))


LOWER = ("rft.data", "rft.graders", "rft.models")
HIGHER = ("rft.train", "rft.eval", "rft.registry", "rft.ablate", "rft.report", "rft.tracking", "rft.stages",
          "rft.cli")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n for n in names if n.startswith("rft.")}


def _modules():
    for path in sorted((ROOT / "rft").rglob("*.py")):
        yield ".".join(path.relative_to(ROOT).with_suffix("").parts), path


def _under(name: str, packages) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


@pytest.mark.parametrize("rule", ["lower layers import no stage or driver", "models import nothing above them",
                                  "train and eval do not reach into each other", "only drivers import drivers"])
def test_imports_point_one_way(rule):
    wrong = []
    for module, path in _modules():
        for target in _imports(path):
            settings = target.endswith(".config")  # every section's settings are one typed Params
            if rule.startswith("lower") and _under(module, LOWER) and _under(target, HIGHER) and not settings:
                wrong.append((module, target))
            if rule.startswith("models") and _under(module, ("rft.models",)) and \
                    _under(target, ("rft.data", "rft.graders")):
                wrong.append((module, target))
            if rule.startswith("train") and not settings and (
                    (_under(module, ("rft.train",)) and _under(target, ("rft.eval",))) or
                    (_under(module, ("rft.eval",)) and _under(target, ("rft.train",)))):
                wrong.append((module, target))
            if rule.startswith("only") and _under(target, ("rft.cli",)) and not _under(module, ("rft.cli", "rft.__main__")):
                wrong.append((module, target))
    assert not wrong, wrong


def test_the_run_folder_says_whether_training_is_fresh_resumable_or_finished(tmp_path):
    from rft.jsonl import write_json
    from rft.train import recovery

    run = tmp_path / "run"
    assert recovery.state(run) == "fresh"
    run.mkdir()
    write_json(run / "run.json", {})
    assert recovery.state(run) == "resumable"  # killed before its first checkpoint: starts again at step 0
    write_json(run / "summary.json", {"steps": 3, "total_steps": 9, "resumable": True, "interrupted": False})
    assert recovery.state(run) == "resumable"  # stopped by its time limit
    (run / "final").mkdir()
    write_json(run / "summary.json", {"steps": 9, "total_steps": 9, "resumable": False, "interrupted": False})
    assert recovery.state(run) == "finished"
    (run / "summary.json").unlink()
    assert recovery.state(run) == "finished"  # final/ is written only once a run is over (DVC removes summaries)


def test_rft_run_writes_nothing_git_tracks(monkeypatch):
    """Every output the demo's stages declare (and the run folder) is ignored by git, so `make run` leaves
    the tree clean and a report never says "uncommitted changes" because of the run itself."""
    import subprocess

    from rft.stages.pipeline import PIPELINE

    monkeypatch.chdir(ROOT)
    where = Where(load_params(Path("params.yaml")), Path("runs/pipeline"), Path("params.yaml"), model_name="NAME")
    paths = sorted({str(o.path) for s in PIPELINE for o in s.outputs(where)} | {"runs/pipeline/run.json",
                                                                                  "reports/eval/cases/tuned.jsonl"})
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *paths], capture_output=True, text=True,
                             check=False).stdout.split()
    assert sorted(ignored) == paths
