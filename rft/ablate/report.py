"""What `rft ablate` leaves in its folder, besides each variant's run and each seed's evaluation:

  ablation.json  every run's status, the held-out metric per variant and seed, the paired differences
  table.md       the same as tables
  chart.png      the held-out metric per variant: each seed with its 95% interval, the mean marked
  curve.png      validation reward over GRPO steps, per GRPO variant and seed
"""

from __future__ import annotations

from pathlib import Path
from statistics import fmean

from rft.eval.table import Table, cell, interval_note
from rft.jsonl import atomic_open, write_json
from rft.train.events import read_events, reward_curve


def pick_metric(reports: dict[int, dict], wanted: str | None) -> str:
    names = next((e["metric_names"] for r in reports.values() for e in r["models"].values()), [])
    if wanted:
        return wanted
    return "top@1" if "top@1" in names else "reward_mean"


def _per_variant(summary: dict, reports: dict[int, dict], metric: str) -> dict:
    out = {}
    for name in summary["variants"]:
        runs = {int(s): next(r for r in rs if r["variant"] == name) for s, rs in summary["runs"].items()}
        values = {s: reports[s]["models"][name]["metrics"][metric] for s in runs
                  if s in reports and name in reports[s]["models"]}
        out[name] = {"runs": runs, "values": values,
                     "mean": fmean(v["value"] for v in values.values()) if values else None}
    return out


def _paired(reports: dict[int, dict], metric: str) -> dict[tuple[str, str], dict]:
    pairs: dict[tuple[str, str], dict] = {}
    for seed, report in reports.items():
        for c in report.get("comparisons", []):
            entry = pairs.setdefault((c["a"], c["b"]), {"per_seed": {}})
            entry["per_seed"][seed] = {**c["metrics"][metric], "fixes": c["fixes"].get(metric),
                                       "breaks": c["breaks"].get(metric)}
    for entry in pairs.values():
        entry["mean"] = fmean(v["value"] for v in entry["per_seed"].values())
    return pairs


def _curves(summary: dict) -> dict[str, list[dict]]:
    """'variant, seed S' -> [{step, valid_reward, train_reward}] from each GRPO run's events."""
    out = {}
    for seed, runs in summary["runs"].items():
        for run in runs:
            events = Path(run["folder"]) / "events.jsonl"
            if run["status"] in ("done", "reused") and run["variant"] in ("grpo", "sft+grpo") and events.is_file():
                out[f"{run['variant']}, seed {seed}"] = reward_curve(read_events(events))
    return out


def _status(run: dict) -> str:
    if run["status"] in ("failed", "refused"):
        return f"{run['status']}: {run['reason']}"
    if run["status"] == "untrained":
        return "no training"
    steps = f"{run['steps']} GRPO steps, " if run.get("steps") else ""
    took = f"{run['seconds']:.0f} s" if run.get("seconds") is not None else ""
    return f"{run['status']} ({steps}{took})" + (f"; stopped: {run['reason']}" if run.get("reason") else "")


def tables(summary: dict, first: dict) -> list[Table]:
    metric, seeds = summary["metric"], summary["seeds"]
    rows = []
    for name, v in summary["per_variant"].items():
        values = [cell(metric, v["values"][s]) if s in v["values"] else "–" for s in seeds]
        mean = cell(metric, {"value": v["mean"], "lo": min(x["value"] for x in v["values"].values()),
                             "hi": max(x["value"] for x in v["values"].values())}) if v["values"] else "–"
        rows.append([name, *values, *([mean] if len(seeds) > 1 else []),
                     "; ".join(dict.fromkeys(_status(v["runs"][s]) for s in seeds))])
    head = ["variant", *(f"seed {s}" for s in seeds), *(["mean (range over seeds)"] if len(seeds) > 1 else []),
            "training"]
    where = f"`{summary['split']}` ({first['cases']} cases)" + (f"; {summary['note']}" if summary.get("note") else "")
    out = [Table(f"{metric} on the held-out {where}; {interval_note(first)}.", head, rows)]
    paired = []
    for (a, b), p in summary["paired"].items():
        per_seed = []
        for s in seeds:
            d = p["per_seed"].get(s)
            if d is None:
                per_seed.append("–")
                continue
            flips = f"; fixes {d['fixes']:.0f} / breaks {d['breaks']:.0f}" if d.get("fixes") is not None else ""
            per_seed.append(cell(metric, d, signed=True) + flips)
        paired.append([f"{a} − {b}", *per_seed, *([f"{100 * p['mean']:+.1f}" if metric.startswith(("top@", "parse"))
                                                 else f"{p['mean']:+.3f}"] if len(seeds) > 1 else [])])
    if paired:
        out.append(Table(f"Paired differences in {metric} on the same cases (A − B, paired 95% intervals):",
                         ["A − B", *(f"seed {s}" for s in seeds), *(["mean"] if len(seeds) > 1 else [])], paired))
    return out


def write_ablation(summary: dict, reports: dict[int, dict], out: Path, wanted_metric: str | None) -> dict:
    from rft.ablate.chart import draw_curves, draw_variants

    metric = pick_metric(reports, wanted_metric)
    summary = {**summary, "metric": metric, "per_variant": _per_variant(summary, reports, metric)}
    summary["paired"] = _paired(reports, metric)
    first = next(iter(reports.values()), {"cases": 0})
    summary["interval"] = first.get("interval")
    found = tables(summary, first)
    markdown = "\n\n".join(f"{t.title}\n\n{t.markdown()}" for t in found) + "\n"
    with atomic_open(out / "table.md") as fh:
        fh.write(markdown)
    draw_variants(summary, out / "chart.png")
    draw_curves(_curves(summary), out / "curve.png")
    saved = {**summary, "paired": [{"a": a, "b": b, **p} for (a, b), p in summary["paired"].items()],
             "per_variant": {n: {**v, "runs": list(v["runs"].values())} for n, v in summary["per_variant"].items()}}
    write_json(out / "ablation.json", saved)
    return {**saved, "table": markdown}
