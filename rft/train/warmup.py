"""Supervised warm-up (as in ReFT) on the same LoRA adapter, before GRPO.

Helps when the model cannot yet produce the answer format at all: GRPO learns nothing from a group
whose answers all score 0. Needs a reference completion in each line (`completion_field`).
"""

from __future__ import annotations

from pathlib import Path

from rft.errors import RftInputError


def warm_up(peft_model, tokenizer, rows: list[dict], settings, run_dir: Path, on_gpu: bool, max_length: int,
            seed: int = 13, checkpointing: bool = False) -> dict:
    """max_length: prompt + reference tokens, the model's context. The trainer's own default (1024) would
    cut long prompts from the end, reference answer and all. Batches of 4 answers; on a CPU as 4 steps of
    one, accumulated, so that long prompts fit in memory."""
    import sys

    from datasets import Dataset
    from datasets.utils.logging import disable_progress_bar
    from trl import SFTConfig, SFTTrainer

    from rft.progress import quiet

    if quiet() or not sys.stderr.isatty():  # tokenizing bars are noise in a log; the loss lines stay
        disable_progress_bar()

    pairs = [(r["messages"], r[settings.completion_field]) for r in rows if settings.completion_field in r]
    if not pairs:
        raise RftInputError("train", f"warm-up needs '{settings.completion_field}' in the training lines",
                            field="train.warmup.completion_field")
    data = Dataset.from_dict({
        "prompt": [[{"role": m["role"], "content": m["content"]} for m in msgs] for msgs, _ in pairs],
        "completion": [[{"role": "assistant", "content": str(ref)}] for _, ref in pairs],
    })
    config = SFTConfig(output_dir=str(run_dir / "warmup"), num_train_epochs=settings.epochs,
                       learning_rate=settings.learning_rate, per_device_train_batch_size=4 if on_gpu else 1,
                       gradient_accumulation_steps=1 if on_gpu else 4, use_cpu=not on_gpu,
                       max_length=max_length,
                       bf16=on_gpu, fp16=False, report_to=[], save_strategy="no", logging_steps=1,
                       disable_tqdm=True, gradient_checkpointing=checkpointing, seed=seed, data_seed=seed)
    trainer = SFTTrainer(model=peft_model, args=config, train_dataset=data, processing_class=tokenizer)
    result = trainer.train()
    # The trainer drops examples left with no answer tokens: say how many were really learned from.
    return {"examples": len(pairs), "trained_on": len(trainer.train_dataset), "epochs": settings.epochs,
            "loss": round(float(result.training_loss), 4)}
