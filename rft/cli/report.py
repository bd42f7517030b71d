"""`rft report`: the stakeholder report, as a self-contained HTML file and (with an API key) a W&B Report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rft.cli.common import ParamsOpt
from rft.config import load_params


def report_command(
    eval_dir: Annotated[Path | None, typer.Option("--eval", help="an rft eval folder (default: eval.out_dir)")] = None,
    run: Annotated[Path | None, typer.Option(help="the training run, for the reward curve and card")] = None,
    out: Annotated[Path, typer.Option(help="the HTML file to write")] = Path("reports/report.html"),
    title: Annotated[str, typer.Option(help="the report's title")] = "rft: reinforcement fine-tuning report",
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Results, charts, model card, data version and every answer (filterable) in one HTML file."""
    from rft.report.collect import collect
    from rft.report.html import write_html

    p = load_params(params)
    data = collect(eval_dir or Path(p.eval.out_dir), run, title)
    write_html(data, out)
    typer.echo(f"report: {out} ({len(data.cases)} answers of {len(data.evaluation['models'])} models)")
    if p.tracking.wandb:
        from rft.report.wandb_report import build_wandb_report, publish

        graders = [g["name"] for g in data.run.get("graders", [])]
        url = publish(build_wandb_report(data.evaluation, p.tracking, graders, title))
        typer.echo(f"W&B report: {url}" if url else "W&B report: not published (needs WANDB_API_KEY and "
                   "WANDB_MODE=online; the HTML report stands alone)")
