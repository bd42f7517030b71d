"""Evaluation results in W&B: the comparison table, the paired differences, the charts and the
headline metrics (micro and macro, with intervals) as summary.

A run of its own (job_type "eval"), offline by default like training; a no-op with tracking off.
"""

from __future__ import annotations

from pathlib import Path


def log_evaluation(report: dict, out_dir: Path, tracking, run_name: str | None = None) -> None:
    if not tracking.wandb:
        return
    import os

    import wandb

    os.environ.setdefault("WANDB_DIR", str(out_dir.parent))
    run = wandb.init(project=tracking.project, entity=tracking.entity, name=run_name or tracking.run_name,
                     job_type="eval", tags=tracking.tags, reinit="finish_previous",
                     config={"split": report["split"], "cases": report["cases"], "prompt_mode": report["prompt_mode"],
                             "base_model": report["base_model"]})
    try:
        names = next(iter(report["models"].values()))["metric_names"]
        rows = [[label] + [entry["metrics"][n]["value"] for n in names] + [entry["spec"]]
                for label, entry in report["models"].items()]
        run.log({"eval/comparison": wandb.Table(columns=["model", *names, "spec"], data=rows)})
        pairs = report.get("comparisons") or []
        if pairs:
            flips = list(pairs[0]["fixes"])
            run.log({"eval/paired": wandb.Table(
                columns=["a", "b", *(f"{n}_{x}" for n in names for x in ("diff", "lo", "hi")),
                         *(f"{n}_{x}" for n in flips for x in ("fixes", "breaks"))],
                data=[[c["a"], c["b"], *(c["metrics"][n][x] for n in names for x in ("value", "lo", "hi")),
                       *(c[x][n] for n in flips for x in ("fixes", "breaks"))] for c in pairs])})
        for image in ("chart", "paired"):
            if (out_dir / f"{image}.png").is_file():
                run.log({f"eval/{image}": wandb.Image(str(out_dir / f"{image}.png"))})
        for label, entry in report["models"].items():
            for n in names:
                for key in ("value", "lo", "hi", "macro"):
                    run.summary[f"eval/{label}/{n}" + ("" if key == "value" else f"/{key}")] = entry["metrics"][n][key]
        for c in pairs:
            for n in names:
                for key in ("value", "lo", "hi"):
                    run.summary[f"eval/{c['a']} - {c['b']}/{n}" + ("" if key == "value" else f"/{key}")] = \
                        c["metrics"][n][key]
    finally:
        run.finish()
