"""Typed settings for `rft ablate` (`ablate:` in params.yaml)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

VARIANT_NAMES = ("base", "sft", "grpo", "sft+grpo", "sft-long")


class AblateConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # What to compare: base (no training), sft (the warm-up alone), grpo (GRPO alone), sft+grpo (the
    # warm-up, then GRPO), sft-long (the warm-up for `long_warmup_epochs`: supervised tuning given
    # about the compute of sft+grpo). Every variant gets the same data, seed and train settings.
    variants: list[str] = ["base", "sft", "grpo", "sft+grpo"]
    seeds: int = Field(1, ge=1, le=10, description="train every variant with this many seeds: train.seed, +1, ...")
    # The held-out split the variants are compared on: test when the split wrote one (training's own
    # validation runs on valid, and you may have looked at it), else valid, and the report says so.
    split: str = "test"
    # Models evaluated beside the variants, in rft eval's spec language (baseline, answers:PATH,
    # endpoint:MODEL): the paired table then also compares each variant with them.
    also: list[str] = []
    metric: str | None = None  # the chart's metric; default top@1 for rankings, else reward_mean
    long_warmup_epochs: float = Field(3.0, gt=0)
    out_dir: str = "runs/ablate"

    @field_validator("variants")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in VARIANT_NAMES]
        if unknown:
            raise ValueError(f"unknown variants {unknown}; known: {', '.join(VARIANT_NAMES)}")
        if len(set(value)) != len(value) or not value:
            raise ValueError("list each variant once, at least one")
        return value
