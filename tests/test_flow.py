"""The Prefect flow end to end under `prefect_test_harness`: real data, the real default model (smoke
profile, shrunk further), the real S3 server; caching, failure states and artifacts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from s3_server import free_port

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # flows/ is a folder of the project, not of the installed package

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A working folder with a params file whose data and reports live in it."""
    params = {
        "profile": None,  # the smoke profile's settings would win over these; the flow, not training, is tested
        "data": {"source": str(ROOT / "data/phenopacket-store-dev.tar.gz"), "cases": str(tmp_path / "data/cases.jsonl")},
        "split": {"out_dir": str(tmp_path / "data/splits")},
        "validate": {"report": str(tmp_path / "reports/validation.json"), "data_docs": None},
        "train": {"max_steps": 1, "max_valid_cases": 1, "hyperparameters": {"batch_size": 1, "eval_interval": 1},
                  "grpo": {"num_generations": 2, "max_completion_length": 8}},
        "eval": {"out_dir": str(tmp_path / "reports/eval"), "max_cases": 2, "max_new_tokens": 8, "bootstrap": 50},
        "registry": {"retries": 0, "timeout_s": 2, "gate": {"min_gain": 0.0}},
        "tracking": {"wandb": False},
    }
    (tmp_path / "params.yaml").write_text(json.dumps(params))  # JSON is YAML
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _mtimes(*paths: Path) -> list[int]:
    return [p.stat().st_mtime_ns for p in paths]


def test_flow_fails_at_register_keeps_earlier_outputs_then_resumes_from_cache(harness, project, s3_env, monkeypatch):
    from prefect.artifacts import Artifact

    from flows import rft_pipeline as pipeline

    # Retries stay on, without their production back-off (5 s, 30 s).
    monkeypatch.setattr(pipeline, "RETRY_DELAYS", [0, 0, 0])
    dead = [f"registry.endpoint_url=http://127.0.0.1:{free_port()}"]
    state = pipeline.rft_pipeline(overrides=dead, model_name="flow-model", return_state=True)
    assert state.is_failed()
    assert "cannot reach S3" in str(state.result(raise_on_failure=False))
    outputs = [project / "data/cases.jsonl", project / "data/splits/valid.jsonl",
               project / "runs/pipeline/best/adapter_model.safetensors", project / "reports/eval/metrics.json"]
    assert all(p.exists() for p in outputs)  # earlier stages' outputs stay in place
    before = _mtimes(*outputs)
    events = (project / "runs/pipeline/events.jsonl").read_text()

    state = pipeline.rft_pipeline(overrides=[f"registry.endpoint_url={s3_env.url}"], model_name="flow-model",
                                  return_state=True)
    assert state.is_completed(), state.message
    done = state.result()
    assert done["register"]["registered"] and done["register"]["version"] == 1
    # The flow's last task wrote the stakeholder report, leading with the verdict.
    assert list(done)[-3:] == ["report", "profile", "eval_dir"] and done["report"]["report"] == "reports/report.html"
    assert "id='verdict'" in (project / "reports/report.html").read_text()
    # Import, split, training and evaluation came from the cache: nothing was rewritten or repeated.
    assert _mtimes(*outputs) == before
    assert (project / "runs/pipeline/events.jsonl").read_text() == events
    assert "| tuned |" in Artifact.get("eval-comparison").data
    assert "s3://rft-models/models/flow-model/v1/README.md" in Artifact.get("model-card").data
    assert "group_overlap" in Artifact.get("validation").data or "| check |" in Artifact.get("validation").data


def test_a_failed_expectation_fails_the_flow_with_the_reason(harness, project):
    from flows import rft_pipeline as pipeline

    state = pipeline.rft_pipeline(overrides=["validate.required.ward=str"], until="validate", return_state=True)
    assert state.is_failed()
    reason = str(state.result(raise_on_failure=False))
    assert "FAILED" in reason and "ward" in reason
    assert (project / "data/splits/train.jsonl").exists()


def test_the_ablation_flow_splits_validates_and_compares_the_variants(harness, tmp_path, monkeypatch):
    """The ablation as a flow on the CPU example, shrunk to the base model and a tiny warm-up."""
    import shutil

    from prefect.artifacts import Artifact

    from flows import rft_ablate

    shutil.copytree(ROOT / "examples/price-lookup", tmp_path / "examples/price-lookup")
    monkeypatch.chdir(tmp_path)
    tiny = ["ablate.variants=[base, sft]", "train.warmup.epochs=0.01", "eval.max_cases=4", "eval.max_new_tokens=4",
            "eval.bootstrap=50"]
    done = rft_ablate.rft_ablate(params_file="examples/price-lookup/params.yaml", overrides=tiny)
    assert [r["status"] for r in done["runs"]["13"]] == ["untrained", "done"]
    assert (tmp_path / "runs/price-lookup-data/validation.json").is_file()  # validated before training
    assert "sft − base" in Artifact.get("ablation").data
    assert (tmp_path / "runs/price-lookup-ablate/chart.png").is_file()
