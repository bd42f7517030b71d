"""The full validation run: answers for every validation case, graded, in batches.

Sampling runs under a forked RNG with its own seed, so evaluating never changes the training's
random stream: a resumed run and an uninterrupted one stay identical. One answer per case is
greedy; several (eval_samples > 1) are sampled at the training temperature.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from statistics import fmean

from rft.graders import grade_batch, summarize
from rft.train.rewards import NamedGrader, weighted


@dataclass
class ValidationResult:
    reward_mean: float
    per_grader: dict[str, float]
    errors: dict[str, dict[str, int]]
    parse_error_rate: float
    completion_tokens_mean: float
    seconds: float
    rows: list[dict]


def generate(model, tokenizer, prompts: list[list[dict]], samples: int, max_new_tokens: int, temperature: float,
             batch_size: int, seed: int) -> tuple[list[str], list[int]]:
    import torch

    texts, lengths = [], []
    was_training = model.training
    model.eval()
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"  # decoder-only models continue from the right edge
    devices = [model.device] if model.device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=devices), torch.no_grad():
            torch.manual_seed(seed)
            for start in range(0, len(prompts), batch_size):
                chunk = prompts[start:start + batch_size]
                rendered = [tokenizer.apply_chat_template(p, add_generation_prompt=True, tokenize=False) for p in chunk]
                batch = tokenizer(rendered, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
                out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=samples > 1,
                                     temperature=temperature if samples > 1 else None, top_p=None, top_k=None,
                                     num_return_sequences=samples, pad_token_id=tokenizer.pad_token_id)
                new = out[:, batch["input_ids"].shape[1]:]
                for row in new:
                    ids = row[row != tokenizer.pad_token_id]
                    texts.append(tokenizer.decode(ids, skip_special_tokens=True))
                    lengths.append(int(ids.shape[0]))
    finally:
        tokenizer.padding_side = side
        if was_training:
            model.train()
    return texts, lengths


def validate(model, tokenizer, rows: list[dict], graders: list[NamedGrader], samples: int, max_new_tokens: int,
             temperature: float, batch_size: int, seed: int, step: int) -> ValidationResult:
    started = time.perf_counter()
    prompts = [r["messages"] for r in rows]
    texts, lengths = generate(model, tokenizer, prompts, samples, max_new_tokens, temperature, batch_size, seed)
    items = [row for row in rows for _ in range(samples)]
    per_grader, errors, scores, rewards = {}, {}, {}, {}
    for named in graders:
        results = grade_batch(named.grader, texts, items)
        rewards[named.name] = [r.reward for r in results]
        scores[named.name] = [r.scores for r in results]
        summary = summarize(results)
        per_grader[named.name] = summary["reward_mean"]
        errors[named.name] = summary["errors"]
    total = weighted(rewards, graders)
    parse_errors = sum(e.get("sample_parse_error", 0) for e in errors.values())
    rows_out = [{"step": step, "split": "valid", "case_id": item.get("case_id", ""), "prompt": _last_user(item),
                 "completion": text, "completion_tokens": n, "reward": reward,
                 **{f"reward/{g}": rewards[g][i] for g in rewards},
                 **{f"score/{g}/{k}": v for g in scores for k, v in scores[g][i].items()}}
                for i, (item, text, n, reward) in enumerate(zip(items, texts, lengths, total))]
    return ValidationResult(
        reward_mean=fmean(total), per_grader=per_grader, errors=errors,
        parse_error_rate=parse_errors / max(1, len(texts) * len(graders)),
        completion_tokens_mean=fmean(lengths) if lengths else 0.0,
        seconds=time.perf_counter() - started, rows=rows_out)


def _last_user(item: dict) -> str:
    return next((m["content"] for m in reversed(item["messages"]) if m.get("role") == "user"), "")
