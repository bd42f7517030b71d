"""What every command group shares: the params option and printing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ParamsOpt = Annotated[Path, typer.Option("--params", help="the params file")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="override a param: key.path=value")]


def say(lines: list[str]) -> None:
    for line in lines:
        typer.echo(line)
