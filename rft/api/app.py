"""The FastAPI app of `rft api`: routes under /v1, every request's key read once, errors in OpenAI's shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request

from rft.api import errors
from rft.api.jobs import Jobs
from rft.api.keys import project_of
from rft.api.store import Store
from rft.api.uploads import UploadLimits


@dataclass
class State:
    store: Store
    keys: dict[str, str]
    limits: UploadLimits = field(default_factory=UploadLimits)
    jobs: Jobs | None = None


def create_app(home: str | Path, keys: dict[str, str], limits: UploadLimits | None = None,
               orchestrator=None, base_model: str = "smollm2-135m-instruct", params_file: Path | None = None,
               sets: list[str] | None = None):
    """`orchestrator` (rft/api/orchestrator.py) runs the jobs on `params_file` with `sets` under each job's
    own settings; without one, creating a job is refused (after its body is checked)."""
    from rft.api import files_routes, graders_routes, jobs_routes, models_routes
    from rft.api.chat import Answerer

    store = Store(home)
    state = State(store, keys, limits or UploadLimits(), Jobs(store, orchestrator, base_model, params_file, sets))

    def project(request: Request) -> str:  # Request resolved at import: FastAPI reads this annotation
        return project_of(request.headers.get("authorization"), state.keys)

    app = FastAPI(title="rft api", docs_url=None, redoc_url=None, openapi_url=None)
    errors.install(app)
    app.include_router(files_routes.router(state, project), prefix="/v1")
    app.include_router(graders_routes.router(project), prefix="/v1")
    app.include_router(jobs_routes.router(state.jobs, project), prefix="/v1")
    app.include_router(models_routes.router(state.jobs, Answerer(), project), prefix="/v1")
    app.state.rft = state
    return app
