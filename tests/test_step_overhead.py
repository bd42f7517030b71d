"""What rft adds to a training step stays constant: with gradient checkpointing and a LoRA adapter,
TRL's per-step checkpointing toggle used to leave two more input-embedding hooks behind every step,
all of which ran on every generated token."""

from __future__ import annotations

import json

from helpers import no_params, tiny_digit_model, write_prompts

from rft.config import load_params

# Any reward that varies within a group gives the adapter a gradient; random text has no digits.
LENGTH_GRADER = {"type": "python", "name": "length", "source": (
    "def grade(sample, item):\n    return (len(sample['output_text']) % 5) / 4\n")}


def test_hooks_on_the_input_embeddings_do_not_pile_up_and_learning_still_flows(tmp_path):
    import torch
    from transformers import TrainerCallback

    from rft.models.loading import load_tokenizer
    from rft.train.stage import _peft_model, train

    tokenizer = load_tokenizer()
    params = load_params(no_params(tmp_path), [
        f"grader={json.dumps(LENGTH_GRADER)}", "train.max_steps=4", "train.device=cpu", "tracking.wandb=false",
        "train.gradient_checkpointing=true", "train.hyperparameters.batch_size=2", "train.grpo.num_generations=4",
        "train.grpo.max_completion_length=8", "train.hyperparameters.eval_interval=4", "train.max_valid_cases=1",
        "train.hyperparameters.learning_rate_multiplier=100"])
    model = _peft_model(tiny_digit_model(tokenizer), params.model)
    embeddings = model.get_base_model().get_input_embeddings()
    counts = []

    class Count(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            counts.append(len(embeddings._forward_hooks))

    train_path, valid_path = write_prompts(tmp_path / "data", train=8, valid=1)
    train(params, train_path, valid_path, tmp_path / "run", model=model, tokenizer=tokenizer, callbacks=[Count()])
    assert counts == [1, 1, 1, 1]  # before the fix: 2, 4, 6, 8 (then 600 at step 300)
    lora_b = [w for name, w in model.named_parameters() if "lora_B" in name]
    assert any(torch.count_nonzero(w) > 0 for w in lora_b)  # gradients still reach the adapter
