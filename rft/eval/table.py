"""The evaluation in markdown: per case (micro) and per group (macro) figures with their intervals,
the paired differences between models, and, for hybrid prompts, how much each answer copies."""

from __future__ import annotations

from dataclasses import dataclass

HEADERS = {"reward_mean": "mean reward", "parse_error_rate": "parse errors", "completion_tokens_mean": "tokens"}
PERCENT = ("top@", "parse_error_rate")
HEADLINE = ("top@", "reward_mean")  # what the macro and paired tables show


def _fmt(name: str, value: float, signed: bool = False) -> str:
    sign = "+" if signed else ""
    if name.startswith(PERCENT):
        return f"{100 * value:{sign}.1f}"
    return f"{value:{sign}.{1 if name == 'completion_tokens_mean' else 3}f}"


def cell(name: str, m: dict[str, float], prefix: str = "", signed: bool = False) -> str:
    """`39.5% (33.0–46.5)`, or `+2.0 (-1.5 to +5.0)` for a difference; prefix "macro" reads the
    macro figure and its interval."""
    value = m["macro"] if prefix == "macro" else m["value"]
    lo, hi = m[f"{prefix}_lo" if prefix else "lo"], m[f"{prefix}_hi" if prefix else "hi"]
    unit = "%" if name.startswith(PERCENT) and not signed else ""
    between = " to " if signed else "–"
    return f"{_fmt(name, value, signed)}{unit} ({_fmt(name, lo, signed)}{between}{_fmt(name, hi, signed)})"


def interval_note(report: dict) -> str:
    how = report.get("interval") or {}
    if how.get("resample") == "groups":
        text = f"95% intervals resample the {how['groups']} groups of `{how['group_by']}` ({how['resamples']} times)"
    else:
        text = "95% intervals resample cases"
    return text + (f"; {how['note']}" if how.get("note") else "")


def _metric_names(report: dict) -> list[str]:
    models = report["models"]
    return next(iter(models.values()))["metric_names"] if models else []


@dataclass
class Table:
    title: str  # what the table shows, one line
    header: list[str]
    rows: list[list[str]]

    def markdown(self) -> str:
        lines = ["| " + " | ".join(self.header) + " |", "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def main_table(report: dict) -> Table:
    names = _metric_names(report)
    rows = [[label] + [cell(n, e["metrics"][n]) for n in names] for label, e in report["models"].items()]
    return Table(f"{report['cases']} cases of `{report['split']}`, prompts: {report['prompt_mode']}; "
                 f"{interval_note(report)}.", ["model"] + [HEADERS.get(n, n) for n in names], rows)


def macro_table(report: dict) -> Table | None:
    names = [n for n in _metric_names(report) if n.startswith(HEADLINE)]
    rows = [[label] + [cell(n, e["metrics"][n], "macro") for n in names] for label, e in report["models"].items()]
    return Table("Per group (each group's mean counts once):", ["model"] + [HEADERS.get(n, n) for n in names], rows)


def ties_table(report: dict) -> Table | None:
    names = [n for n in _metric_names(report) if n.startswith("top@")]
    rows = [[label] + [f"{100 * m[n]['optimistic']:.1f}% / {100 * m[n]['pessimistic']:.1f}%" for n in names]
            for label, e in report["models"].items() if any((m := e["metrics"])[n]["optimistic"] != m[n]["pessimistic"]
                                                            for n in names)]
    if not rows:
        return None
    return Table("top@k above is the expected value when tied genes come in random order; right answer first / "
                 "last among its ties:", ["model"] + names, rows)


def _count(x: float) -> str:
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.1f}"


def paired_table(report: dict) -> Table | None:
    comparisons = report.get("comparisons") or []
    if not comparisons:
        return None
    names = [n for n in _metric_names(report) if n.startswith(HEADLINE)]
    flips = list(comparisons[0]["fixes"])
    rows = [[f"{c['a']} − {c['b']}"] + [cell(n, c["metrics"][n], signed=True) for n in names]
            + [f"{_count(c['fixes'][n])} / {_count(c['breaks'][n])}" for n in flips] for c in comparisons]
    return Table("Paired differences on the same cases (A − B; top@k in points, with the same group resamples):",
                 ["A − B"] + [f"Δ {HEADERS.get(n, n)}" for n in names] + [f"{n} fixes / breaks" for n in flips], rows)


def copy_table(report: dict) -> Table | None:
    found = [(label, c) for label, e in report["models"].items() if (c := e.get("copying"))]
    if not found:
        return None
    shown = any("copies_shown_order" in c for _, c in found)
    rows = [[label, f"{100 * c['first_is_tools_first']:.1f}%", f"{100 * c['copies_tools_order']:.1f}%",
             *([f"{100 * c.get('copies_shown_order', 0):.1f}%"] if shown else []),
             f"{100 * c['names_outside_candidates']:.1f}%",
             f"{c['invented_names']} ({100 * c['cases_with_invented_names']:.1f}% of cases)"] for label, c in found]
    return Table("Copying the prompt's candidate list (share of all cases):",
                 ["model", "first = tool's first", "follows the tool's order",
                  *(["follows the prompt's order"] if shown else []), "names not in the prompt's list",
                  "invented names"], rows)


def tables(report: dict) -> list[Table]:
    """Every table of the evaluation that has something to show, the main one first."""
    found = [main_table(report)]
    if _metric_names(report):
        found += [macro_table(report), ties_table(report), paired_table(report), copy_table(report)]
    return [t for t in found if t is not None]


def markdown_table(report: dict) -> str:
    main, *rest = tables(report)
    return "\n\n".join([main.markdown(), main.title] + [f"{t.title}\n\n{t.markdown()}" for t in rest]) + "\n"
