"""Training progress: a bar with reward on a terminal, one line per step in logs."""

from __future__ import annotations

import sys
import time

from rft.progress import quiet


class StepProgress:
    def __init__(self, total: int, initial: int = 0):
        self.total, self.start_step = total, initial
        self.started = time.monotonic()
        self.quiet = quiet()
        self.bar = None
        if not self.quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=initial, desc="train", unit="step", dynamic_ncols=True)

    def update(self, step: int, reward: float, valid: float | None) -> None:
        if self.quiet:
            return
        postfix = f"reward {reward:.3f}" + (f" valid {valid:.3f}" if valid is not None else "")
        if self.bar is not None:
            self.bar.set_postfix_str(postfix)
            self.bar.update(step - self.bar.n)
            return
        done = max(1, step - self.start_step)
        left = (time.monotonic() - self.started) / done * (self.total - step)
        print(f"step {step}/{self.total}  {postfix}  time left {left / 60:.1f} min", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
