"""Answers from each kind of model, one per case, in case order.

A local model (the base, or the base with an adapter) generates greedily in batches; an endpoint
model is asked through an OpenAI-compatible chat API with a few requests in flight; the classical
baseline writes its ranking as the JSON answer a model would give, so every kind is graded alike;
saved answers are read back by case id, so old runs can be scored again with today's metrics.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from rft.errors import RftInputError
from rft.eval.specs import ModelSpec
from rft.progress import progress


@dataclass
class Answers:
    texts: list[str]
    tokens: list[int]
    seconds: float
    errors: list[str | None] = field(default_factory=list)  # per case; a failed request is a miss
    model: str = ""  # what actually answered (a model path, an endpoint URL)
    # Per case, for rankers that give scores: item -> (first, last) position of its tie group.
    spans: list[dict[str, tuple[int, int]]] | None = None


def run_model(spec: ModelSpec, rows: list[dict], model_name: str, cfg, source: str = "eval split",
              id_field: str = "case_id") -> Answers:
    """`source` (the split file) names the file in errors about its lines."""
    if spec.kind == "baseline":
        return _baseline(rows, cfg.baseline_top, source)
    if spec.kind == "answers":
        return _saved(spec.target, rows, id_field)
    if spec.kind == "endpoint":
        return _endpoint(spec.target, rows, cfg)
    return _local(model_name, spec.target, rows, cfg)


def _baseline(rows: list[dict], top: int, source: str) -> Answers:
    from rft.models.phenotype_ranker import PhenotypeRanker

    started = time.perf_counter()
    ranker = PhenotypeRanker.load()
    texts, spans = [], []
    for i, row in enumerate(progress(rows, "baseline", unit="case")):
        present = row.get("present_hpo")
        if not isinstance(present, list):
            raise RftInputError(source, "the classical baseline needs a list of HPO ids in each line",
                                line=i + 1, field="present_hpo")
        ranked = ranker.rank(present, top)
        texts.append(json.dumps({"genes": ranked.genes}))
        spans.append(ranked.spans)
    return Answers(texts, [0] * len(rows), time.perf_counter() - started, [None] * len(rows), "classical baseline",
                   spans)


def _saved(path: str, rows: list[dict], id_field: str) -> Answers:
    """Answers recorded earlier, matched to the split's cases by id (`case_id` in eval records)."""
    from rft.jsonl import iter_numbered

    started = time.perf_counter()
    by_id = {}
    for number, record in iter_numbered(path, required=("completion",)):
        key = record.get("case_id", record.get(id_field))
        if key is None:
            raise RftInputError(path, f"no case id (case_id or {id_field})", line=number, field="case_id")
        if not isinstance(record["completion"], str):
            raise RftInputError(path, "expected a string", line=number, field="completion")
        if not isinstance(record.get("completion_tokens", 0), int | float | None):
            raise RftInputError(path, "expected a number", line=number, field="completion_tokens")
        by_id[str(key)] = record
    picked = []
    for i, row in enumerate(rows):
        key = str(row.get(id_field, i))
        if key not in by_id:
            raise RftInputError(path, f"no answer for case '{key}' of the split")
        picked.append(by_id[key])
    return Answers([r["completion"] for r in picked], [int(r.get("completion_tokens") or 0) for r in picked],
                   time.perf_counter() - started, [r.get("error") for r in picked], f"saved answers in {path}")


def _local(model_name: str, adapter: str | None, rows: list[dict], cfg) -> Answers:
    import torch

    from rft.models.backends import choose_for_eval
    from rft.models.generate import generate
    from rft.models.loading import load_causal_lm

    if adapter:
        from rft.eval.adapters import check_adapter

        check_adapter(adapter, model_name)  # before the slow load
    model, tokenizer = load_causal_lm(model_name)
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter).eval()
    on_gpu = model.device.type == "cuda"
    engine = choose_for_eval(cfg.generation, on_gpu)
    batch = cfg.batch_size or (256 if engine == "continuous" else 32 if on_gpu else 8)
    started = time.perf_counter()
    texts, tokens = [], []
    starts = range(0, len(rows), batch)
    for start in progress(starts, f"answers from {adapter or model_name}", unit="batch", total=len(starts)):
        chunk = [r["messages"] for r in rows[start:start + batch]]
        t, n = generate(model, tokenizer, chunk, 1, cfg.max_new_tokens, 1.0, len(chunk), cfg.seed, engine)
        texts += t
        tokens += n
    seconds = time.perf_counter() - started
    del model
    if on_gpu:
        torch.cuda.empty_cache()
    return Answers(texts, tokens, seconds, [None] * len(rows), adapter or model_name)


def _endpoint(model: str, rows: list[dict], cfg) -> Answers:
    from rft.models.chat_client import ChatClient, ChatFailed

    base = cfg.endpoint_url or os.environ.get("RFT_EVAL_BASE_URL") or os.environ.get("OPENAI_BASE_URL") or ""
    key = os.environ.get("RFT_EVAL_API_KEY") or os.environ.get("OPENAI_API_KEY") or ""
    client = ChatClient(model, base or None, key or None, timeout=300.0)

    def ask(row: dict) -> tuple[str, int, str | None]:
        try:
            reply = client.complete(row["messages"], max_tokens=cfg.max_new_tokens, temperature=0)
        except ChatFailed as fault:  # after retries: this case is a miss
            return "", 0, str(fault)
        return reply.text, int((reply.usage or {}).get("completion_tokens", 0)), None

    started = time.perf_counter()
    with ThreadPoolExecutor(cfg.concurrency) as pool:
        results = list(progress(pool.map(ask, rows), f"answers from {model}", unit="case", total=len(rows)))
    errors = [e for _, _, e in results]
    if rows and all(errors):
        raise RftInputError(client.base, f"the endpoint answered no case for model '{model}': {errors[0]}")
    return Answers([t for t, _, _ in results], [n for _, n, _ in results], time.perf_counter() - started,
                   errors, f"{model} at {client.base}")
