"""Stage `split` for OpenAI's two files: a training and a validation file the user already split.

They are taken as they are, line for line; only a line without an id gets one, made from its content
(so the same line has the same id on every run), because validation, evaluation records and the
report name cases by id. Written atomically, beside a split.json like a split of our own.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import ExitStack
from pathlib import Path

from rft.fingerprint import fingerprint
from rft.jsonl import atomic_open, iter_numbered

GIVEN = ("train", "valid")


def content_id(line: dict) -> str:
    """A stable id from what the line says (its keys sorted), the same on every machine."""
    text = json.dumps(line, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "line-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def given_key(files: dict[str, str | Path], id_field: str) -> str:
    return fingerprint(list(files.values()), {"given": True, "id_field": id_field})


def take_given_files(out_dir: str | Path, files: dict[str, str | Path], id_field: str) -> dict:
    """Copy `files` (train, valid) into out_dir as train.jsonl and valid.jsonl; returns the summary."""
    out_dir = Path(out_dir)
    summary: dict = {"sizes": {}, "ids_added": {}, "given": {k: str(v) for k, v in files.items()}}
    rows: dict[str, list[dict]] = {}
    for name in GIVEN:
        added, kept = 0, []
        for _, line in iter_numbered(files[name], required=("messages",)):
            if line.get(id_field) in (None, ""):
                line = {id_field: content_id(line), **line}
                added += 1
            kept.append(line)
        rows[name] = kept
        summary["sizes"][name] = len(kept)
        summary["ids_added"][name] = added
    with ExitStack() as stack:  # renamed into place together, once every file was written
        for name, kept in rows.items():
            fh = stack.enter_context(atomic_open(out_dir / f"{name}.jsonl"))
            for line in kept:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        fh = stack.enter_context(atomic_open(out_dir / "split.json"))
        json.dump({"source": summary["given"], "group_by": None, "key": given_key(files, id_field), **summary},
                  fh, indent=2)
    (out_dir / "test.jsonl").unlink(missing_ok=True)
    return summary
