"""Supervised tuning alone: the warm-up of `train.warmup` on a fresh LoRA adapter, with no GRPO after
it. It is the control that says what reinforcement learning adds (rft ablate). The run folder looks
like a GRPO run's where it matters: final/ (the adapter), run.json, summary.json, events.jsonl.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from rft.config import Params
from rft.errors import RftInputError
from rft.jsonl import write_json
from rft.train.dataset import read_lines
from rft.train.events import EventLog


def supervise(params: Params, train_path: str | Path, run_dir: str | Path) -> Path:
    import torch

    from rft.models.loading import load_causal_lm
    from rft.train.stage import _device, _peft_model, save_adapter
    from rft.train.warmup import warm_up

    run_dir = Path(run_dir)
    if (run_dir / "summary.json").exists():
        raise RftInputError(str(run_dir), "this run folder holds a finished run; pick another --out")
    run_dir.mkdir(parents=True, exist_ok=True)
    settings = params.train
    on_gpu = _device(settings)
    rows = read_lines(train_path).rows
    write_json(run_dir / "run.json", {"run_name": run_dir.name, "model": params.model.name_or_path,
                                      "train": str(train_path), "kind": "supervised only",
                                      "warmup": settings.warmup.model_dump(), "lora": params.model.lora.model_dump()})
    started = time.monotonic()
    model, tokenizer = load_causal_lm(params.model.name_or_path, device="cuda" if on_gpu else "cpu")
    torch.manual_seed(settings.seed)
    peft_model = _peft_model(model, params.model)
    context = params.model.max_context or getattr(model.config, "max_position_embeddings", 2048)
    checkpointing = on_gpu if settings.gradient_checkpointing == "auto" else settings.gradient_checkpointing
    done = warm_up(peft_model, tokenizer, rows, settings.warmup, run_dir, on_gpu, context, settings.seed,
                   checkpointing)
    EventLog(run_dir / "events.jsonl", run_dir.name).message("supervised warm-up: " + json.dumps(done))
    save_adapter(peft_model, tokenizer, run_dir / "final", {"step": 0, "warmup": done})
    write_json(run_dir / "summary.json", {"run_name": run_dir.name, "steps": 0, "warmup": done, "stopped": None,
                                          "resumable": False, "seconds": round(time.monotonic() - started, 2)})
    return run_dir
