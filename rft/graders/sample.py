"""The `sample` namespace: a model's answer as graders see it (OpenAI graders guide)."""

from __future__ import annotations

import json
import re

_FENCE = re.compile(r"^```(?:json)?\s*\n?(.*?)\n?```\s*$", re.DOTALL)


def parse_output_json(text: str) -> object | None:
    """The answer as JSON when it is JSON. A ```json fence around it is accepted, since small
    models often add one; anything else gives None (and `output_json` references then flag
    sample_parse_error)."""
    stripped = text.strip()
    if not stripped:
        return None
    fenced = _FENCE.match(stripped)
    if fenced:
        stripped = fenced.group(1).strip()
    if stripped[0] not in "{[":
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def make_sample(output_text: str, output_tools: list | None = None, output_json: object | None = None) -> dict:
    """A sample dict with OpenAI's keys: output_text, output_json, output_tools, choices, output_audio."""
    if output_json is None:
        output_json = parse_output_json(output_text)
    tools = output_tools or []
    message: dict = {"role": "assistant", "content": output_text}
    if tools:
        message["tool_calls"] = tools
    return {
        "output_text": output_text,
        "output_json": output_json,
        "output_tools": tools,
        "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
        "output_audio": None,
    }


def as_sample(value: str | dict) -> dict:
    """Accept plain text or an already-built sample dict."""
    if isinstance(value, str):
        return make_sample(value)
    if "output_text" not in value:
        raise ValueError("a sample dict needs 'output_text'")
    full = make_sample(value["output_text"], value.get("output_tools"), value.get("output_json"))
    full.update({k: v for k, v in value.items() if k in ("choices", "output_audio") and v is not None})
    return full
