"""The comparison table in markdown: one row per model, each metric with its 95% interval."""

from __future__ import annotations

HEADERS = {"reward_mean": "mean reward", "parse_error_rate": "parse errors", "completion_tokens_mean": "tokens"}
PERCENT = ("top@", "parse_error_rate")


def cell(name: str, m: dict[str, float]) -> str:
    if name.startswith(PERCENT):
        return f"{100 * m['value']:.1f}% ({100 * m['lo']:.1f}–{100 * m['hi']:.1f})"
    digits = 1 if name == "completion_tokens_mean" else 3
    return f"{m['value']:.{digits}f} ({m['lo']:.{digits}f}–{m['hi']:.{digits}f})"


def markdown_table(report: dict) -> str:
    models = report["models"]
    names = next(iter(models.values()))["metric_names"] if models else []
    lines = ["| model | " + " | ".join(HEADERS.get(n, n) for n in names) + " |",
             "|---|" + "---|" * len(names)]
    for label, entry in models.items():
        lines.append(f"| {label} | " + " | ".join(cell(n, entry["metrics"][n]) for n in names) + " |")
    caption = (f"{report['cases']} cases of `{report['split']}`, prompts: {report['prompt_mode']}; "
               "95% bootstrap intervals in brackets.")
    return "\n".join(lines) + "\n\n" + caption + "\n"
