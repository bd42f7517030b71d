"""`/v1/fine_tuning/jobs`: create, list, retrieve, cancel, pause, resume, events, checkpoints; OpenAI's shapes."""


from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from rft.api.errors import ApiError
from rft.api.job_views import checkpoints_page, events_page, job_object

Limit = Annotated[int, Query(ge=1, le=100)]


def router(jobs, project) -> APIRouter:
    """`jobs` is the service (rft/api/jobs.py); `project` the dependency that reads the key."""
    api = APIRouter(prefix="/fine_tuning/jobs")
    Who = Annotated[str, Depends(project)]

    @api.post("")
    def create(who: Who, body: Annotated[Any, Body()] = None):
        if not isinstance(body, dict):
            raise ApiError(400, "the request body must be a JSON object", param=None)
        return job_object(jobs.create(who, body))

    @api.get("")
    def listing(who: Who, after: str | None = None, limit: Limit = 20):
        rows, more = jobs.store.jobs(who, after, limit)
        return {"object": "list", "data": [job_object(jobs.refresh(r)) for r in rows], "has_more": more}

    @api.get("/{job_id}")
    def retrieve(job_id: str, who: Who):
        return job_object(jobs.get(who, job_id))

    def acting(do):
        def act(job_id: str, who: Who):
            return job_object(do(who, job_id))
        return act

    for action in ("cancel", "pause", "resume"):  # each answers the job as it is after the action
        api.add_api_route(f"/{{job_id}}/{action}", acting(getattr(jobs, action)), methods=["POST"])

    @api.get("/{job_id}/events")
    def events(job_id: str, who: Who, after: str | None = None, limit: Limit = 20):
        row = jobs.get(who, job_id)
        return events_page(jobs.run_dir(row), after, limit, jobs.store.events(job_id))

    @api.get("/{job_id}/checkpoints")
    def checkpoints(job_id: str, who: Who, after: str | None = None, limit: Limit = 10):
        row = jobs.get(who, job_id)
        return checkpoints_page(jobs.run_dir(row), job_id, jobs.model_of(row), after, limit)

    return api
