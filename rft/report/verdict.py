"""The report's first words: what the paired comparison says, and what each model row is."""

from __future__ import annotations

KINDS = {
    "base": "the base model as it is, no tuning",
    "baseline": "the classical phenotype ranker (HPO annotations, no language model)",
    "adapter": "the base model with a LoRA adapter",
    "endpoint": "a model behind an OpenAI-compatible server",
    "answers": "answers saved earlier, scored again",
}


def _pick(evaluation: dict) -> dict | None:
    """tuned − base where both were evaluated, else the first comparison."""
    comparisons = evaluation.get("comparisons") or []
    for c in comparisons:
        if (c["a"], c["b"]) == ("tuned", "base"):
            return c
    return comparisons[0] if comparisons else None


def verdict(evaluation: dict) -> str:
    """One sentence from the paired difference and its interval: a difference is claimed only when the
    interval excludes zero."""
    c = _pick(evaluation)
    if c is None:
        return "One model was evaluated: there is no comparison to state."
    metric = "top@1" if "top@1" in c["metrics"] else "reward_mean"
    m = c["metrics"][metric]
    if metric == "top@1":
        def show(x: float) -> str:
            return f"{100 * x:+.1f}"
        size, unit = f"{abs(100 * m['value']):.1f}", " points top@1"
        counts = f", {int(c['fixes']['top@1'])} cases fixed, {int(c['breaks']['top@1'])} broken" if "fixes" in c else ""
    else:
        def show(x: float) -> str:
            return f"{x:+.3f}"
        size, unit, counts = f"{abs(m['value']):.3f}", " mean reward", ""
    span = f"interval {show(m['lo'])} to {show(m['hi'])}{counts}"
    cases = f"on {evaluation['cases']} cases"
    if m["lo"] > 0:
        return f"{c['a']} beats {c['b']} by {size}{unit} ({span}) {cases}."
    if m["hi"] < 0:
        return f"{c['a']} falls behind {c['b']} by {size}{unit} ({span}) {cases}."
    return f"No difference detected between {c['a']} and {c['b']} {cases}: {show(m['value'])}{unit} ({span})."


def copying_note(evaluation: dict) -> str | None:
    """Said when a model's first answer is the prompt's own first candidate in most cases: what looks like
    learning may be copying the tool's list."""
    notes = []
    for label, entry in evaluation["models"].items():
        copy = entry.get("copying") or {}
        if copy.get("first_is_tools_first", 0) >= 0.8:
            notes.append(f"{label} names the tool's first candidate first in {100 * copy['first_is_tools_first']:.1f}% "
                         f"of cases and copies its order in {100 * copy.get('copies_tools_order', 0):.1f}%")
    return ("It copies its prompt: " + "; ".join(notes) + ".") if notes else None


def model_notes(evaluation: dict) -> dict[str, str]:
    """label -> what that row is, in words."""
    out = {}
    for label, entry in evaluation["models"].items():
        kind = entry.get("kind", "")
        words = KINDS.get(kind, kind)
        if label == "tuned":
            words = "the base model with this run's adapter (what training produced)"
        elif kind in ("adapter", "endpoint", "answers") and entry.get("answered_by"):
            words += f": {entry['answered_by']}"
        out[label] = words
    return out
