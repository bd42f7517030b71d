"""`/v1/models` and `/v1/chat/completions`: a project's tuned models (`ft:BASE:SUFFIX:JOB`, and each
checkpoint as `…:ckpt-step-N`) and the base model, answered from the adapter on disk (rft/api/chat.py)."""


import json
import secrets
import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from rft.api.chat import Ask
from rft.api.errors import ApiError
from rft.train.recovery import is_complete

MAX_TOKENS = 4096
MAX_N = 8


def _model_object(name: str, created: int, owner: str) -> dict:
    return {"id": name, "object": "model", "created": created, "owned_by": owner}


def _missing(name: str, why: str) -> ApiError:
    return ApiError(404, f"The model '{name}' does not exist or you do not have access to it ({why})",
                    param="model", code="model_not_found")


def resolve(jobs, project: str, name: object) -> tuple[str, Any]:
    """(base model, adapter folder or None) for a model name the caller may use."""
    if not isinstance(name, str) or not name:
        raise ApiError(400, "model is required", param="model")
    if name == jobs.base_model:
        return jobs.base_model, None
    parts = name.split(":")
    if parts[0] != "ft" or len(parts) not in (4, 5):
        raise _missing(name, "not a base model of this server, nor ft:BASE:SUFFIX:JOB")
    row = jobs.store.job(project, parts[3])
    if row is None:
        raise _missing(name, "no such job in this project")
    if len(parts) == 5:
        step = parts[4].removeprefix("ckpt-step-")
        folder = jobs.run_dir(row) / f"checkpoint-{step}"
        if not (step.isdigit() and folder.is_dir() and is_complete(folder)):
            raise _missing(name, "no such checkpoint")
    else:
        row = jobs.refresh(row)
        if row["status"] != "succeeded":
            raise _missing(name, f"its job is {row['status']}")
        folder = jobs.run_dir(row) / "best"
    config = json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))
    return config["base_model_name_or_path"], folder  # the model it was trained on, as training loaded it


def _number(body: dict, name: str, default, low, high, kind=int):
    value = body.get(name, default)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and value != int(value)) \
            or not low <= value <= high:
        raise ApiError(400, f"{name} must be {'a whole number' if kind is int else 'a number'} from {low} to {high}",
                       param=name)
    return kind(value)


def router(jobs, answerer, project) -> APIRouter:
    api = APIRouter()
    Who = Annotated[str, Depends(project)]

    @api.get("/models")
    def listing(who: Who):
        data = [_model_object(jobs.base_model, 0, "rft")]
        rows, _ = jobs.store.jobs(who, None, 1000)
        data += [_model_object(r["fine_tuned_model"], r["finished_at"], who) for r in rows if r["fine_tuned_model"]]
        return {"object": "list", "data": data}

    @api.post("/chat/completions")
    def chat(who: Who, body: Annotated[Any, Body()] = None):
        if not isinstance(body, dict):
            raise ApiError(400, "the request body must be a JSON object")
        if body.get("stream"):
            raise ApiError(400, "stream is not supported here; ask without it", param="stream")
        for name in ("tools", "functions"):
            if body.get(name):
                raise ApiError(400, f"{name} are not supported here", param=name)
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages or not all(
                isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
                for m in messages):
            raise ApiError(400, "messages must be a non-empty list of {role, content} with text content",
                           param="messages")
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        ask = Ask(*resolve(jobs, who, body.get("model")), [{"role": m["role"], "content": m["content"]} for m in messages],
                  n=_number(body, "n", 1, 1, MAX_N), max_tokens=_number({"max_tokens": limit}, "max_tokens", 256, 1,
                                                                        MAX_TOKENS),
                  temperature=_number(body, "temperature", 1.0, 0.0, 2.0, float),
                  seed=None if body.get("seed") is None else _number(body, "seed", 0, 0, 2**63 - 1))
        done = _answered(answerer, ask)
        choices = [{"index": i, "message": {"role": "assistant", "content": text, "refusal": None},
                    "finish_reason": "length" if n >= ask.max_tokens else "stop", "logprobs": None}
                   for i, (text, n) in enumerate(zip(done.texts, done.tokens))]
        completion = sum(done.tokens)
        return {"id": f"chatcmpl-{secrets.token_hex(12)}", "object": "chat.completion", "created": int(time.time()),
                "model": body["model"], "choices": choices, "usage": {
                    "prompt_tokens": done.prompt_tokens, "completion_tokens": completion,
                    "total_tokens": done.prompt_tokens + completion}}

    return api


def _answered(answerer, ask: Ask) -> Ask:
    try:
        return answerer.answer(ask)
    except TimeoutError:
        raise ApiError(503, "the model did not answer in time; try again", type="server_error") from None
