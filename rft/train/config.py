"""Typed settings for training: the model, LoRA, OpenAI's hyperparameters and any GRPO knob.

OpenAI's names (`n_epochs`, `batch_size`, `learning_rate_multiplier`, `eval_interval`,
`eval_samples`, `compute_multiplier`) take a number or "auto"; `grpo:` passes any other
GRPOConfig field through, checked against TRL's own list so a typo names the key.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Auto = Literal["auto"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoraSettings(_Section):
    r: int = Field(16, ge=1)
    alpha: int = Field(32, ge=1)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] | str = "all-linear"


class ModelSettings(_Section):
    # a Hugging Face id, a local folder, a .gguf file, or the embedded default
    name_or_path: str = "smollm2-135m-instruct"
    lora: LoraSettings = LoraSettings()
    max_context: int | None = Field(None, ge=16, description="prompt + completion tokens; default: the model's")


class WarmupSettings(_Section):
    """Supervised warm-up on the same adapter before GRPO (ReFT); off by default."""

    enabled: bool = False
    completion_field: str = "reference_completion"
    epochs: float = Field(1.0, gt=0)
    learning_rate: float = Field(1e-4, gt=0)


class VllmSettings(_Section):
    """How TRL runs vLLM when `train.generation` is vllm."""

    mode: Literal["colocate", "server"] = "colocate"  # server: `trl vllm-serve` on another GPU
    server_url: str | None = None  # server mode; TRL's default is http://localhost:8000
    gpu_memory_utilization: float = Field(0.35, gt=0, le=1)  # colocate: vLLM's share of the training GPU

    @model_validator(mode="before")
    @classmethod
    def _was_a_switch(cls, value):
        if isinstance(value, bool):  # before train.generation, `vllm: true/false` chose the engine
            raise ValueError("train.vllm is now the vLLM section; choose the engine with train.generation: "  # noqa: TRY004 (pydantic reports ValueError by field)
                             "vllm (or auto, hf, continuous)")
        return value


class Hyperparameters(_Section):
    """OpenAI's reinforcement hyperparameters, with the same names."""

    n_epochs: float | Auto = "auto"
    batch_size: int | Auto = "auto"  # prompts per optimizer step
    learning_rate_multiplier: float | Auto = "auto"
    eval_interval: int | Auto = "auto"  # steps between full validation runs
    eval_samples: int | Auto = "auto"  # answers per validation case at each evaluation
    compute_multiplier: float | Auto = "auto"  # scales answers sampled per prompt (exploration)
    reasoning_effort: str | None = None  # accepted for compatibility; open models have no such knob

    @field_validator("n_epochs", "batch_size", "learning_rate_multiplier", "eval_interval", "eval_samples",
                     "compute_multiplier")
    @classmethod
    def _positive(cls, value):
        if value != "auto" and value <= 0:
            raise ValueError("must be above 0, or \"auto\"")
        return value


class TrainSettings(_Section):
    hyperparameters: Hyperparameters = Hyperparameters()
    grpo: dict[str, Any] = {}  # any GRPOConfig field, e.g. loss_type, beta, temperature, max_completion_length
    graders: list[dict[str, Any]] | None = None  # [{grader: ..., weight: 1.0}]; default: params' grader
    seed: int = 13
    max_steps: int | None = Field(None, ge=1, description="stop after this many steps (overrides n_epochs)")
    max_wall_minutes: float | None = Field(None, gt=0)
    early_stopping_patience: int | None = Field(None, ge=1, description="evaluations without improvement")
    keep_checkpoints: int = Field(3, ge=1)
    max_valid_cases: int | None = Field(None, ge=1, description="validate on the first N cases (smoke runs)")
    drop_long_prompts: bool = False  # else a prompt that does not fit the context is an error
    warmup: WarmupSettings = WarmupSettings()
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # who writes the rollouts: auto (vllm when installed on a GPU, then continuous batching on a GPU,
    # else plain generate), hf (plain generate), continuous (transformers' continuous batching), vllm
    generation: Literal["auto", "hf", "continuous", "vllm"] = "auto"
    vllm: VllmSettings = VllmSettings()
    gradient_checkpointing: bool | Literal["auto"] = "auto"  # on for GPUs, off on CPU

    @field_validator("grpo")
    @classmethod
    def _known_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        from trl import GRPOConfig

        known = {f.name for f in dataclasses.fields(GRPOConfig)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"not GRPOConfig fields: {', '.join(unknown)}")
        for key in ("num_generations", "max_completion_length", "per_device_train_batch_size",
                    "gradient_accumulation_steps", "learning_rate"):
            if key in value and (not isinstance(value[key], (int, float)) or value[key] <= 0):
                raise ValueError(f"grpo.{key} must be a number above 0")
        return value


class TrackingSettings(_Section):
    wandb: bool = True  # WANDB_MODE decides online/offline/disabled; offline by default
    project: str = "rft"
    entity: str | None = None
    run_name: str | None = None
    tags: list[str] = []
