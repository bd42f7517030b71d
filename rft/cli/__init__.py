"""The `rft` command line: thin wrappers over the stage functions, one module per command group."""

from __future__ import annotations

import sys

import typer

from rft.env import apply_offline_defaults

apply_offline_defaults()  # before any tool that reads these is imported

from rft.cli import ablate, api, data, eval, grader, pipeline, registry, report, stages, train, watch
from rft.errors import RftInputError, RftSetupError, RftStopped, RftValidationFailed

app = typer.Typer(help="Open, self-hosted reinforcement fine-tuning.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
app.add_typer(data.app, name="data")
app.add_typer(grader.app, name="grader")
app.command("train")(train.train_command)
app.command("eval")(eval.eval_command)
app.command("ablate")(ablate.ablate_command)
app.command("watch")(watch.watch_command)
app.command("register")(registry.register_command)
app.add_typer(registry.app, name="registry")
app.add_typer(stages.app, name="stages")
app.command("run")(pipeline.run_command)
app.command("serve")(pipeline.serve_command)
app.command("report")(report.report_command)
app.command("api")(api.api_command)


def main() -> None:
    try:
        app()
    except RftInputError as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)
    except RftValidationFailed:
        sys.exit(1)
    except RftSetupError as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)
    except RftStopped as err:  # resumable: 130 after Ctrl-C or SIGTERM, 75 (try again) after a time limit
        typer.echo(f"stopped: {err}", err=True)
        sys.exit(130 if err.interrupted else 75)


if __name__ == "__main__":
    main()
