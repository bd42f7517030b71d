"""Metrics over per-case records, with 95% intervals that respect how the cases are grouped.

Cases of one gene are not independent (one gene can hold a quarter of a split), so the bootstrap
resamples whole groups (the split's `group_by` value, joined through `link_by`), not cases. Each
metric is given twice: micro (every case counts once) and macro (every group counts once, the mean of
its cases' mean). One seeded set of resamples serves every model, so two models' figures, and their
paired differences (compare.py), come from the same resampled data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RANK_METRICS = ("top@",)


def metric_names(top_k: list[int], ranked: bool) -> list[str]:
    ranks = ([f"top@{k}" for k in top_k] + ["top@max", "parse_error_rate"]) if ranked else []
    return ranks + ["reward_mean", "completion_tokens_mean"]


def column(records: list[dict], name: str) -> list[float]:
    if name == "parse_error_rate":
        return [float(r["parse_error"]) for r in records]
    if name == "reward_mean":
        return [float(r["reward"]) for r in records]
    if name == "completion_tokens_mean":
        return [float(r["completion_tokens"]) for r in records]
    return [float(r[name]) for r in records]


def table(records: list[dict], names: list[str]) -> np.ndarray:
    """metrics x cases."""
    return np.array([column(records, n) for n in names], dtype=np.float64).reshape(len(names), len(records))


@dataclass
class Grouping:
    """Which group each case belongs to, and how the intervals were made (for the report)."""
    index: np.ndarray  # case -> group number
    count: int
    method: dict

    @classmethod
    def of(cls, keys: list, field: str | None) -> Grouping:
        """`keys[i]` is case i's group (None: a group of its own)."""
        numbers: dict = {}
        index = np.array([numbers.setdefault(("group", k) if k is not None else ("case", i), len(numbers))
                          for i, k in enumerate(keys)], dtype=np.int64)
        missing = sum(k is None for k in keys)
        if field is None or missing == len(keys):
            why = "no group field" if field is None else f"the split has no '{field}' field"
            method = {"resample": "cases", "note": f"cases resampled one by one ({why}); intervals are too "
                      "narrow if cases of one group are alike"}
        else:
            method = {"resample": "groups", "group_by": field, "groups": len(numbers) - missing}
            if missing:
                method["note"] = f"{missing} cases without '{field}' count as groups of one"
        return cls(index, len(numbers), method)


class GroupBootstrap:
    """Seeded resamples of groups: `weights[r, g]` is how often group g was drawn in resample r."""

    def __init__(self, grouping: Grouping, resamples: int, seed: int):
        self.grouping = grouping
        self.sizes = np.bincount(grouping.index, minlength=grouping.count).astype(np.float64)
        self.weights = None
        if resamples and grouping.count > 1:
            rng = np.random.default_rng(seed)
            draws = rng.integers(0, grouping.count, size=(resamples, grouping.count))
            flat = (np.arange(resamples)[:, None] * grouping.count + draws).ravel()
            self.weights = np.bincount(flat, minlength=resamples * grouping.count).reshape(
                resamples, grouping.count).astype(np.float64)

    def _sums(self, values: np.ndarray) -> np.ndarray:
        """metrics x groups: each group's sum."""
        out = np.zeros((values.shape[0], self.grouping.count))
        np.add.at(out.T, self.grouping.index, values.T)
        return out

    def micro(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Case means (metrics), and their resampled values (resamples x metrics)."""
        sums = self._sums(values)
        point = sums.sum(axis=1) / self.sizes.sum()
        if self.weights is None:
            return point, None
        return point, (self.weights @ sums.T) / (self.weights @ self.sizes)[:, None]

    def macro(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Means of group means (metrics), and their resampled values."""
        means = self._sums(values) / self.sizes
        point = means.mean(axis=1)
        if self.weights is None:
            return point, None
        return point, (self.weights @ means.T) / self.grouping.count

    def summary(self, values: np.ndarray, names: list[str]) -> dict[str, dict[str, float]]:
        """{metric: {value, lo, hi, macro, macro_lo, macro_hi}} for a metrics x cases table."""
        micro, micro_lo, micro_hi = _interval(*self.micro(values))
        macro, macro_lo, macro_hi = _interval(*self.macro(values))
        return {n: {"value": float(micro[i]), "lo": float(micro_lo[i]), "hi": float(micro_hi[i]),
                    "macro": float(macro[i]), "macro_lo": float(macro_lo[i]), "macro_hi": float(macro_hi[i])}
                for i, n in enumerate(names)}


def _interval(point: np.ndarray, samples: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The point and its percentile 95% interval (the point itself when nothing was resampled)."""
    if samples is None:
        return point, point, point
    lo, hi = np.percentile(samples, [2.5, 97.5], axis=0)
    return point, lo, hi


def tie_bounds(records: list[dict], name: str) -> tuple[float, float]:
    """The optimistic and pessimistic top@k (right answer first, or last, among its ties)."""
    def hit(rank: int | None, record: dict) -> bool:
        if rank is None:
            return False
        limit = len(record.get("ranked") or []) if name == "top@max" else int(name.removeprefix("top@"))
        return rank <= limit

    n = len(records) or 1
    best = sum(hit(r.get("rank_lo", r.get("rank")), r) for r in records) / n
    worst = sum(hit(r.get("rank_hi", r.get("rank")), r) for r in records) / n
    return best, worst


def summarize_records(records: list[dict], names: list[str], resamples: int = 1000, seed: int = 13,
                      grouping: Grouping | None = None) -> dict[str, dict[str, float]]:
    """Each metric's micro and macro value with group-bootstrap 95% intervals (cases resampled when no
    grouping is given); top@k also carries its optimistic and pessimistic bounds under ties."""
    grouping = grouping or Grouping.of([None] * len(records), None)
    if not records:
        return {n: {"value": 0.0, "lo": 0.0, "hi": 0.0, "macro": 0.0, "macro_lo": 0.0, "macro_hi": 0.0}
                for n in names}
    out = GroupBootstrap(grouping, resamples, seed).summary(table(records, names), names)
    for n in names:
        if n.startswith(RANK_METRICS):
            out[n]["optimistic"], out[n]["pessimistic"] = tie_bounds(records, n)
    return out
