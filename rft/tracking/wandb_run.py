"""The W&B reward dashboard: one run per training, offline by default (WANDB_MODE), `wandb sync` later.

Nothing here is needed for training to work: with tracking off or WANDB_MODE=disabled every call
is a no-op.
"""

from __future__ import annotations

from pathlib import Path


class Tracker:
    def __init__(self, enabled: bool, project: str, run_name: str, config: dict, run_dir: Path,
                 entity: str | None = None, tags: list[str] | None = None):
        self.run = None
        if not enabled:
            return
        import os

        import wandb

        os.environ.setdefault("WANDB_DIR", str(run_dir))
        self.wandb = wandb
        self.run = wandb.init(project=project, entity=entity, name=run_name, config=config, tags=tags or [],
                              dir=str(run_dir), job_type="train", reinit="finish_previous")
        self.run.define_metric("train/global_step")
        for prefix in ("train/*", "valid/*", "timing/*"):
            self.run.define_metric(prefix, step_metric="train/global_step")

    @property
    def active(self) -> bool:
        return self.run is not None

    def log(self, step: int, scalars: dict) -> None:
        if self.run is not None:
            self.run.log({"train/global_step": step, **scalars})

    def table(self, key: str, rows: list[dict], step: int) -> None:
        if self.run is not None and rows:
            columns = list(rows[0])
            self.run.log({"train/global_step": step,
                          key: self.wandb.Table(columns=columns, data=[[r.get(c) for c in columns] for r in rows])})

    def finish(self) -> None:
        if self.run is not None:
            self.run.finish()
            self.run = None
