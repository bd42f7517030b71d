"""A content hash of files, folders and settings: the cache key of a pipeline stage, so a stage whose
inputs did not change is not run again (an unchanged dataset is not re-imported)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def fingerprint(paths: list[str | Path], settings: object = None) -> str:
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    for path in map(Path, paths):
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
            if not file.exists():
                digest.update(b"<missing>")
                continue
            with file.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:32]
