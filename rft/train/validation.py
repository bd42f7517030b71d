"""The full validation run: answers for every validation case, graded, in batches.

Sampling runs under a forked RNG with its own seed, so evaluating never changes the training's
random stream: a resumed run and an uninterrupted one stay identical. One answer per case is
greedy; several (eval_samples > 1) are sampled at the training temperature.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from statistics import fmean

from rft.graders import summarize
from rft.graders.grader_set import NamedGrader, grade_all
from rft.models.generate import generate


@dataclass
class ValidationResult:
    reward_mean: float
    per_grader: dict[str, float]
    errors: dict[str, dict[str, int]]
    parse_error_rate: float
    completion_tokens_mean: float
    seconds: float
    rows: list[dict]


def validate(model, tokenizer, rows: list[dict], graders: list[NamedGrader], samples: int, max_new_tokens: int,
             temperature: float, batch_size: int, seed: int, step: int, engine: str = "hf") -> ValidationResult:
    started = time.perf_counter()
    prompts = [r["messages"] for r in rows]
    texts, lengths = generate(model, tokenizer, prompts, samples, max_new_tokens, temperature, batch_size, seed,
                              engine)
    items = [row for row in rows for _ in range(samples)]
    per_grader, errors, scores, rewards = {}, {}, {}, {}
    graded, total = grade_all(graders, texts, items)
    for name, results in graded.items():
        rewards[name] = [r.reward for r in results]
        scores[name] = [r.scores for r in results]
        summary = summarize(results)
        per_grader[name] = summary["reward_mean"]
        errors[name] = summary["errors"]
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
