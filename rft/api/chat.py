"""Answers for `/v1/chat/completions` from a base model with a job's adapter, in batches.

Requests wait in one queue; a single thread takes what arrived within a short window and answers
those of the same model and settings in one `generate` call (rft/models/generate.py, the code
training's validation and `rft eval` use). The last few loaded models stay in memory. One answer per
request (`n=1`) is greedy; several are sampled at the request's temperature.
"""

from __future__ import annotations

import queue
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

WINDOW_S = 0.05  # how long the first request of a batch waits for others
MAX_BATCH = 32
KEEP_MODELS = 2


@dataclass
class Ask:
    base: str
    adapter: Path | None
    messages: list[dict]
    n: int
    max_tokens: int
    temperature: float
    seed: int | None  # None: any; asks that name none share a batch
    done: threading.Event = field(default_factory=threading.Event)
    texts: list[str] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)
    prompt_tokens: int = 0
    error: Exception | None = None

    def key(self) -> tuple:
        """Asks that can share one `generate` call. One greedy answer needs no seed."""
        return (self.base, str(self.adapter), self.n, self.max_tokens, self.temperature,
                None if self.n == 1 else self.seed)


class Answerer:
    def __init__(self):
        self.asks: queue.Queue[Ask] = queue.Queue()
        self.models: OrderedDict[tuple, tuple] = OrderedDict()
        self.thread = threading.Thread(target=self._loop, name="rft-api-chat", daemon=True)
        self.thread.start()

    def answer(self, ask: Ask, timeout_s: float = 600.0) -> Ask:
        self.asks.put(ask)
        if not ask.done.wait(timeout_s):
            raise TimeoutError("no answer in time")
        if ask.error is not None:
            raise ask.error
        return ask

    def _model(self, base: str, adapter: Path | None):
        key = (base, str(adapter))
        if key in self.models:
            self.models.move_to_end(key)
            return self.models[key]
        from rft.models.loading import load_causal_lm

        model, tokenizer = load_causal_lm(base)
        if adapter is not None:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, str(adapter)).eval()
        self.models[key] = (model, tokenizer)
        while len(self.models) > KEEP_MODELS:
            self.models.popitem(last=False)
        return model, tokenizer

    def _loop(self) -> None:
        while True:
            batch = [self.asks.get()]
            deadline = time.monotonic() + WINDOW_S
            while len(batch) < MAX_BATCH and (left := deadline - time.monotonic()) > 0:
                try:
                    batch.append(self.asks.get(timeout=left))
                except queue.Empty:
                    break
            groups: dict[tuple, list[Ask]] = {}
            for ask in batch:
                groups.setdefault(ask.key(), []).append(ask)
            for group in groups.values():
                self._answer_group(group)

    def _answer_group(self, group: list[Ask]) -> None:
        from rft.models.generate import generate

        first = group[0]
        try:
            model, tokenizer = self._model(first.base, first.adapter)
            seed = first.seed if first.seed is not None else secrets.randbelow(2**31)
            texts, tokens = generate(model, tokenizer, [a.messages for a in group], first.n, first.max_tokens,
                                     first.temperature, len(group), seed)
            for i, ask in enumerate(group):
                ask.texts, ask.tokens = texts[i * ask.n:(i + 1) * ask.n], tokens[i * ask.n:(i + 1) * ask.n]
                text = tokenizer.apply_chat_template(ask.messages, add_generation_prompt=True, tokenize=False)
                ask.prompt_tokens = len(tokenizer(text, add_special_tokens=False)["input_ids"])
        except Exception as err:  # noqa: BLE001 - the requests of this group fail; the server goes on
            for ask in group:
                ask.error = err
        for ask in group:
            ask.done.set()
