"""The reasoning in a model's answer, for the report's per-case table."""

from __future__ import annotations

from rft.graders.judge import json_object


def reasoning_of(text: str, limit: int = 600) -> str:
    """The answer's "reasoning" field when it is JSON, else the start of the raw text."""
    obj = json_object(text or "")
    if obj is not None and isinstance(obj.get("reasoning"), str):
        return obj["reasoning"][:limit]
    return (text or "").strip()[:limit]
