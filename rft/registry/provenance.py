"""Where a model came from: the git commit, and the data versions DVC recorded in dvc.lock."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git_commit(cwd: Path | None = None) -> dict:
    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], check=False, cwd=cwd, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def data_versions(lock: Path = Path("dvc.lock")) -> dict[str, str]:
    """{path: md5} for the data in dvc.lock: every stage's outputs and its non-code inputs."""
    if not lock.is_file():
        return {}
    from ruamel.yaml import YAML

    stages = (YAML(typ="safe", pure=True).load(lock.read_text(encoding="utf-8")) or {}).get("stages", {})
    versions = {}
    for stage in stages.values():
        for entry in (stage.get("deps") or []) + (stage.get("outs") or []):
            if entry.get("md5") and not entry["path"].endswith(".py"):
                versions[entry["path"]] = entry["md5"]
    return versions
