"""A client of any OpenAI-compatible chat completions server: how `rft eval` asks endpoint models and how
model graders ask their judge. Retries and timeouts are JsonPoster's."""

from __future__ import annotations

from dataclasses import dataclass

from rft.models.http_json import HttpFailed, JsonPoster


class ChatFailed(Exception):
    """The server did not answer with a chat completion (after retries)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass
class ChatReply:
    text: str
    refusal: str | None = None
    usage: dict | None = None


def chat_parts(content: object) -> object:
    """Content parts in the chat API's types: OpenAI's grader and Responses inputs say `input_text`
    and `input_image`, which chat servers do not know."""
    if not isinstance(content, list):
        return content
    out = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "output_text"):
            out.append({"type": "text", "text": part.get("text", "")})
        elif kind == "input_image":
            url = part.get("image_url")
            out.append({"type": "image_url", "image_url": url if isinstance(url, dict) else {
                "url": url, **({"detail": part["detail"]} if part.get("detail") else {})}})
        else:
            out.append(part)
    return out


class ChatClient:
    def __init__(self, model: str, base_url: str | None, api_key: str | None, timeout: float = 120.0):
        base = (base_url or "https://api.openai.com/v1").rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.model, self.base = model, base
        self.poster = JsonPoster(f"{base}/chat/completions", headers, timeout=timeout, retries=3)

    def complete(self, messages: list[dict], **sampling) -> ChatReply:
        try:
            messages = [{**m, "content": chat_parts(m.get("content"))} for m in messages]
            reply = self.poster.post({"model": self.model, "messages": messages, **sampling})
        except HttpFailed as err:
            raise ChatFailed(str(err), err.status) from None
        try:
            message = reply["choices"][0]["message"]
        except (KeyError, IndexError, TypeError):
            raise ChatFailed(f"not a chat completion: {reply!r:.200}") from None
        return ChatReply(message.get("content") or "", message.get("refusal"), reply.get("usage"))
