"""The batch API that training and evaluation call: many answers, many items, one call."""

from __future__ import annotations

from collections import Counter
from statistics import fmean

from rft.graders.base import Grader
from rft.graders.result import ERROR_FLAGS, GradeResult
from rft.graders.sample import as_sample


def grade_batch(grader: Grader, samples: list[str | dict], items: list[dict]) -> list[GradeResult]:
    """Grade sample i against item i. Samples are answer texts or sample dicts. Never raises for a
    bad answer: faults come back as flags on the result, with reward 0."""
    if len(samples) != len(items):
        raise ValueError(f"{len(samples)} samples but {len(items)} items")
    return grader.grade_many([as_sample(s) for s in samples], list(items))


def summarize(results: list[GradeResult]) -> dict:
    """Mean reward, mean sub-rewards and scores, and how many results raised each flag."""
    if not results:
        return {"count": 0, "reward_mean": 0.0, "errors": {}}
    flags = Counter(flag for r in results for flag in ERROR_FLAGS if r.errors and r.errors.get(flag))
    out = {"count": len(results), "reward_mean": fmean(r.reward for r in results), "errors": dict(flags)}
    for field in ("sub_rewards", "scores"):
        keys = sorted({k for r in results for k in getattr(r, field)})
        if keys:
            out[field] = {k: fmean(getattr(r, field).get(k, 0.0) for r in results) for k in keys}
    return out
