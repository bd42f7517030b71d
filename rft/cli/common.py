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


DetachOpt = Annotated[bool, typer.Option("--detach", help="run in the background (a new session, safe from a closed "
                                         "terminal); output to a log in the run folder; follow it with `rft watch`")]


def detach(folder: Path, log_name: str) -> None:
    """Start this same command again in a new session, without --detach, its output in folder/log_name,
    and exit: the run outlives the terminal, and `rft watch FOLDER` follows it."""
    import os
    import subprocess
    import sys

    folder.mkdir(parents=True, exist_ok=True)
    log = folder / log_name
    args = [a for a in sys.argv[1:] if a != "--detach"]
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "rft", *args], stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True, cwd=os.getcwd())
    (folder / "pid").write_text(f"{proc.pid}\n")
    typer.echo(f"running in the background, pid {proc.pid}; output: {log}")
    typer.echo(f"follow it: rft watch {folder}")
    raise typer.Exit(0)
