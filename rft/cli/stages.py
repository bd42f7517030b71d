"""`rft stages run | list | dvc`: the declared stages themselves (what dvc.yaml runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rft.cli.common import ParamsOpt, SetOpt, say
from rft.config import load_params

app = typer.Typer(help="The pipeline's stages as declared: run one, list them, write dvc.yaml.", no_args_is_help=True)
RunOpt = Annotated[Path, typer.Option("--run", help="the training run folder")]


@app.command("run")
def run_command(
    name: Annotated[str, typer.Argument(help="import, split, validate, train, eval or register")],
    run: RunOpt = Path("runs/dvc"),
    register_as: Annotated[str | None, typer.Option(help="the registry name (register)")] = None,
    overwrite: Annotated[bool, typer.Option(help="replace a run folder holding a run of other inputs (train)")] = False,
    set_: SetOpt = None,
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Run one stage exactly as the flow and dvc.yaml do. Ctrl-C in training saves a checkpoint and stops;
    the same command resumes it."""
    from rft import stop
    from rft.stages.declare import Where
    from rft.stages.pipeline import STAGES

    if name not in STAGES:
        raise typer.BadParameter(f"no stage '{name}'; stages: {', '.join(STAGES)}")
    where = Where(load_params(params, list(set_ or [])), run, params, register_as, overwrite)
    if not STAGES[name].applies(where):
        typer.echo(f"{name}: nothing to do with these params")
        return
    with stop.on_signals():
        say(STAGES[name].run(where).lines)


@app.command("list")
def list_command(run: RunOpt = Path("runs/pipeline"), params: ParamsOpt = Path("params.yaml")) -> None:
    """Each stage with what it reads and writes, for these params."""
    from rft.stages.table import stage_table

    typer.echo(stage_table(load_params(params), run, params))


@app.command("dvc")
def dvc_command(
    write: Annotated[bool, typer.Option(help="write dvc.yaml instead of printing it")] = False,
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """dvc.yaml as the declarations say it must be."""
    from rft.stages import dvc

    content = dvc.render(params)
    if write:
        dvc.write(Path("dvc.yaml"), content)
        typer.echo(f"wrote dvc.yaml ({len(content['stages'])} stages)")
        return
    import io

    from ruamel.yaml import YAML

    buffer = io.StringIO()
    YAML().dump(content, buffer)
    typer.echo(dvc.HEADER + buffer.getvalue())
