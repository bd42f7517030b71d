"""Judges for model graders: any OpenAI-compatible chat endpoint, or a local transformers model.

`model: "gpt-4.1-mini"` (any name) goes to RFT_JUDGE_BASE_URL (else OPENAI_BASE_URL, else
api.openai.com/v1) with RFT_JUDGE_API_KEY (else OPENAI_API_KEY). `model: "local:PATH"` runs a local
model: a folder, a GGUF file, or `local:smollm2-135m-instruct` for the embedded default.

As OpenAI runs them, the grader's messages go out as written (no instruction of ours is added): the
output format is asked for through the request (`response_format` with a JSON schema), and a server that
refuses that field is asked again without it, once, and remembered.
"""

from __future__ import annotations

import json
import os
import threading
from functools import lru_cache

from rft.graders.result import GraderFault
from rft.graders.sample import parse_output_json
from rft.models.chat_client import ChatClient, ChatFailed, ChatReply

_DECODER = json.JSONDecoder()


JudgeReply = ChatReply  # what a judge answers: text, refusal, usage


def _sampling(params) -> dict:
    if params is None:
        return {}
    out = {"temperature": params.temperature, "top_p": params.top_p, "seed": params.seed,
           "max_tokens": params.max_completions_tokens, "reasoning_effort": params.reasoning_effort}
    return {k: v for k, v in out.items() if v is not None}


class HttpJudge:
    """A model grader's judge on an OpenAI-compatible server (the shared chat client, faults as GraderFault)."""

    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None,
                 timeout: float = 120.0):
        if base_url is None:
            base_url = os.environ.get("RFT_JUDGE_BASE_URL") or os.environ.get("OPENAI_BASE_URL")
        if api_key is None:
            api_key = os.environ.get("RFT_JUDGE_API_KEY") or os.environ.get("OPENAI_API_KEY")
        self.client = ChatClient(model, base_url, api_key, timeout)
        self.model, self.base = model, self.client.base

        self.structured: bool | None = None  # None: not yet known whether the server takes response_format

    def chat(self, messages: list[dict], params=None, schema: dict | None = None) -> JudgeReply:
        sampling = _sampling(params)
        try:
            if schema is not None and self.structured is not False:
                try:
                    reply = self.client.complete(messages, **sampling, response_format=schema)
                    self.structured = True
                    return reply
                except ChatFailed as err:
                    if self.structured or err.status not in (400, 422):
                        raise
                    self.structured = False  # a server without structured outputs: the reply is parsed as text
            return self.client.complete(messages, **sampling)
        except ChatFailed as err:
            raise GraderFault("model_grader_server_error", str(err)) from None


class LocalJudge:
    def __init__(self, path: str):
        self.path = path
        self.lock = threading.Lock()
        self.loaded = None

    def chat(self, messages: list[dict], params=None, schema: dict | None = None) -> JudgeReply:
        """`schema` is not enforced here (plain generate): the reply is parsed as text."""
        import torch

        from rft.models.loading import load_causal_lm

        with self.lock:  # one generation at a time on one model
            if self.loaded is None:
                self.loaded = load_causal_lm(self.path)
            model, tokenizer = self.loaded
            chat = [{"role": "system" if m["role"] == "developer" else m["role"], "content": _plain(m["content"])}
                    for m in messages]
            ids = tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt",
                                                return_dict=True).to(model.device)
            sampling = _sampling(params)
            temperature = sampling.get("temperature", 0.0)
            with torch.no_grad():
                out = model.generate(**ids, max_new_tokens=sampling.get("max_tokens", 256),
                                     do_sample=temperature > 0, temperature=temperature or None,
                                     top_p=sampling.get("top_p"), pad_token_id=tokenizer.pad_token_id)
            new = out[0, ids["input_ids"].shape[1]:]
            usage = {"prompt_tokens": int(ids["input_ids"].shape[1]), "completion_tokens": int(new.shape[0])}
            return JudgeReply(tokenizer.decode(new, skip_special_tokens=True), usage=usage)


def _plain(content: object) -> str:
    """A local chat template takes text: the text parts, joined."""
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return content if isinstance(content, str) else json.dumps(content)


@lru_cache(maxsize=8)
def make_judge(model: str):
    """One judge per model name per process, so graders share a loaded model."""
    return LocalJudge(model.removeprefix("local:")) if model.startswith("local:") else HttpJudge(model)


def json_object(text: str) -> dict | None:
    """The first JSON object in a judge's reply (bare, fenced, or inside prose)."""
    parsed = parse_output_json(text)
    if isinstance(parsed, dict):
        return parsed
    for start in [i for i, ch in enumerate(text) if ch == "{"][:20]:
        try:
            value, _ = _DECODER.raw_decode(text, start)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def render_messages(templates: list, sample: dict, item: dict) -> list[dict]:
    """Grader `input` messages with their templates filled; content parts keep their shape."""
    out = []
    for message, compiled in templates:
        if isinstance(message.content, str):
            content = compiled[0].render(sample, item)
        elif isinstance(message.content, list):
            it = iter(compiled)
            content = [{**p, "text": next(it).render(sample, item)} if isinstance(p, dict) and
                       isinstance(p.get("text"), str) else p for p in message.content]
        else:
            content = message.content
        out.append({"role": message.role, "content": content})
    return out
