"""The W&B Report for stakeholders: the reward dashboard's panels, the eval table and chart.

Built offline as an object (tested); saved to W&B only where an API key is set, since reports live
on a W&B server (there is no local one without Docker).
"""

from __future__ import annotations

import os

from rft.eval.table import markdown_table


def build_wandb_report(evaluation: dict, tracking, graders: list[str], title: str = "rft: results"):
    import wandb_workspaces.reports.v2 as wr

    entity = tracking.entity or os.environ.get("WANDB_ENTITY", "")
    runs = wr.Runset(entity=entity, project=tracking.project, name="training and evaluation runs")
    reward_panels = [
        wr.LinePlot(title="train reward", x="train/global_step",
                    y=["train/reward_mean", *(f"train/reward/{g}" for g in graders)]),
        wr.LinePlot(title="validation reward", x="train/global_step",
                    y=["valid/reward_mean", *(f"valid/reward/{g}" for g in graders)]),
        wr.LinePlot(title="validation parse-error rate", x="train/global_step", y=["valid/parse_error_rate"]),
        wr.LinePlot(title="completion tokens", x="train/global_step", y=["train/completion_tokens_mean"]),
    ]
    return wr.Report(project=tracking.project, entity=entity, title=title, width="fluid",
                     description=f"{evaluation['cases']} cases of {evaluation['split']}, prompts: {evaluation['prompt_mode']}",
                     blocks=[
                         wr.H1("Reinforcement fine-tuning results"),
                         wr.P("Rewards over training, then the comparison on the held-out split."),
                         wr.PanelGrid(runsets=[runs], panels=reward_panels),
                         wr.H2("Evaluation"),
                         wr.MarkdownBlock(markdown_table(evaluation)),
                         wr.PanelGrid(runsets=[runs], panels=[wr.MediaBrowser(media_keys=["eval/chart", "eval/paired"])]),
                     ])


def publish(report) -> str | None:
    """The report's URL, or None when no API key is set (offline: the HTML report stands alone)."""
    if not os.environ.get("WANDB_API_KEY") or os.environ.get("WANDB_MODE", "offline") != "online":
        return None
    report.save()
    return report.url
