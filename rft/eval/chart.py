"""The grouped bar chart of the demo: top@k per model, with 95% intervals as error bars."""

from __future__ import annotations

from pathlib import Path


def draw_chart(report: dict, path: Path) -> Path | None:
    """PNG at `path`; None when there are no ranking metrics to draw."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in CI
    import matplotlib.pyplot as plt
    import numpy as np

    models = report["models"]
    names = [n for n in next(iter(models.values()))["metric_names"] if n.startswith("top@")]
    if not names:
        return None
    width = 0.8 / len(models)
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(1.6 + 1.6 * len(names) + 0.3 * len(models) * len(names), 4.2), dpi=120)
    for i, (label, entry) in enumerate(models.items()):
        m = entry["metrics"]
        values = np.array([100 * m[n]["value"] for n in names])
        err = np.array([[100 * (m[n]["value"] - m[n]["lo"]) for n in names],
                        [100 * (m[n]["hi"] - m[n]["value"]) for n in names]])
        bars = ax.bar(x + (i - (len(models) - 1) / 2) * width, values, width, yerr=err, capsize=3, label=label)
        ax.bar_label(bars, labels=[f"{v:.0f}" for v in values], padding=2, fontsize=8)
    ax.set_xticks(x, names)
    ax.set_ylabel("cases with the right answer (%)")
    ax.set_ylim(0, min(100, max(10, ax.get_ylim()[1] * 1.1)))
    ax.set_title(f"{report['cases']} cases of {Path(report['split']).name} ({report['prompt_mode']})", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
