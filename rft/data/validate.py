"""Stage `validate`: run the expectation suites over split files and write the report."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path

from rft.config import ValidateConfig
from rft.data.audit import audit_lines, shortcut_audit
from rft.data.validation_frames import build_frames
from rft.jsonl import iter_numbered, write_json


@dataclass
class ValidationReport:
    success: bool
    files: dict[str, str]
    sizes: dict[str, int]
    checks: list  # CheckResult
    seconds: dict[str, float]
    audit: dict | None = None  # the shortcut audit, per split (flags, never failures)
    group_by: str = "group"

    def as_dict(self) -> dict:
        return {"success": self.success, "files": self.files, "sizes": self.sizes,
                "checks": [asdict(c) for c in self.checks], "seconds": self.seconds,
                "failed": [c.check for c in self.checks if not c.success], "shortcut_audit": self.audit}

    def lines(self) -> list[str]:
        out = [f"{'PASSED' if self.success else 'FAILED'}: {sum(c.success for c in self.checks)}"
               f"/{len(self.checks)} checks over " + ", ".join(f"{k} {v} lines" for k, v in self.sizes.items())]
        for c in self.checks:
            if c.success:
                continue
            out.append(f"  failed [{c.suite}/{c.split}] {c.check}: {c.failed_rows} of {c.rows} rows "
                       f"({c.expectation} on '{c.column}')")
            out += [f"    {e['where']}: {c.column} = {e['value']!r}" for e in c.examples]
        return out + audit_lines(self.audit, self.group_by)


def validate_files(files: dict[str, str | Path], cfg: ValidateConfig, group_by: str, link_by: list[str],
                   report_path: str | Path | None = None, docs_dir: str | Path | None = None) -> ValidationReport:
    """`files` maps split name (train, valid, test) to a JSONL path; unreadable lines raise."""
    started = time.perf_counter()
    splits = {name: [(f"{path}:{n}", line) for n, line in iter_numbered(path)] for name, path in files.items()}
    frames = build_frames(splits, id_field=cfg.id_field, group_by=group_by, link_by=link_by,
                          answer_field=cfg.answer_field, required=cfg.required, hpo_fields=cfg.hpo_fields)
    prepared = time.perf_counter()
    from rft.data.expectations import run_suites  # Great Expectations takes seconds to import

    imported = time.perf_counter()
    checks = run_suites(frames, required=cfg.required, answer_field=cfg.answer_field, group_by=group_by,
                        id_field=cfg.id_field, link_by=link_by, examples=cfg.examples,
                        docs_dir=Path(docs_dir) if docs_dir else None)
    done = time.perf_counter()
    audit = None
    if cfg.shortcut_audit is not None:
        a = cfg.shortcut_audit
        audit = shortcut_audit({name: [line for _, line in rows] for name, rows in splits.items()}, group_by,
                               cfg.answer_field, a.present, a.excluded, a.annotations)
    audited = time.perf_counter()
    report = ValidationReport(
        success=all(c.success for c in checks),
        files={k: str(v) for k, v in files.items()},
        sizes={k: len(v) for k, v in splits.items()},
        checks=checks,
        seconds={"read_and_prepare": round(prepared - started, 3), "gx_import": round(imported - prepared, 3),
                 "gx_run": round(done - imported, 3), "audit": round(audited - done, 3)},
        audit=audit, group_by=group_by,
    )
    if report_path:
        write_json(report_path, report.as_dict())
    return report
