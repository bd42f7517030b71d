"""One colour per model in every chart and report: the same model is never blue in one picture and
orange in the next. Okabe-Ito colours, which stay apart for colour-blind readers."""

from __future__ import annotations

FIXED = {"base": "#7f7f7f", "baseline": "#e69f00", "tuned": "#009e73"}
OTHERS = ("#0072b2", "#cc79a7", "#d55e00", "#56b4e9", "#f0e442", "#000000")


def model_colors(labels: list[str]) -> dict[str, str]:
    """label -> colour: the fixed ones by name, the rest in the order given."""
    rest = iter(OTHERS * (1 + len(labels) // len(OTHERS)))
    return {label: FIXED.get(label) or next(rest) for label in labels}
