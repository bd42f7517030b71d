"""Reading JSONL with errors that name file, line and field; writing it atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from rft.errors import RftInputError


def read_jsonl(path: str | Path, required: Iterable[str] = ()) -> list[dict]:
    """All objects of a JSONL file; blank lines are allowed, anything else must be an object."""
    return [obj for _, obj in iter_numbered(path, required)]


def iter_numbered(path: str | Path, required: Iterable[str] = ()) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line, so later checks can name the line."""
    path = Path(path)
    required = tuple(required)
    if not path.is_file():
        raise RftInputError(str(path), "file not found")
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise RftInputError(str(path), f"not UTF-8 ({err.reason} at byte {err.start})", line=number)
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as err:
                raise RftInputError(str(path), f"invalid JSON: {err.msg} at column {err.colno}", line=number)
            if not isinstance(obj, dict):
                raise RftInputError(str(path), f"expected a JSON object, got {type(obj).__name__}", line=number)
            for field in required:
                if field not in obj:
                    raise RftInputError(str(path), "required field is missing", line=number, field=field)
            yield number, obj


@contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[IO]:
    """Write to a temporary file beside `path` and rename it into place only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Fill a temporary folder beside `target`; on success it replaces `target` with two renames (the
    old one set aside, then removed), so readers never see a half-written folder. On failure the
    temporary folder is removed and `target` is left as it was."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    old = target.with_name(f".{target.name}-old-{tmp.name}")
    try:
        yield tmp
        if target.exists():
            target.rename(old)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not target.exists():
            old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_jsonl(path: str | Path, rows: Iterable[dict]) -> int:
    count = 0
    with atomic_open(path) as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_json(path: str | Path, obj: object) -> None:
    with atomic_open(path) as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False, default=str)
        fh.write("\n")
