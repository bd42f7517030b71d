"""The ablation's two pictures: the held-out metric per variant (each seed with its interval), and
the validation reward over GRPO steps."""

from __future__ import annotations

from pathlib import Path

from rft.jsonl import atomic_open


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in CI
    import matplotlib.pyplot as plt

    return plt


def draw_variants(summary: dict, path: Path) -> Path:
    plt = _pyplot()
    metric, seeds = summary["metric"], summary["seeds"]
    scale = 100 if metric.startswith(("top@", "parse")) else 1
    names = list(summary["per_variant"])
    fig, ax = plt.subplots(figsize=(1.8 + 1.3 * len(names), 4.2), dpi=120)
    width = 0.6 / max(len(seeds), 1)
    for x, name in enumerate(names):
        v = summary["per_variant"][name]
        for j, seed in enumerate(seeds):
            m = v["values"].get(seed)
            if m is None:
                continue
            dx = (j - (len(seeds) - 1) / 2) * width
            ax.errorbar(x + dx, scale * m["value"], yerr=[[scale * (m["value"] - m["lo"])], [scale * (m["hi"] - m["value"])]],
                        fmt="o", color=f"C{j}", capsize=3, label=f"seed {seed}" if x == 0 else None)
        if v["mean"] is not None:
            ax.hlines(scale * v["mean"], x - 0.35, x + 0.35, color="black", lw=2)
        else:
            status = next(iter(v["runs"].values()))["status"]
            ax.text(x, 0, status, ha="center", va="bottom", fontsize=8, color="#b3261e")
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel(f"{metric} ({'%' if scale == 100 else 'mean'})")
    ax.set_ylim(bottom=0)
    how = summary.get("interval") or {}
    resampled = f"the {how['groups']} groups of {how['group_by']} resampled" if how.get("resample") == "groups" \
        else "cases resampled"
    ax.set_title(f"held-out {Path(summary['split']).name}: each seed with its 95% interval ({resampled}); "
                 "black: the mean over seeds", fontsize=8)
    if len(seeds) > 1:
        ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _save(plt, fig, path)


def draw_curves(curves: dict[str, list[dict]], path: Path) -> Path | None:
    """Validation reward (solid) and train reward (faint) per step; None when no GRPO variant ran."""
    if not curves:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    for i, (label, rows) in enumerate(curves.items()):
        valid = [(r["step"], r["valid_reward"]) for r in rows if r.get("valid_reward") is not None]
        ax.plot([r["step"] for r in rows], [r["train_reward"] for r in rows], color=f"C{i}", alpha=0.25, lw=1)
        if valid:
            ax.plot(*zip(*valid), marker="o", color=f"C{i}", label=f"{label}: validation")
    ax.set_xlabel("GRPO step")
    ax.set_ylabel("mean reward")
    ax.set_title("validation reward over steps (faint: the step's training reward)", fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _save(plt, fig, path)


def _save(plt, fig, path: Path) -> Path:
    fig.tight_layout()
    with atomic_open(path, "wb") as fh:  # a reader never sees half a picture
        fig.savefig(fh, format="png")
    plt.close(fig)
    return path
