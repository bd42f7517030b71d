"""Everything `rft eval` leaves behind, written to a temporary folder and swapped in whole:

  metrics.json      every model's metrics and intervals (DVC metrics)
  table.md          the comparison table
  chart.png         top@k per model with error bars
  topk.csv          the chart's data (DVC plots)
  cases/LABEL.jsonl per case: id, right answer, ranked list, its rank, reward, tokens, raw answer
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from pathlib import Path

from rft.eval.chart import draw_chart
from rft.eval.table import markdown_table
from rft.jsonl import write_json, write_jsonl


def safe_name(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_") or "model"


def write_report(report: dict, cases: dict[str, list[dict]], out_dir: str | Path) -> Path:
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        (tmp / "cases").mkdir()
        for label, records in cases.items():
            write_jsonl(tmp / "cases" / f"{safe_name(label)}.jsonl", records)
        write_json(tmp / "metrics.json", report)
        (tmp / "table.md").write_text(markdown_table(report), encoding="utf-8")
        draw_chart(report, tmp / "chart.png")
        with (tmp / "topk.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["model", "metric", "label", "value", "lo", "hi"])
            for label, entry in report["models"].items():
                for name, m in entry["metrics"].items():
                    if name.startswith("top@"):
                        writer.writerow([label, name, f"{name} {label}", round(m["value"], 4), round(m["lo"], 4),
                                         round(m["hi"], 4)])
        _swap(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def _swap(new: Path, target: Path) -> None:
    """Replace `target` by `new` with two renames, so readers never see a half-written report."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{new.name}")
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
