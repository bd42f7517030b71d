"""TRL's GRPOTrainer, timed: how long each step spends generating and grading."""

from __future__ import annotations

import time

from trl import GRPOTrainer


class TimedGRPOTrainer(GRPOTrainer):
    """Adds `step_timings[step] = seconds in _generate_and_score_completions` (sampling + grading)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.step_timings: dict[int, float] = {}

    def _generate_and_score_completions(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return super()._generate_and_score_completions(*args, **kwargs)
        finally:
            step = self.state.global_step + 1
            self.step_timings[step] = self.step_timings.get(step, 0.0) + time.perf_counter() - started
