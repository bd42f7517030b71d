"""`rft eval`: compare models on a split (base, classical baseline, adapters, endpoint models)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rft.cli.common import ParamsOpt, SetOpt
from rft.config import load_params


def eval_command(
    model: Annotated[list[str] | None, typer.Option(
        "--model", "-m", help="base | baseline | adapter:PATH | endpoint:MODEL, optionally LABEL=...; "
        "repeat for each (default: eval.models)")] = None,
    split: Annotated[str | None, typer.Option(help="a split name (valid, test) or a JSONL path")] = None,
    out: Annotated[Path | None, typer.Option(help="report folder (default: eval.out_dir)")] = None,
    set_: SetOpt = None,
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Answers from each model on the split, graded: top@k, mean reward, parse errors, tokens, with 95% intervals."""
    from rft.eval.specs import parse_specs
    from rft.eval.stage import evaluate, split_path
    from rft.eval.table import markdown_table
    from rft.tracking.eval_log import log_evaluation

    p = load_params(params, list(set_ or []))
    specs = parse_specs(model or p.eval.models, "--model" if model else str(params))
    out_dir = out or Path(p.eval.out_dir)
    report = evaluate(p, specs, split_path(p, split), out_dir, params_path=str(params))
    log_evaluation(report, out_dir, p.tracking)
    typer.echo(markdown_table(report))
    typer.echo(f"report: {out_dir}/ (metrics.json, table.md, chart.png, paired.png, cases/)")
