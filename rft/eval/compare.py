"""Paired comparisons: two models on the same cases, as a difference with its interval, plus the
cases one fixes and the other breaks. This is the figure that says whether tuning helped; two
separate means with overlapping intervals cannot say it.

The difference is resampled with the same group draws as the models' own intervals (metrics.py), so
the interval of A - B reflects that A and B answered the same cases. Under ties (the classical
ranker) a hit is a probability; fixes and breaks are then expected counts, sum of a(1 - b) and
b(1 - a), assuming the two tie draws are independent.
"""

from __future__ import annotations

from itertools import combinations

from rft.eval.metrics import GroupBootstrap, table

# A model is compared against the base model and the classical baseline first: those are the
# references, so they are the B of A - B (by kind, or by label for saved answers labelled so).
# Among the others, the later-listed one is A.
REFERENCE = {"base": 2, "baseline": 1}


def _weight(label: str, kind: str) -> int:
    return REFERENCE.get(kind, REFERENCE.get(label, 0))


def pairs(kinds: dict[str, str]) -> list[tuple[str, str]]:
    """(A, B) for every two models of an evaluation, labels in evaluation order."""
    weight = {label: _weight(label, kind) for label, kind in kinds.items()}
    out = []
    for first, second in combinations(kinds, 2):
        a, b = (second, first) if weight[first] >= weight[second] else (first, second)
        out.append((a, b))
    return sorted(out, key=lambda p: (-weight[p[1]], list(kinds).index(p[1])))


def compare(a: list[dict], b: list[dict], names: list[str], bootstrap: GroupBootstrap) -> dict:
    """A - B on each metric (micro and macro, with paired intervals); fixes and breaks at top@k."""
    if [r["case_id"] for r in a] != [r["case_id"] for r in b]:
        raise ValueError("paired comparison of records over different cases")
    diff = bootstrap.summary(table(a, names) - table(b, names), names)
    out = {"metrics": diff, "fixes": {}, "breaks": {}}
    for name in names:
        if name.startswith("top@") and name != "top@max":
            hit_a, hit_b = (table(r, [name])[0] for r in (a, b))
            out["fixes"][name] = float((hit_a * (1 - hit_b)).sum())
            out["breaks"][name] = float((hit_b * (1 - hit_a)).sum())
    return out


def compare_all(cases: dict[str, list[dict]], kinds: dict[str, str], names: list[str],
                bootstrap: GroupBootstrap) -> list[dict]:
    return [{"a": a, "b": b, **compare(cases[a], cases[b], names, bootstrap)} for a, b in pairs(kinds)]
