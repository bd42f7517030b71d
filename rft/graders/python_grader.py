"""`python`: the user's `grade(sample, item) -> float`, run in the sandbox pool."""

from __future__ import annotations

from rft.graders.base import Grader
from rft.graders.result import GradeResult, GraderFault, fault_errors
from rft.graders.sandbox import SandboxLimits, SandboxPool


class PythonGrader(Grader):
    type = "python"

    def __init__(self, config, limits: SandboxLimits | None = None, workers: int | None = None):
        super().__init__(config)
        self.pool = SandboxPool(config.source, limits, workers)

    def grade(self, sample: dict, item: dict) -> GradeResult:
        return self.grade_many([sample], [item])[0]

    def grade_many(self, samples: list[dict], items: list[dict]) -> list[GradeResult]:
        results = []
        for outcome in self.pool.run(list(zip(samples, items))):
            if outcome.flag is None:
                results.append(GradeResult(outcome.reward, self.name, self.type, outcome.seconds))
            else:
                errors = fault_errors(GraderFault(outcome.flag, outcome.details))
                results.append(GradeResult(0.0, self.name, self.type, outcome.seconds, errors=errors))
        return results

    def close(self) -> None:
        self.pool.close()
