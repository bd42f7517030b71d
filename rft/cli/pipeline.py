"""`rft run` (the whole pipeline as a Prefect flow, now) and `rft serve` (the same flow deployed on a
schedule). The flow is loaded from flows/rft_pipeline.py by entrypoint: cli never imports flows."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from rft.cli.common import ParamsOpt, SetOpt

ProfileOpt = Annotated[str | None, typer.Option(help="smoke, gpu, or a .yaml of overrides (default: params' profile)")]


def _flow():
    from prefect.flows import load_flow_from_entrypoint

    for root in (Path.cwd(), Path(__file__).resolve().parents[2]):
        if (root / "flows" / "rft_pipeline.py").is_file():
            return load_flow_from_entrypoint(f"{root / 'flows' / 'rft_pipeline.py'}:rft_pipeline")
    raise typer.BadParameter("flows/rft_pipeline.py not found (run from the project folder)")


FileOpt = Annotated[Path | None, typer.Option(help="OpenAI's training file (JSONL); with --valid-file, skips the split")]


def run_command(
    train_file: FileOpt = None,
    valid_file: Annotated[Path | None, typer.Option(help="OpenAI's validation file (JSONL)")] = None,
    grader: Annotated[Path | None, typer.Option(help="a grader in OpenAI's JSON (or a job JSON's grader)")] = None,
    job: Annotated[Path | None, typer.Option(help="an OpenAI job body (POST /fine_tuning/jobs): model, files, "
                                             "grader, hyperparameters, seed, suffix")] = None,
    profile: ProfileOpt = None,
    run_name: Annotated[str, typer.Option(help="the run folder under runs/")] = "pipeline",
    register_as: Annotated[str | None, typer.Option(help="register the tuned adapter under this name")] = None,
    until: Annotated[str, typer.Option(help="stop after this stage")] = "report",
    refresh: Annotated[bool, typer.Option(help="ignore cached stage results (after upgrading rft, say)")] = False,
    overwrite: Annotated[bool, typer.Option(help="replace a run folder that holds a run of other inputs")] = False,
    set_: SetOpt = None,
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Run import -> split -> validate -> train -> eval (-> register) now, as a Prefect flow. Ctrl-C ends it
    after the current stage saves (training: at the end of its step); run the same command to resume.
    With --train-file and --valid-file (OpenAI's two files) and --grader, the data are taken as split."""
    job_sets: list[str] = []
    if job is not None:
        from rft.openai_job import read_job

        settings = read_job(job)
        for warning in settings.warnings:
            typer.echo(f"warning: {job}: {warning}", err=True)
        train_file, valid_file = train_file or settings.train_file, valid_file or settings.valid_file
        run_name = settings.suffix if settings.suffix and run_name == "pipeline" else run_name
        job_sets = settings.overrides
    # The job first: the command's own flags and --set win over it.
    sets = job_sets + _file_overrides(train_file, valid_file, grader, run_name) + list(set_ or [])
    from rft.config import load_params

    # Read here, before any server starts: a missing or broken params file is exit 2 and touches nothing.
    load_params(params, sets + ([f"profile={profile}"] if profile else []))
    if refresh:
        os.environ["PREFECT_TASKS_REFRESH_CACHE"] = "true"  # read by Prefect when the flow starts
    from rft import stop
    from rft.prefect_server import prefect_server

    pipeline = _flow()
    with stop.on_signals(), prefect_server(Path(os.environ.get("PREFECT_HOME", ".prefect"))):
        state = pipeline(params_file=str(params), profile=profile, overrides=sets, run_name=run_name,
                         model_name=register_as, until=until, overwrite=overwrite, return_state=True)
    if not state.is_completed():
        if (asked := stop.requested()) is not None:
            typer.echo(f"stopped ({asked}): no later stage ran; run the same command again to resume", err=True)
            raise typer.Exit(130)
        typer.echo(f"pipeline {state.name}: {state.message}", err=True)
        raise typer.Exit(1)
    done = state.result()
    if "eval" in done:
        from rft.eval.table import markdown_table

        typer.echo("\n" + markdown_table(done["eval"]))
    if done.get("register"):
        reg = done["register"]
        typer.echo(f"registered v{reg['version']} at {reg['location']}" if reg["registered"]
                   else "not registered:\n" + "\n".join(reg["gate"]))
    typer.echo(f"results: runs/{run_name}/ (adapter best/, events, rollouts, rewards.csv), "
               f"{done.get('eval_dir', 'reports/eval')}/ (metrics.json, table.md, chart.png, paired.png, cases/)"
               + (f", report {done['report']['report']}" if done.get("report") else ""))


def _file_overrides(train: Path | None, valid: Path | None, grader: Path | None, run_name: str) -> list[str]:
    import json

    from rft.errors import RftInputError
    from rft.openai_files import openai_files_overrides

    if (train is None) != (valid is None):
        raise RftInputError("--train-file" if train is None else "--valid-file",
                            "give both --train-file and --valid-file (OpenAI's two files); to split one file "
                            "here, name it in data.lines with split.group_by")
    if train is None:
        return [f"grader={json.dumps({'file': str(grader.resolve())})}"] if grader is not None else []
    return openai_files_overrides(train, valid, grader, run_name)


def serve_command(
    name: Annotated[str, typer.Option(help="the deployment's name")] = "nightly",
    cron: Annotated[str, typer.Option(help="when to run (cron, in the server's time zone)")] = "0 2 * * *",
    profile: ProfileOpt = None,
    run_name: Annotated[str, typer.Option(help="the run folder under runs/")] = "nightly",
    register_as: Annotated[str | None, typer.Option(help="register the tuned adapter under this name")] = None,
    until: Annotated[str, typer.Option(help="stop after this stage")] = "report",
    overwrite: Annotated[bool, typer.Option(help="a run of changed inputs replaces the last one")] = False,
    set_: SetOpt = None,
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Serve the pipeline as a scheduled deployment (needs PREFECT_API_URL: `prefect server start`).

    Unchanged data and params hit the cache, so a nightly run retrains only when something changed."""
    _flow().serve(name=name, cron=cron, tags=["rft"], parameters={
        "params_file": str(params), "profile": profile, "overrides": list(set_ or []), "run_name": run_name,
        "model_name": register_as, "until": until, "overwrite": overwrite})
