"""`dvc repro` on a fresh copy of the repository: real DVC, real data, real GX, the real default model
(the smoke profile), and `dvc push` / `dvc pull` against a real S3 server (SeaweedFS on 127.0.0.1)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rft.jsonl import read_jsonl

ROOT = Path(__file__).resolve().parents[1]
DVC = str(Path(sys.executable).parent / "dvc")


def _fresh_clone(dest: Path) -> Path:
    """The files a `git clone` would give: tracked and not-ignored ones, in a new git repository."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    return dest


def _dvc(repo: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    run = subprocess.run([DVC, *args], cwd=repo, capture_output=True, text=True, timeout=timeout, check=False)
    assert run.returncode == 0, f"dvc {' '.join(args)}:\n{run.stdout}\n{run.stderr}"
    return run


@pytest.mark.slow
def test_dvc_repro_runs_the_whole_pipeline_and_pushes_to_s3(tmp_path, s3_env):
    repo = _fresh_clone(tmp_path / "clone")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "clone"], cwd=repo, check=True)
    assert not (repo / "data/cases.jsonl").exists()
    run = _dvc(repo, "repro")
    for stage in ("import", "split", "validate", "train", "eval", "report"):
        assert f"Running stage '{stage}'" in run.stdout
    assert "wrote 8787 cases over 612 genes" in run.stdout and "PASSED" in run.stdout
    train = read_jsonl(repo / "data/splits/train.jsonl")
    valid = read_jsonl(repo / "data/splits/valid.jsonl")
    assert not {r["correct_gene"] for r in train} & {r["correct_gene"] for r in valid}
    # reproducible: a fresh run gives byte-identical data to the run recorded in the committed dvc.lock
    fresh, committed = _lock(repo), _lock(ROOT)
    for stage in ("import", "split"):
        assert fresh[stage]["outs"] == committed[stage]["outs"], stage
    assert (repo / "runs/dvc/best/adapter_model.safetensors").is_file()
    metrics = json.loads((repo / "reports/eval/metrics.json").read_text())
    # eval.models, then the run's adapter as `tuned`; 8 cases under the smoke profile
    assert list(metrics["models"]) == ["base", "baseline", "tuned"] and metrics["cases"] == 8
    # What the smoke run shows: its short warm-up teaches the answer's format (parse errors fall), not genes.
    parse_errors = {m: metrics["models"][m]["metrics"]["parse_error_rate"]["value"] for m in ("base", "tuned")}
    assert parse_errors["base"] >= 0.75 and parse_errors["tuned"] <= 0.25, parse_errors
    shown = _dvc(repo, "metrics", "show", "--json").stdout
    assert "models.tuned.metrics" in shown or '"top@1"' in shown
    _dvc(repo, "plots", "show", "-o", str(tmp_path / "plots"))
    page = (tmp_path / "plots" / "index.html").read_text()
    assert "cdn.jsdelivr" not in page and "vegaEmbed" in page
    assert "top@k on the validation split" in page and "reward per step" in page

    _dvc(repo, "remote", "add", "-d", "store", "s3://dvc-store/rft")
    _dvc(repo, "remote", "modify", "store", "endpointurl", s3_env.url)
    assert "pushed" in _dvc(repo, "push").stdout
    assert s3_env.keys("dvc-store", "rft/")
    for path in ("data/splits", "runs/dvc/best", ".dvc/cache"):
        shutil.rmtree(repo / path)
    (repo / "data/cases.jsonl").unlink()
    _dvc(repo, "pull")
    assert (repo / "runs/dvc/best/adapter_model.safetensors").is_file()
    assert "up to date" in _dvc(repo, "status").stdout

    # dvc exp run -S writes 2e-05, which PyYAML would read as a string; our params loader reads a float.
    _dvc(repo, "exp", "run", "validate", "-S", "train.warmup.learning_rate=0.00002")
    from rft.config import load_params

    # (read without the smoke profile, which sets its own warm-up learning rate over the file's)
    assert load_params(repo / "params.yaml", apply_profile=False).train.warmup.learning_rate == pytest.approx(2e-5)


def _lock(repo: Path) -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load((repo / "dvc.lock").read_text())["stages"]
