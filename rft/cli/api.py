"""`rft api`: OpenAI's fine-tuning API, self-hosted (files, jobs, graders, models, chat completions).

Jobs run as flow runs of the pipeline's Prefect deployment (the flow `rft run` runs), on the params
file with `--set` under each job's own settings. Started here: the Prefect server (PREFECT_API_URL's,
or a temporary one kept in --home), a process worker, and the HTTP server. State lives in --home.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rft.cli.common import ParamsOpt, SetOpt


def _project_dir() -> Path:
    for root in (Path.cwd(), Path(__file__).resolve().parents[2]):
        if (root / "flows" / "rft_pipeline.py").is_file():
            return root
    raise typer.BadParameter("flows/rft_pipeline.py not found (run from the project folder)")


def api_command(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    home: Annotated[Path, typer.Option(help="where files, jobs and the Prefect database are kept")] = Path(".rft-api"),
    keys_file: Annotated[Path | None, typer.Option(help="one 'KEY PROJECT' per line (or RFT_API_KEYS="
                                                   "'key=project,...')")] = None,
    max_upload_mb: Annotated[float, typer.Option(help="largest file accepted")] = 512.0,
    max_upload_lines: Annotated[int, typer.Option(help="most lines in a file accepted")] = 200_000,
    until: Annotated[str, typer.Option(help="the last pipeline stage a job runs")] = "report",
    set_: SetOpt = None,
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Serve OpenAI's fine-tuning API on HOST:PORT; point the `openai` SDK's base_url at http://HOST:PORT/v1."""
    import uvicorn

    from rft.api.app import create_app
    from rft.api.jobs import Refresher
    from rft.api.keys import load_keys
    from rft.api.orchestrator import Orchestrator
    from rft.api.uploads import UploadLimits
    from rft.config import load_params
    from rft.errors import RftInputError
    from rft.stages.pipeline import PIPELINE

    stages = [s.name for s in PIPELINE]
    if until not in stages:
        raise RftInputError("--until", f"must be one of {', '.join(stages)}")
    keys = load_keys(keys_file)
    if not keys:
        raise RftInputError("RFT_API_KEYS", "no API keys: set RFT_API_KEYS='key=project,...' or give --keys-file")
    settings = load_params(params, list(set_ or []))  # a broken params file stops here, before anything starts
    home.mkdir(parents=True, exist_ok=True)
    orchestrator = Orchestrator(_project_dir(), params, list(set_ or []), until)
    limits = UploadLimits(int(max_upload_mb * 2**20), max_upload_lines)
    with orchestrator.started(home):
        app = create_app(home, keys, limits, orchestrator, settings.model.name_or_path, params, list(set_ or []))
        jobs = app.state.rft.jobs
        jobs.refresh_all()  # jobs a stopped server left: their real state, resumed where their process died
        with Refresher(jobs):
            typer.echo(f"rft api: http://{host}:{port}/v1 ({len(keys)} keys; state in {home})", err=True)
            uvicorn.run(app, host=host, port=port, log_level="warning")
