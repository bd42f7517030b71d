"""OpenAI's hyperparameter names mapped onto TRL's GRPOConfig; "auto" resolved per device.

| OpenAI                    | here                                                                 |
|---------------------------|----------------------------------------------------------------------|
| n_epochs                  | num_train_epochs (auto: 1)                                           |
| batch_size                | prompts per optimizer step: per_device_train_batch_size = batch_size x num_generations (auto: 2 on CPU, 8 on GPU) |
| learning_rate_multiplier  | learning_rate = 1e-5 x multiplier (auto: 1), the LoRA base rate      |
| eval_interval             | steps between full validation runs and checkpoints (auto: ~10 per run, at least 1) |
| eval_samples              | answers per validation case at each evaluation (auto: 1)             |
| compute_multiplier        | num_generations = round(base x multiplier), at least 2 (base: 4 on CPU, 8 on GPU) |
| seed                      | seed (training, sampling, data order)                                |
Anything in `train.grpo` is passed to GRPOConfig as it is and wins over the mapping.
"""

from __future__ import annotations

from dataclasses import dataclass

from rft.models.backends import continuous_config
from rft.train.config import TrainSettings

BASE_LEARNING_RATE = 1e-5


@dataclass(frozen=True)
class Resolved:
    """The numbers a run uses, with every "auto" decided."""

    num_generations: int
    batch_size: int  # prompts per step
    learning_rate: float
    n_epochs: float
    eval_interval: int
    eval_samples: int
    total_steps: int


def resolve(settings: TrainSettings, n_train: int, on_gpu: bool) -> Resolved:
    hp = settings.hyperparameters
    base_generations = 8 if on_gpu else 4
    multiplier = 1.0 if hp.compute_multiplier == "auto" else float(hp.compute_multiplier)
    num_generations = int(settings.grpo.get("num_generations", max(2, round(base_generations * multiplier))))
    batch_size = (8 if on_gpu else 2) if hp.batch_size == "auto" else int(hp.batch_size)
    lr_multiplier = 1.0 if hp.learning_rate_multiplier == "auto" else float(hp.learning_rate_multiplier)
    learning_rate = float(settings.grpo.get("learning_rate", BASE_LEARNING_RATE * lr_multiplier))
    n_epochs = 1.0 if hp.n_epochs == "auto" else float(hp.n_epochs)
    steps_per_epoch = max(1, n_train // batch_size)
    total = settings.max_steps or max(1, round(steps_per_epoch * n_epochs))
    eval_interval = max(1, total // 10) if hp.eval_interval == "auto" else int(hp.eval_interval)
    eval_samples = 1 if hp.eval_samples == "auto" else int(hp.eval_samples)
    return Resolved(num_generations, batch_size, learning_rate, n_epochs, eval_interval, eval_samples, total)


def completion_length(settings: TrainSettings, on_gpu: bool) -> int:
    """Tokens an answer may take: train.grpo.max_completion_length, else 256 on a GPU and 64 on a CPU."""
    return int(settings.grpo.get("max_completion_length", 256 if on_gpu else 64))


def grpo_kwargs(settings: TrainSettings, resolved: Resolved, on_gpu: bool, generation: str,
                gradient_checkpointing: bool, max_prompt_tokens: int = 2048) -> dict:
    """Keyword arguments for trl.GRPOConfig (output_dir and reporting are added by the caller).
    `generation` is the engine already chosen (rft.models.backends.choose): hf, continuous or vllm."""
    kwargs = {
        "num_generations": resolved.num_generations,
        "per_device_train_batch_size": resolved.batch_size * resolved.num_generations,
        "gradient_accumulation_steps": 1,
        "learning_rate": resolved.learning_rate,
        "num_train_epochs": resolved.n_epochs,
        "max_steps": resolved.total_steps,
        "seed": settings.seed,
        "data_seed": settings.seed,
        "max_completion_length": completion_length(settings, on_gpu),
        "temperature": 1.0,
        "loss_type": "dapo",
        "beta": 0.0,
        # CPU: TRL's bf16 default raises without a GPU (trl-grpo-notes §3); GPU: bf16 throughout
        "use_cpu": not on_gpu,
        "bf16": on_gpu,
        "fp16": False,
        "gradient_checkpointing": gradient_checkpointing,
        "use_vllm": generation == "vllm",
        "use_transformers_continuous_batching": generation == "continuous",
        "logging_steps": 1,
        "save_strategy": "steps",
        "save_steps": resolved.eval_interval,
        "save_total_limit": None,  # retention is ours: the best by validation reward, as OpenAI keeps
        "log_completions": False,  # rollouts are recorded by our reward functions instead
        "disable_tqdm": True,  # our progress bar shows reward too
        "dataloader_num_workers": 0,
        "remove_unused_columns": False,
        "report_to": [],
    }
    if generation == "vllm":
        vllm = settings.vllm
        kwargs.update(vllm_mode=vllm.mode)
        if vllm.mode == "colocate":
            kwargs.update(vllm_gpu_memory_utilization=vllm.gpu_memory_utilization)
        elif vllm.server_url:
            kwargs.update(vllm_server_base_url=vllm.server_url)
    kwargs.update(settings.grpo)
    if generation == "continuous":  # one generate call holds a whole generation batch
        sequences = kwargs["per_device_train_batch_size"] * (kwargs.get("steps_per_generation")
                                                            or kwargs["gradient_accumulation_steps"])
        engine = continuous_config(on_gpu, sequences, max_prompt_tokens + kwargs["max_completion_length"])
        kwargs["transformers_continuous_batching_config"] = {**engine, **(kwargs.get(
            "transformers_continuous_batching_config") or {})}  # the user's own keys win
    return kwargs
