"""`rft report`: the stakeholder report, as a self-contained HTML file and (with an API key) a W&B Report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rft.cli.common import ParamsOpt, say
from rft.config import load_params


def report_command(
    eval_dir: Annotated[Path | None, typer.Option("--eval", help="an rft eval folder (default: eval.out_dir)")] = None,
    run: Annotated[Path | None, typer.Option(help="the training run, for the reward curve and card")] = None,
    out: Annotated[Path | None, typer.Option(help="the HTML file to write (default: report.out)")] = None,
    title: Annotated[str | None, typer.Option(help="the report's title (default: report.title)")] = None,
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Verdict, results, charts, model card, lineage and every answer (filterable) in one HTML file; the
    pipeline's last stage writes the same report."""
    from rft.stages.declare import Where
    from rft.stages.pipeline import write_report

    p = load_params(params)
    say(write_report(Where(p, Path("runs"), params), eval_dir, run, out, title).lines)
