"""`dvc repro validate` on a fresh copy of the repository: real DVC, real data, real GX."""

from __future__ import annotations

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


@pytest.mark.slow
def test_dvc_repro_validate_on_a_fresh_clone(tmp_path):
    repo = _fresh_clone(tmp_path / "clone")
    assert not (repo / "data/cases.jsonl").exists()
    run = subprocess.run([DVC, "repro", "validate"], cwd=repo, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "wrote 8787 cases over 612 genes" in run.stdout
    train = read_jsonl(repo / "data/splits/train.jsonl")
    valid = read_jsonl(repo / "data/splits/valid.jsonl")
    assert not {r["correct_gene"] for r in train} & {r["correct_gene"] for r in valid}
    assert "PASSED" in run.stdout
    status = subprocess.run([DVC, "status"], cwd=repo, capture_output=True, text=True, check=True)
    assert "up to date" in status.stdout
    # reproducible: a fresh run gives byte-identical data to the run recorded in the committed dvc.lock
    fresh, committed = _lock(repo), _lock(ROOT)
    for stage in ("import", "split"):
        assert fresh[stage]["outs"] == committed[stage]["outs"], stage


def _lock(repo: Path) -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load((repo / "dvc.lock").read_text())["stages"]
