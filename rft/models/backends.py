"""Which engine writes the answers: plain generate (`hf`), transformers' continuous batching
(`continuous`) or vLLM (`vllm`). Training (`train.generation`) and evaluation (`eval.generation`)
choose the same way.

`auto` takes vLLM when it is installed and a GPU is used, then continuous batching on a GPU, then
plain generate on a CPU. Continuous batching runs on a CPU too; on two cores its sampling took 14-17%
less time than plain generate's for the default model and 42% more for a tiny one (README:
Benchmarks), so there `auto` keeps the engine every CPU test has run with.
"""

from __future__ import annotations

import importlib.util
from typing import Literal

from rft.errors import RftInputError

Generation = Literal["auto", "hf", "continuous", "vllm"]
# Tokens per page of the continuous-batching cache on a CPU.
CPU_PAGE = 64


def vllm_installed() -> bool:
    return importlib.util.find_spec("vllm") is not None


def choose(wanted: str, on_gpu: bool, setting: str) -> str:
    """The engine to use; `setting` names the params field in errors (train.generation, eval.generation)."""
    if wanted == "auto":
        if on_gpu:
            return "vllm" if vllm_installed() else "continuous"
        return "hf"
    if wanted == "vllm":
        if not on_gpu:
            raise RftInputError("params", "vllm needs a GPU; use hf or continuous on a CPU", field=setting)
        if not vllm_installed():
            raise RftInputError("params", "vllm is not installed (its wheel pins a torch build: install it "
                                "beside a matching torch), or choose continuous", field=setting)
    if wanted not in ("hf", "continuous", "vllm"):
        raise RftInputError("params", f"{wanted!r} is not one of auto, hf, continuous, vllm", field=setting)
    return wanted


def choose_for_eval(wanted: str, on_gpu: bool) -> str:
    """Evaluation's engine: as training's, but without vLLM (eval.generation refuses it when read)."""
    return "continuous" if wanted == "auto" and on_gpu else choose(wanted, on_gpu, "eval.generation")


def continuous_config(on_gpu: bool, sequences: int, max_tokens: int) -> dict:
    """Keywords for transformers' ContinuousBatchingConfig.

    On a GPU: half the free memory for the cache (TRL's training-aware default), so the backward pass
    still fits. On a CPU: a cache sized to the work (sequences x their longest prompt and answer),
    because transformers sizes it from free memory and on this 24 GiB machine spent 22 s allocating
    it for four short prompts.
    """
    if on_gpu:
        return {"max_memory_percent": 0.5}
    pages_each = -(-max_tokens // CPU_PAGE)
    return {"page_size": CPU_PAGE, "num_blocks": max(1, sequences) * pages_each + 1,
            "max_batch_tokens": max(512, max_tokens)}
