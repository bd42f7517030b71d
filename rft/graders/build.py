"""Grader configs -> grader objects, one class per type."""

from __future__ import annotations

from rft.graders.base import Grader
from rft.graders.sandbox import SandboxLimits


def build_grader(config, *, sandbox: SandboxLimits | None = None, workers: int | None = None) -> Grader:
    """`sandbox` and `workers` tune python graders; other types ignore them."""
    kind = config.type
    if kind == "string_check":
        from rft.graders.string_check import StringCheckGrader

        return StringCheckGrader(config)
    if kind == "text_similarity":
        from rft.graders.text_similarity import TextSimilarityGrader

        return TextSimilarityGrader(config)
    if kind == "python":
        from rft.graders.python_grader import PythonGrader

        return PythonGrader(config, sandbox, workers)
    if kind in ("score_model", "label_model"):
        from rft.graders.model_graders import LabelModelGrader, ScoreModelGrader

        return (ScoreModelGrader if kind == "score_model" else LabelModelGrader)(config)
    if kind == "endpoint":
        from rft.graders.endpoint import EndpointGrader

        return EndpointGrader(config)
    if kind == "reward_model":
        from rft.graders.reward_model import RewardModelGrader

        return RewardModelGrader(config)
    if kind == "ranked_list":
        from rft.graders.ranked_list import RankedListGrader

        return RankedListGrader(config)
    if kind == "multi":
        from rft.graders.multi import MultiGrader

        children = {key: build_grader(child, sandbox=sandbox, workers=workers) for key, child in config.graders.items()}
        return MultiGrader(config, children)
    raise ValueError(f"unknown grader type {kind!r}")
