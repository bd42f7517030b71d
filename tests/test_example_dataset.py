"""The worked example of bringing your own dataset and grader (examples/unit-conversion): a task that
is not about genes, split by its own key, validated, graded, and evaluated with the real default model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rft.config import load_params
from rft.jsonl import read_jsonl

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "unit-conversion"


@pytest.fixture
def project(tmp_path, monkeypatch):
    shutil.copytree(EXAMPLE, tmp_path / "examples" / "unit-conversion")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_example_params_parse_with_their_grader():
    params = load_params(EXAMPLE / "params.yaml")
    assert params.data.lines and params.eval.answer is None and params.split.group_by == "kind"


def test_example_splits_by_kind_validates_and_grades(project, cli):
    params = "examples/unit-conversion/params.yaml"
    code, out, err = cli("data", "split", "--params", params)
    assert code == 0, err
    train = read_jsonl(project / "runs/unit-conversion-data/train.jsonl")
    valid = read_jsonl(project / "runs/unit-conversion-data/valid.jsonl")
    assert len(valid) == 30 and len(train) == 90
    assert not {r["kind"] for r in train} & {r["kind"] for r in valid}  # whole kinds held out
    code, out, err = cli("data", "validate", "--train", "runs/unit-conversion-data/train.jsonl", "--valid",
                         "runs/unit-conversion-data/valid.jsonl", "--params", params)
    assert code == 0, out + err
    assert "PASSED" in out
    item = json.dumps({"answer": "120"})
    for sample, reward in (('{"answer": 120}', 1.0), ("It is 120 minutes.", 0.5), ("About 100.", 0.0)):
        code, out, err = cli("grader", "run", "examples/unit-conversion/grader.json", "--sample", sample,
                             "--item", item)
        assert code == 0, err
        assert json.loads(out)["reward"] == reward, sample


@pytest.mark.slow
def test_example_evaluates_the_real_default_model(project, cli):
    params = "examples/unit-conversion/params.yaml"
    assert cli("data", "split", "--params", params)[0] == 0
    code, out, err = cli("eval", "--params", params, "--set", "eval.max_cases=3")
    assert code == 0, err
    report = json.loads((project / "runs/unit-conversion-eval/metrics.json").read_text())
    assert report["models"]["base"]["metric_names"] == ["reward_mean", "completion_tokens_mean"]
    assert report["split"] == "runs/unit-conversion-data/valid.jsonl" and report["cases"] == 3
    cases = read_jsonl(project / "runs/unit-conversion-eval/cases/base.jsonl")
    assert cases[0]["case_id"].startswith(("hours-", "minutes-", "km-", "kg-", "weeks-", "dozens-", "feet-", "days-"))
    assert "| base |" in out
