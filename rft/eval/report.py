"""Everything `rft eval` leaves behind, written to a temporary folder and swapped in whole (atomic_dir):

  metrics.json      every model's metrics and intervals (DVC metrics)
  table.md          the comparison table
  chart.png         top@k per model with error bars
  paired.png        A - B for each pair of models, with paired intervals
  topk.csv          the chart's data (DVC plots)
  cases/LABEL.jsonl per case: id, right answer, ranked list, its rank, reward, tokens, raw answer
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from rft.eval.chart import draw_chart, draw_paired
from rft.eval.table import markdown_table
from rft.jsonl import atomic_dir, write_json, write_jsonl


def safe_name(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_") or "model"


def write_report(report: dict, cases: dict[str, list[dict]], out_dir: str | Path) -> Path:
    with atomic_dir(out_dir) as tmp:
        (tmp / "cases").mkdir()
        for label, records in cases.items():
            write_jsonl(tmp / "cases" / f"{safe_name(label)}.jsonl", records)
        write_json(tmp / "metrics.json", report)
        (tmp / "table.md").write_text(markdown_table(report), encoding="utf-8")
        draw_chart(report, tmp / "chart.png")
        draw_paired(report, tmp / "paired.png")
        with (tmp / "topk.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["model", "metric", "label", "value", "lo", "hi"])
            for label, entry in report["models"].items():
                for name, m in entry["metrics"].items():
                    if name.startswith("top@"):
                        writer.writerow([label, name, f"{name} {label}", round(m["value"], 4), round(m["lo"], 4),
                                         round(m["hi"], 4)])
    return Path(out_dir)
