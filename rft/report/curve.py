"""The reward curve as a PNG: train reward per step, validation reward where it was measured."""

from __future__ import annotations

from pathlib import Path


def draw_reward_curve(rows: list[dict], path: Path) -> Path | None:
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.4), dpi=120)
    ax.plot([r["step"] for r in rows], [r["train_reward"] for r in rows], label="train", linewidth=1.2)
    valid = [r for r in rows if r.get("valid_reward") is not None]
    if valid:
        ax.plot([r["step"] for r in valid], [r["valid_reward"] for r in valid], "o-", label="validation")
    ax.set_xlabel("step")
    ax.set_ylabel("mean reward")
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
