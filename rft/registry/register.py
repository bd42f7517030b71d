"""`rft register`: a trained run's adapter, card and metrics into s3://BUCKET/PREFIX/NAME/vN/.

1. Check the run: an adapter trained on params' base model, and an evaluation that includes it.
2. The promotion gate (rft/registry/gate.py): a refused model uploads nothing.
3. Allocate vN with a conditional put of vN/.claim: of two registrations at once, one gets vN and
   the other moves on to vN+1.
4. Upload the files, then write vN/version.json last. Readers only see versions with that entry, so
   a registration that fails part-way leaves nothing visible (and its uploads are removed).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from rft.config import Params
from rft.errors import RftInputError, RftValidationFailed
from rft.eval.adapters import check_adapter
from rft.registry.card import model_card
from rft.registry.gate import GateResult, check_gate
from rft.registry.provenance import data_versions, git_commit
from rft.registry.s3 import Store

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
VERSION = re.compile(r"^v(\d+)$")
ENTRY = "version.json"
CLAIM = ".claim"


class GateRefused(RftValidationFailed):
    def __init__(self, gate: GateResult):
        super().__init__("\n".join(gate.lines()))
        self.gate = gate


@dataclass
class Registered:
    name: str
    version: int
    location: str
    entry: dict
    conflicts: int  # versions taken by someone else while allocating


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise RftInputError("--name", f"'{name}' is not a model name: use lower-case letters, digits, '.', '_', '-'"
                            " (at most 64)")
    return name


def allocate(store: Store, name: str) -> tuple[int, int]:
    """(version, conflicts): the next free number, claimed with a write-once object."""
    taken = [int(m.group(1)) for f in store.folders(store.key(name)) if (m := VERSION.match(f))]
    version, conflicts = max(taken, default=0) + 1, 0
    claim = json.dumps({"claimed": time.time()}).encode()
    while not store.create_once(store.key(name, f"v{version}", CLAIM), claim):
        version, conflicts = version + 1, conflicts + 1
    return version, conflicts


def _files(run_dir: Path, best: Path, metrics_path: Path) -> dict[str, Path]:
    files = {f"adapter/{p.relative_to(best).as_posix()}": p for p in sorted(best.rglob("*")) if p.is_file()}
    files["metrics.json"] = metrics_path
    for extra in ("run.json", "summary.json"):
        if (run_dir / extra).is_file():
            files[f"run/{extra}"] = run_dir / extra
    return files


def register(params: Params, run_dir: str | Path, name: str, metrics_path: str | Path | None = None,
             store: Store | None = None) -> Registered:
    run_dir, name = Path(run_dir), check_name(name)
    best = run_dir / "best"
    check_adapter(best, params.model.name_or_path)
    metrics_path = Path(metrics_path or Path(params.eval.out_dir) / "metrics.json")
    if not metrics_path.is_file():
        raise RftInputError(str(metrics_path), f"no evaluation found; run `rft eval -m base -m adapter:{best}` first")
    report = json.loads(metrics_path.read_text(encoding="utf-8"))
    gate = check_gate(report, run_dir, params.registry.gate, str(metrics_path))
    if not gate.passed:
        raise GateRefused(gate)
    run = json.loads((run_dir / "run.json").read_text()) if (run_dir / "run.json").is_file() else {}
    summary = json.loads((run_dir / "summary.json").read_text()) if (run_dir / "summary.json").is_file() else {}

    store = store or Store(params.registry)
    files = _files(run_dir, best, metrics_path)
    version, conflicts = allocate(store, name)
    folder = store.key(name, f"v{version}")
    entry = {
        "name": name, "version": version, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "location": f"s3://{store.bucket}/{folder}/", "base_model": params.model.name_or_path,
        "run_name": run.get("run_name", run_dir.name), "best_step": summary.get("best_step"),
        "gate": {"metric": gate.metric, "tuned": gate.tuned, "base": gate.base, "baseline": gate.baseline,
                 "min_gain": params.registry.gate.min_gain, "use_interval": params.registry.gate.use_interval,
                 "gain_interval": gate.gain_interval, "baseline_interval": gate.baseline_interval},
        "metrics": report["models"][gate.tuned_label]["metrics"], "split": report.get("split"),
        "prompt_mode": report.get("prompt_mode"), "git": git_commit(), "data_versions": data_versions(),
        "files": {key: {"sha256": sha256(path), "size": path.stat().st_size} for key, path in files.items()},
    }
    card = model_card(entry, report, run, gate.lines()).encode()
    entry["files"]["README.md"] = {"sha256": hashlib.sha256(card).hexdigest(), "size": len(card)}
    written = [store.key(name, f"v{version}", CLAIM)]
    try:
        for key, path in files.items():
            written.append(f"{folder}/{key}")
            store.upload(path, f"{folder}/{key}")
        written.append(f"{folder}/README.md")
        store.put(f"{folder}/README.md", card, "text/markdown")
        if not store.create_once(f"{folder}/{ENTRY}", json.dumps(entry, indent=2).encode()):
            raise RftInputError(entry["location"], "a version entry appeared under our claim; refusing to overwrite")
    except BaseException:
        try:  # the version is invisible without its entry; removing the uploads is only tidiness
            store.delete(written)
        except RftInputError:
            pass
        raise
    return Registered(name, version, entry["location"], entry, conflicts)
