"""The FastAPI app of `rft api`: routes under /v1, every request's key read once, errors in OpenAI's shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request

from rft.api import errors
from rft.api.keys import project_of
from rft.api.store import Store
from rft.api.uploads import UploadLimits


@dataclass
class State:
    store: Store
    keys: dict[str, str]
    limits: UploadLimits = field(default_factory=UploadLimits)


def create_app(home: str | Path, keys: dict[str, str], limits: UploadLimits | None = None):
    from rft.api import files_routes, graders_routes

    state = State(Store(home), keys, limits or UploadLimits())

    def project(request: Request) -> str:  # Request resolved at import: FastAPI reads this annotation
        return project_of(request.headers.get("authorization"), state.keys)

    app = FastAPI(title="rft api", docs_url=None, redoc_url=None, openapi_url=None)
    errors.install(app)
    app.include_router(files_routes.router(state, project), prefix="/v1")
    app.include_router(graders_routes.router(project), prefix="/v1")
    app.state.rft = state
    return app
