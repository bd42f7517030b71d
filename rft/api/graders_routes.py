"""`/v1/fine_tuning/alpha/graders/validate` and `/run`: the same checks and grading as `rft grader`."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from rft.api.errors import ApiError
from rft.errors import RftInputError


def _built(raw: Any):
    """A grader from a request's `grader`, built (building checks what parsing cannot); 400 naming the field."""
    from rft.graders import build_grader
    from rft.graders.load import parse_grader

    try:
        config = parse_grader(raw, "grader", prefix="grader")
        return build_grader(config)
    except RftInputError as err:
        raise ApiError(400, err.message, param=err.field or "grader", code="invalid_grader") from None
    except (ValueError, RuntimeError) as err:
        raise ApiError(400, str(err), param="grader", code="invalid_grader") from None


def router(project) -> APIRouter:
    api = APIRouter()
    Who = Annotated[str, Depends(project)]

    @api.post("/fine_tuning/alpha/graders/validate")
    def validate(who: Who, grader: Annotated[Any, Body(embed=True)]):  # sync: runs in the thread pool
        _built(grader).close()
        return {"grader": grader}

    @api.post("/fine_tuning/alpha/graders/run")
    def run(who: Who, grader: Annotated[Any, Body()], model_sample: Annotated[str, Body()],
            item: Annotated[dict | None, Body()] = None):
        from rft.graders import grade_batch

        built = _built(grader)
        try:
            (result,) = grade_batch(built, [model_sample], [item or {}])
        finally:
            built.close()
        return result.to_run_response()

    return api
