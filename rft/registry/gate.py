"""The promotion gate: a tuned adapter is registered only if, on the evaluation, it beats its base
model by the margin in params (and, when asked, is not worse than the classical baseline). With
`use_interval`, each difference is judged by the lower end of its paired 95% interval from the
evaluation's comparisons, so a gain within the noise does not pass."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rft.errors import RftInputError


@dataclass
class GateResult:
    passed: bool
    metric: str
    tuned: float
    base: float
    baseline: float | None
    reasons: list[str]
    tuned_label: str
    # The paired 95% intervals (lo, hi) of tuned - base and tuned - baseline, when the gate uses them.
    gain_interval: tuple[float, float] | None = None
    baseline_interval: tuple[float, float] | None = None

    def lines(self) -> list[str]:
        def paired(interval):
            return "" if interval is None else f", paired 95% interval {100 * interval[0]:+.1f} to {100 * interval[1]:+.1f}"

        out = [f"promotion gate on {self.metric}:",
               f"  {self.tuned_label:<20} {100 * self.tuned:6.1f}%",
               (f"  {'base':<20} {100 * self.base:6.1f}%   (gain {100 * (self.tuned - self.base):+.1f} points"
                f"{paired(self.gain_interval)})")]
        if self.baseline is not None:
            out.append(f"  {'classical baseline':<20} {100 * self.baseline:6.1f}%"
                       + (f"   (difference {100 * (self.tuned - self.baseline):+.1f} points"
                          f"{paired(self.baseline_interval)})" if self.baseline_interval else ""))
        out += [f"  refused: {r}" for r in self.reasons] or ["  passed"]
        return out


def _inside(path: str | None, run_dir: Path) -> bool:
    if not path:
        return False
    p, run = Path(path).resolve(), run_dir.resolve()
    return p == run or run in p.parents


def find_entry(report: dict, kind: str, run_dir: Path | None = None) -> tuple[str, dict] | None:
    for label, entry in report.get("models", {}).items():
        if entry.get("kind") == kind and (run_dir is None or _inside(entry.get("path"), run_dir)):
            return label, entry
    return None


def check_gate(report: dict, run_dir: Path, gate, source: str) -> GateResult:
    """`report` is an eval metrics.json holding the run's adapter and the base model."""
    tuned = find_entry(report, "adapter", run_dir)
    if tuned is None:
        raise RftInputError(source, f"no evaluation of an adapter from {run_dir}; run "
                            f"`rft eval -m base -m adapter:{run_dir}/best -m baseline` first")
    base = find_entry(report, "base")
    if base is None:
        raise RftInputError(source, "no evaluation of the base model to compare with; add `-m base` to rft eval")
    baseline = find_entry(report, "baseline") if gate.vs_baseline else None
    if gate.vs_baseline and baseline is None:
        raise RftInputError(source, "registry.gate.vs_baseline is true but the evaluation has no baseline; "
                            "add `-m baseline` to rft eval")

    def value(entry: dict) -> float:
        metrics = entry[1]["metrics"]
        if gate.metric not in metrics:
            raise RftInputError(source, f"metric '{gate.metric}' is not in the evaluation ({', '.join(metrics)})",
                                field="registry.gate.metric")
        return metrics[gate.metric]["value"]

    t, b = value(tuned), value(base)
    c = value(baseline) if baseline else None
    if gate.use_interval:
        return _by_interval(report, gate, source, tuned[0], base[0], baseline[0] if baseline else None, t, b, c)
    reasons = []
    if t - b < gate.min_gain - 1e-12:
        reasons.append(f"gain over the base model {100 * (t - b):+.1f} points is below the required "
                       f"{100 * gate.min_gain:.1f} (registry.gate.min_gain)")
    if c is not None and t < c:
        reasons.append(f"below the classical baseline by {100 * (c - t):.1f} points (registry.gate.vs_baseline)")
    return GateResult(not reasons, gate.metric, t, b, c, reasons, tuned[0])


def paired_interval(report: dict, a: str, b: str, metric: str, source: str) -> tuple[float, float]:
    """The paired 95% interval of A - B on `metric` from the evaluation's comparisons."""
    for c in report.get("comparisons") or []:
        m = c["metrics"].get(metric)
        if m and (c["a"], c["b"]) == (a, b):
            return m["lo"], m["hi"]
        if m and (c["a"], c["b"]) == (b, a):
            return -m["hi"], -m["lo"]
    raise RftInputError(source, f"no paired comparison of '{a}' and '{b}' on {metric} in the evaluation; "
                        "re-run `rft eval` with both models (registry.gate.use_interval)")


def _by_interval(report, gate, source, tuned, base, baseline, t, b, c) -> GateResult:
    gain = paired_interval(report, tuned, base, gate.metric, source)
    versus = paired_interval(report, tuned, baseline, gate.metric, source) if baseline else None
    reasons = []
    if gain[0] < gate.min_gain - 1e-12:
        reasons.append(f"the paired interval of the gain over the base model starts at {100 * gain[0]:+.1f} points, "
                       f"below the required {100 * gate.min_gain:.1f} (registry.gate.min_gain, use_interval)")
    if versus is not None and versus[0] < 0:
        reasons.append(f"the paired interval of the difference from the classical baseline starts at "
                       f"{100 * versus[0]:+.1f} points, below 0 (registry.gate.vs_baseline, use_interval)")
    return GateResult(not reasons, gate.metric, t, b, c, reasons, tuned, gain, versus)
