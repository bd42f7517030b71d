"""The variants an ablation trains, and the params each one runs with: the same data, seed and train
settings for all, differing only in whether the supervised warm-up and GRPO run."""

from __future__ import annotations

from dataclasses import dataclass

from rft.config import Params


@dataclass(frozen=True)
class Variant:
    name: str
    warmup: bool  # the supervised warm-up on reference completions
    grpo: bool  # GRPO after it
    long: bool = False  # the warm-up for ablate.long_warmup_epochs instead of train.warmup.epochs

    @property
    def folder(self) -> str:
        return self.name.replace("+", "-")

    @property
    def trains(self) -> bool:
        return self.warmup or self.grpo


VARIANTS = {v.name: v for v in (Variant("base", False, False), Variant("sft", True, False),
                                Variant("grpo", False, True), Variant("sft+grpo", True, True),
                                Variant("sft-long", True, False, long=True))}


def variant_params(params: Params, variant: Variant, seed: int) -> Params:
    warmup = params.train.warmup.model_copy(update={
        "enabled": variant.warmup,
        **({"epochs": params.ablate.long_warmup_epochs} if variant.long else {})})
    train = params.train.model_copy(update={"seed": seed, "warmup": warmup})
    return params.model_copy(update={"train": train})


def refusal(variant: Variant, rows: list[dict], field: str) -> str | None:
    """Why a variant cannot run on these lines (a warm-up with no reference answers), or None."""
    if variant.warmup and not any(field in r for r in rows):
        return f"no '{field}' in the training lines, so there is nothing to warm up on (train.warmup.completion_field)"
    return None
