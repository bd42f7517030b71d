"""Evaluation results in W&B: the comparison table, the chart and the headline metrics as summary.

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
        if (out_dir / "chart.png").is_file():
            run.log({"eval/chart": wandb.Image(str(out_dir / "chart.png"))})
        for label, entry in report["models"].items():
            for n in names:
                run.summary[f"eval/{label}/{n}"] = entry["metrics"][n]["value"]
    finally:
        run.finish()
