"""Answers from a local model for chat prompts: what in-training validation and `rft eval` share.

Two engines (rft/models/backends.py): `hf`, plain generate in padded batches, and `continuous`,
transformers' continuous batching (every prompt at once; finished answers free their slot).
Sampling runs under a forked RNG with its own seed, so generating never changes a caller's random
stream (a resumed training and an uninterrupted one stay identical). One answer per prompt is greedy;
several are sampled at `temperature`. Answers come back grouped by prompt, in prompt order.
"""

from __future__ import annotations


def generate(model, tokenizer, prompts: list[list[dict]], samples: int, max_new_tokens: int, temperature: float,
             batch_size: int, seed: int, engine: str = "hf") -> tuple[list[str], list[int]]:
    import torch

    was_training = model.training
    model.eval()
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"  # decoder-only models continue from the right edge
    devices = [model.device] if model.device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=devices), torch.no_grad():
            torch.manual_seed(seed)
            if engine == "continuous":
                return _continuous(model, tokenizer, prompts, samples, max_new_tokens, temperature, seed)
            return _padded(model, tokenizer, prompts, samples, max_new_tokens, temperature, batch_size)
    finally:
        tokenizer.padding_side = side
        if was_training:
            model.train()


def _rendered(tokenizer, prompts: list[list[dict]]) -> list[str]:
    return [tokenizer.apply_chat_template(p, add_generation_prompt=True, tokenize=False) for p in prompts]


def _answer(tokenizer, ids: list[int]) -> tuple[str, int]:
    kept = [t for t in ids if t != tokenizer.pad_token_id]  # both engines count tokens the same way
    return tokenizer.decode(kept, skip_special_tokens=True), len(kept)


def _padded(model, tokenizer, prompts, samples, max_new_tokens, temperature, batch_size):
    texts, lengths = [], []
    for start in range(0, len(prompts), batch_size):
        batch = tokenizer(_rendered(tokenizer, prompts[start:start + batch_size]), return_tensors="pt", padding=True,
                          add_special_tokens=False).to(model.device)
        out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=samples > 1,
                             temperature=temperature if samples > 1 else None, top_p=None, top_k=None,
                             num_return_sequences=samples, pad_token_id=tokenizer.pad_token_id)
        for row in out[:, batch["input_ids"].shape[1]:]:
            text, n = _answer(tokenizer, row.tolist())
            texts.append(text)
            lengths.append(n)
    return texts, lengths


def _continuous(model, tokenizer, prompts, samples, max_new_tokens, temperature, seed):
    import copy

    from transformers.generation import ContinuousBatchingConfig

    from rft.models.backends import continuous_config

    ids = [tokenizer(text, add_special_tokens=False)["input_ids"] for text in _rendered(tokenizer, prompts)]
    config = copy.deepcopy(model.generation_config)  # the model's own stop tokens, as plain generate uses
    config.update(max_new_tokens=max_new_tokens, do_sample=samples > 1,
                  temperature=temperature if samples > 1 else None, top_p=None, top_k=None,
                  num_return_sequences=samples, pad_token_id=tokenizer.pad_token_id)
    longest = max((len(i) for i in ids), default=0) + max_new_tokens
    engine = ContinuousBatchingConfig(seed=seed, **continuous_config(model.device.type == "cuda",
                                                                     len(ids) * samples, longest))
    outputs = model.generate_batch(ids, generation_config=config, continuous_batching_config=engine,
                                   progress_bar=False)
    failed = [key for key, out in outputs.items() if out.error is not None]
    if len(outputs) != len(ids) * samples or failed:  # transformers logs these and carries on; we do not
        raise RuntimeError(f"continuous batching returned {len(outputs)} of {len(ids) * samples} answers"
                           + (f"; failed: {', '.join(failed[:5])}" if failed else ""))
    texts, lengths = [], []
    for out in outputs.values():  # in input order, each prompt's samples together
        text, n = _answer(tokenizer, list(out.generated_tokens))
        texts.append(text)
        lengths.append(n)
    return texts, lengths
