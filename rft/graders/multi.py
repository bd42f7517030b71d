"""`multi`: named graders combined by a `calculate_output` formula; each one's reward is reported."""

from __future__ import annotations

from rft.graders.base import Grader
from rft.graders.formula import Formula, FormulaError, FormulaEvalError
from rft.graders.result import GradeResult


class MultiGrader(Grader):
    type = "multi"

    def __init__(self, config, children: dict[str, Grader]):
        super().__init__(config)
        self.children = children
        try:
            self.formula = Formula(config.calculate_output, set(children))
        except FormulaError as err:  # validated already; kept for configs built in code
            raise ValueError(str(err)) from err

    def combine(self, parts: dict[str, GradeResult]) -> GradeResult:
        rewards = {key: part.reward for key, part in parts.items()}
        errors: dict[str, object] = {}
        for part in parts.values():
            errors.update({k: v for k, v in (part.errors or {}).items() if v})
        seconds = sum(p.execution_time for p in parts.values())
        scores = {f"{key}.{name}": v for key, p in parts.items() for name, v in p.scores.items()}
        try:
            reward = self.formula(rewards)
        except FormulaEvalError as err:
            reward, errors = 0.0, {**errors, "other_error": True, "details": str(err)}
        return GradeResult(reward, self.name, self.type, seconds, rewards, scores, errors or None)

    def grade(self, sample: dict, item: dict) -> GradeResult:
        return self.combine({key: child.grade(sample, item) for key, child in self.children.items()})

    def grade_many(self, samples: list[dict], items: list[dict]) -> list[GradeResult]:
        # each child grades the whole batch its own way (sandbox pool, HTTP threads...)
        per_child = {key: child.grade_many(samples, items) for key, child in self.children.items()}
        return [self.combine({key: results[i] for key, results in per_child.items()}) for i in range(len(samples))]

    def close(self) -> None:
        for child in self.children.values():
            child.close()
