"""Typed settings for evaluation (`eval:` in params.yaml)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class EvalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    split: str = "valid"  # a split name in split.out_dir, or a JSONL path
    # What to compare: base, baseline, adapter:PATH, endpoint:MODEL; `label=spec` names a column.
    models: list[str] = ["base", "baseline"]
    max_cases: int | None = Field(None, ge=1, description="the first N cases only (smoke runs)")
    max_new_tokens: int = Field(256, ge=1)
    batch_size: int | None = Field(None, ge=1, description="prompts per generate call; default 8 CPU, 32 GPU, "
                                   "256 with continuous batching")
    # who writes the answers of local models: auto (continuous batching on a GPU, plain generate on a CPU),
    # hf, continuous; vllm is refused here for now (training can use it)
    generation: Literal["auto", "hf", "continuous", "vllm"] = "auto"

    @field_validator("generation")
    @classmethod
    def _no_vllm_yet(cls, value: str) -> str:
        if value == "vllm":  # refused when the params are read, not after a model has loaded
            raise ValueError("vllm is not available for evaluation yet (it loads adapters its own way and has not "
                             "been run by this project); auto takes continuous batching on a GPU")
        return value
    # Ranking metrics: where an answer's ranked list is and what the right answer is (null: no ranks,
    # only the grader's reward, for tasks that are not rankings).
    ranked: str = "{{sample.output_json.genes}}"
    answer: str | None = "{{item.correct_gene}}"
    # Where an answer gives a score per item of its list (e.g. "{{sample.output_json.scores}}"): equal
    # scores are ties, and top@k is then the expected value over the tied positions. null: strict order.
    scores: str | None = None
    top_k: list[int] = [1, 5]
    bootstrap: int = Field(1000, ge=0, description="resamples of groups for the 95% intervals (0: none)")
    seed: int = 13
    out_dir: str = "reports/eval"
    baseline_top: int = Field(50, ge=1, description="genes the classical baseline lists per case")
    endpoint_url: str | None = None  # for endpoint:MODEL; else RFT_EVAL_BASE_URL, else OPENAI_BASE_URL
    concurrency: int = Field(8, ge=1, description="requests in flight to an endpoint model")
