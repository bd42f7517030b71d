"""What every grader shares: timing, turning faults into flags, and batch grading."""

from __future__ import annotations

import time
from typing import ClassVar, NamedTuple

from rft.graders.result import GradeResult, GraderFault, fault_errors


class Scored(NamedTuple):
    """A reward with its parts, for graders that report more than one number."""

    reward: float
    sub_rewards: dict[str, float] | None = None
    scores: dict[str, float] | None = None
    token_usage: dict | None = None


class Grader:
    type: ClassVar[str]

    def __init__(self, config):
        self.config = config
        self.name: str = config.name

    def score(self, sample: dict, item: dict) -> float | Scored:
        """The reward; raise GraderFault for a fault the user should see as a flag."""
        raise NotImplementedError

    def grade(self, sample: dict, item: dict) -> GradeResult:
        started = time.perf_counter()
        try:
            out = self.score(sample, item)
        except GraderFault as fault:
            return GradeResult(0.0, self.name, self.type, time.perf_counter() - started, errors=fault_errors(fault))
        except Exception as err:  # noqa: BLE001 - a grader must never stop a training loop
            return GradeResult(0.0, self.name, self.type, time.perf_counter() - started,
                               errors={"other_error": True, "details": f"{type(err).__name__}: {err}"})
        elapsed = time.perf_counter() - started
        if isinstance(out, Scored):
            return GradeResult(out.reward, self.name, self.type, elapsed, dict(out.sub_rewards or {}),
                               dict(out.scores or {}), token_usage=out.token_usage)
        return GradeResult(float(out), self.name, self.type, elapsed)

    def grade_many(self, samples: list[dict], items: list[dict]) -> list[GradeResult]:
        """Override where graders gain from batching (sandboxed python, HTTP, models)."""
        return [self.grade(s, i) for s, i in zip(samples, items)]

    def close(self) -> None:
        """Release workers, connections or models."""
