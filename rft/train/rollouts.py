"""Every rollout (prompt, completion, reward, grader sub-scores, step) to parquet.

Each step writes its own part file (atomically), so an interrupted run keeps every finished step;
`rollouts.parquet` is the parts joined, rebuilt at the end of training.
"""

from __future__ import annotations

from pathlib import Path

from rft.jsonl import atomic_open


class RolloutStore:
    def __init__(self, run_dir: Path):
        self.parts = Path(run_dir) / "rollouts"
        self.merged = Path(run_dir) / "rollouts.parquet"

    def write(self, step: int, split: str, rows: list[dict]) -> None:
        if not rows:
            return
        import pandas as pd

        self.parts.mkdir(parents=True, exist_ok=True)
        with atomic_open(self.parts / f"{split}-{step:06d}.parquet", "wb") as fh:
            pd.DataFrame(rows).to_parquet(fh, index=False)

    def merge(self) -> Path | None:
        import pandas as pd

        files = sorted(self.parts.glob("*.parquet")) if self.parts.exists() else []
        if not files:
            return None
        frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        frame = frame.sort_values(["step", "split"], kind="stable").reset_index(drop=True)
        with atomic_open(self.merged, "wb") as fh:
            frame.to_parquet(fh, index=False)
        return self.merged
