"""The evaluation's pictures: top@k per model (the demo's grouped bars, per-case figures with
group-bootstrap 95% intervals), and the paired differences between models with their intervals."""

from __future__ import annotations

from pathlib import Path

from rft.eval.colors import model_colors


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in CI
    import matplotlib.pyplot as plt

    return plt


def _interval_words(report: dict) -> str:
    how = report.get("interval") or {}
    return f"95% intervals resample {how['group_by']} groups" if how.get("resample") == "groups" \
        else "95% intervals resample cases"


def draw_chart(report: dict, path: Path) -> Path | None:
    """PNG at `path`: top@k per model for rankings, the mean reward for any other task; None when there is
    neither."""
    import numpy as np

    models = report["models"]
    known = next(iter(models.values()))["metric_names"]
    names = [n for n in known if n.startswith("top@")] or [n for n in ("reward_mean",) if n in known]
    if not names:
        return None
    scale = 100 if names[0].startswith("top@") else 1
    plt = _pyplot()
    width = 0.8 / len(models)
    x = np.arange(len(names))
    colors = model_colors(list(models))
    fig, ax = plt.subplots(figsize=(2.4 + 1.8 * len(names) + 0.4 * len(models) * len(names), 4.6), dpi=120)
    for i, (label, entry) in enumerate(models.items()):
        m = entry["metrics"]
        values = np.array([scale * m[n]["value"] for n in names])
        err = np.array([[scale * (m[n]["value"] - m[n]["lo"]) for n in names],
                        [scale * (m[n]["hi"] - m[n]["value"]) for n in names]])
        bars = ax.bar(x + (i - (len(models) - 1) / 2) * width, values, width, yerr=err, capsize=3, label=label,
                      color=colors[label])
        ax.bar_label(bars, labels=[f"{v:.0f}" if scale == 100 else f"{v:.2f}" for v in values], padding=2, fontsize=11)
    ax.set_xticks(x, names, fontsize=12)
    ax.tick_params(axis="y", labelsize=11)
    if scale == 100:
        ax.set_ylabel("cases with the right answer (%)", fontsize=12)
        ax.set_ylim(0, min(100, max(10, ax.get_ylim()[1] * 1.1)))
    else:
        ax.set_ylabel("mean reward", fontsize=12)
    ax.set_title(f"{report['cases']} cases of {Path(report['split']).name} ({report['prompt_mode']}); "
                 f"{_interval_words(report)}", fontsize=11)
    # beside the plot, so it never covers a bar
    ax.legend(fontsize=11, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def draw_paired(report: dict, path: Path) -> Path | None:
    """One row per pair of models: A − B on top@1 (or the reward, for tasks that are not rankings),
    with its paired interval; None when there is no pair."""
    comparisons = report.get("comparisons") or []
    if not comparisons:
        return None
    metrics = comparisons[0]["metrics"]
    shown = [n for n in ("top@1", "top@5") if n in metrics] or ["reward_mean"]
    scale = 100 if shown[0].startswith("top@") else 1
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 0.9 + 0.45 * len(comparisons) * len(shown)), dpi=120)
    y, ticks = 0, []
    for c in reversed(comparisons):
        for j, name in enumerate(shown):
            m = c["metrics"][name]
            color = "#0a7a2f" if m["lo"] > 0 else "#b3261e" if m["hi"] < 0 else "#555555"
            ax.errorbar(scale * m["value"], y, xerr=[[scale * (m["value"] - m["lo"])], [scale * (m["hi"] - m["value"])]],
                        fmt="os"[j], color=color, capsize=3)
            ticks.append((y, f"{c['a']} − {c['b']}  {name}"))
            y += 1
        y += 0.5
    ax.axvline(0, color="#999", lw=1)
    ax.set_yticks([t for t, _ in ticks], [label for _, label in ticks], fontsize=10)
    ax.set_xlabel("difference (points)" if scale == 100 else "difference")
    ax.set_title(f"paired differences, same cases; {_interval_words(report)}", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
