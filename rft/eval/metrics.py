"""Metrics over per-case records, each with a bootstrap 95% interval (cases resampled with
replacement, one seeded generator, so a re-run prints the same intervals)."""

from __future__ import annotations

import numpy as np


def metric_names(top_k: list[int], ranked: bool) -> list[str]:
    ranks = ([f"top@{k}" for k in top_k] + ["top@max", "parse_error_rate"]) if ranked else []
    return ranks + ["reward_mean", "completion_tokens_mean"]


def _column(records: list[dict], name: str) -> list[float]:
    if name == "parse_error_rate":
        return [float(r["parse_error"]) for r in records]
    if name == "reward_mean":
        return [float(r["reward"]) for r in records]
    if name == "completion_tokens_mean":
        return [float(r["completion_tokens"]) for r in records]
    return [float(r[name]) for r in records]


def summarize_records(records: list[dict], names: list[str], resamples: int = 1000,
                      seed: int = 13) -> dict[str, dict[str, float]]:
    """{metric: {value, lo, hi}}; lo == hi == value when there is nothing to resample."""
    if not records:
        return {n: {"value": 0.0, "lo": 0.0, "hi": 0.0} for n in names}
    table = np.array([_column(records, n) for n in names], dtype=np.float64)  # metrics x cases
    values = table.mean(axis=1)
    lo, hi = values.copy(), values.copy()
    if resamples and len(records) > 1:
        rng = np.random.default_rng(seed)
        picks = rng.integers(0, len(records), size=(resamples, len(records)))
        means = table[:, picks].mean(axis=2)  # metrics x resamples
        lo, hi = np.percentile(means, [2.5, 97.5], axis=1)
    return {n: {"value": float(v), "lo": float(a), "hi": float(b)} for n, v, a, b in zip(names, values, lo, hi)}
