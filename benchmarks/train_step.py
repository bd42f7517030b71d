"""Seconds per GRPO step, split into sampling, grading and training, for each generation engine:
rft's training beside a bare TRL script on the same configuration (model, LoRA, data, batch, lengths,
engine), so the ratio is our overhead. Validation is left out of both, since the bare script has none.

Run: `.venv/bin/python benchmarks/train_step.py [--models default,0.5b] [--engines hf,continuous,vllm]
[--device cuda] [--steps 3] [--demo-steps 3]`.

- Models: `default` (the default model), `0.5b` (random weights at Qwen2.5-0.5B's shape, the default
  tokenizer), `tiny` (2 layers of 64: per-token Python overhead dominates, as it does for small models
  on a fast GPU), or a path.
- Engines: hf (plain generate), continuous (transformers' continuous batching), vllm (skipped with a
  line when it is not installed).
- `--demo-steps N` also times N steps of the gene demo's GPU profile (configs/profiles/gpu.yaml) on
  its real splits and prints the time to its 30 steps and to 300.

Each variant runs in its own process (peak memory is per process); step 1 is warm-up and not counted.
`RFT_BENCH_ORDER=ours,bare` swaps the order, to see order effects.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import fmean

from machine import describe

ROOT = Path(__file__).resolve().parents[1]
# Qwen2.5-0.5B's shape (a config, no weights: nothing is downloaded); the vocabulary is the tokenizer's.
SHAPES = {
    "0.5b": {"hidden_size": 896, "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
             "num_key_value_heads": 2, "max_position_embeddings": 4096, "tie_word_embeddings": True},
    "tiny": {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
             "num_key_value_heads": 4, "max_position_embeddings": 2048, "tie_word_embeddings": True},
}


def random_model(shape: str, folder: Path) -> Path:
    """Random weights at a named shape with the default tokenizer, saved where a variant can load them."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    from rft.models.loading import load_tokenizer

    target = folder / f"random-{shape}"
    if target.is_dir():
        return target
    tokenizer = load_tokenizer()
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, **SHAPES[shape])
    from transformers.utils import logging

    logging.disable_progress_bar()
    Qwen2ForCausalLM(config).to(torch.bfloat16).save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


def settings(args, engine: str) -> list[str]:
    return [f"model.name_or_path={args.model_path}", f"train.max_steps={args.steps}", f"train.device={args.device}",
            f"train.hyperparameters.batch_size={args.prompts}", f"train.grpo.num_generations={args.generations}",
            f"train.grpo.max_completion_length={args.completion}", f"train.max_valid_cases={args.prompts}",
            f"train.hyperparameters.eval_interval={args.steps}", "tracking.wandb=false",
            f"train.generation={engine}", "train.grpo.temperature=1.0", "train.warmup.enabled=false"]


def peak_memory_mb(device: str) -> float:
    if device == "cuda":
        import torch

        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _from_events(run: Path, device: str) -> dict:
    from rft.train.events import read_events

    steps = [e["data"] for e in read_events(run / "events.jsonl") if e["type"] == "metrics"][1:]
    seconds = [s["timing"]["step"]["full_iteration"] - s["timing"]["step"]["eval"] for s in steps]
    tokens = [s["usage"]["samples"]["train_completion_tokens_count"] for s in steps]
    split = {k: fmean(s["timing"]["step"][k] for s in steps) for k in ("sampling", "grading", "training")}
    return {"step_seconds": fmean(seconds), "tokens_per_second": sum(tokens) / sum(seconds),
            "sampling_tokens_per_second": sum(tokens) / (split["sampling"] * len(steps)),
            "peak_mb": peak_memory_mb(device), "split": split, "steps": len(steps)}


def run_ours(args, engine: str, out: Path, overrides: list[str], name: str = "ours") -> dict:
    from rft.config import load_params
    from rft.train.stage import train

    params = load_params(ROOT / "params.yaml", overrides)
    run = train(params, args.train, args.valid, out / f"{name}-{engine}")
    return _from_events(run, args.device)


def run_bare(args, engine: str, out: Path) -> dict:
    """What a user would write with TRL directly: same model, LoRA, data, engine and a reward inline."""
    import torch
    from datasets import Dataset
    from peft import LoraConfig, get_peft_model
    from transformers import TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    from rft.config import load_params
    from rft.models.backends import choose
    from rft.models.loading import load_causal_lm
    from rft.train import hyperparams
    from rft.train.dataset import check_context, read_lines

    params = load_params(ROOT / "params.yaml", settings(args, engine))
    on_gpu = args.device == "cuda"
    model, tokenizer = load_causal_lm(args.model_path, device="cuda" if on_gpu else "cpu")
    lines = check_context(read_lines(args.train), tokenizer, 10**9, False)
    resolved = hyperparams.resolve(params.train, len(lines), on_gpu)
    kwargs = hyperparams.grpo_kwargs(params.train, resolved, on_gpu, choose(engine, on_gpu, "engine"), on_gpu,
                                     lines.longest_prompt)
    kwargs.update(output_dir=str(out / f"bare-{engine}"), save_strategy="no", disable_tqdm=True)
    lora = params.model.lora
    model = get_peft_model(model, LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                                             target_modules=lora.target_modules, task_type="CAUSAL_LM"))
    rows = lines.rows
    data = Dataset.from_dict({"prompt": [r["messages"] for r in rows],
                              "correct_gene": [r.get("correct_gene", "") for r in rows]})
    grading = []

    def rank_reward(completions, correct_gene, **_):  # the demo's answer, found or not, inline
        started = time.perf_counter()
        out = [1.0 if gene and gene.upper() in c[-1]["content"].upper() else 0.0
               for c, gene in zip(completions, correct_gene)]
        grading.append(time.perf_counter() - started)
        return out

    times, generating, tokens = [], [], []

    class Timed(GRPOTrainer):  # the same timer rft's trainer carries
        def _generate_and_score_completions(self, *a, **kw):
            started = time.perf_counter()
            try:
                return super()._generate_and_score_completions(*a, **kw)
            finally:
                generating.append(time.perf_counter() - started)

    class Clock(TrainerCallback):
        def on_step_begin(self, a, state, control, **kw):
            self.t = time.perf_counter()

        def on_step_end(self, a, state, control, **kw):
            times.append(time.perf_counter() - self.t)

        def on_log(self, a, state, control, logs=None, **kw):
            if logs and "completions/mean_length" in logs:
                tokens.append(logs["completions/mean_length"] * resolved.batch_size * resolved.num_generations)

    torch.manual_seed(params.train.seed)
    trainer = Timed(model=model, reward_funcs=[rank_reward], args=GRPOConfig(**kwargs), train_dataset=data,
                    processing_class=tokenizer, callbacks=[Clock()])
    trainer.train()
    n = len(times) - 1
    sampling = fmean(g - r for g, r in zip(generating[1:], grading[1:]))
    return {"step_seconds": fmean(times[1:]), "tokens_per_second": sum(tokens[1:]) / sum(times[1:]),
            "sampling_tokens_per_second": sum(tokens[1:]) / (sampling * n), "peak_mb": peak_memory_mb(args.device),
            "split": {"sampling": sampling, "grading": fmean(grading[1:]),
                      "training": fmean(t - g for t, g in zip(times[1:], generating[1:]))}, "steps": n}


def child(args) -> None:
    variant, engine = args.only.split(":")
    out = Path(args.out)
    if variant == "bare":
        result = run_bare(args, engine, out)
    elif variant == "ours":
        result = run_ours(args, engine, out, settings(args, engine))
    elif variant == "warm":  # the same after a short supervised warm-up on the same adapter (the GPU profile has one)
        result = run_ours(args, engine, out, [*settings(args, engine), "train.warmup.enabled=true",
                                              "train.warmup.epochs=0.01"], name="warm")
    else:  # the gene demo's GPU profile on its real splits, a few steps
        result = run_ours(args, engine, out, ["profile=gpu", f"train.max_steps={args.demo_steps}", "tracking.wandb=false",
                                              f"train.device={args.device}", f"train.generation={engine}",
                                              "train.warmup.enabled=false",
                                              f"train.hyperparameters.eval_interval={args.demo_steps}",
                                              "train.max_valid_cases=8"], name="demo")
    print("RESULT " + json.dumps(result), flush=True)


def spawn(args, variant: str, engine: str, out: str) -> dict | str:
    cmd = [sys.executable, __file__, "--only", f"{variant}:{engine}", "--out", out, "--model-path", args.model_path,
           *args.passthrough]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        return f"failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}"
    return json.loads(line[7:])


def row(name: str, r: dict, bare: dict | None) -> str:
    s = r["split"]
    ratio = f"{r['step_seconds'] / bare['step_seconds']:.2f}x" if bare else "–"
    sampling_ratio = f"{s['sampling'] / bare['split']['sampling']:.2f}x" if bare else "–"
    return (f"{name:<22}{r['step_seconds']:>8.2f}{s['sampling']:>9.2f}{s['grading']:>9.2f}{s['training']:>9.2f}"
            f"{r['sampling_tokens_per_second']:>12.0f}{r['peak_mb']:>10.0f}{ratio:>9}{sampling_ratio:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="default", help="comma-separated: default, 0.5b, tiny, or a path")
    parser.add_argument("--engines", default="hf,continuous,vllm")
    parser.add_argument("--train", default=str(ROOT / "data/splits/train.jsonl"))
    parser.add_argument("--valid", default=str(ROOT / "data/splits/valid.jsonl"))
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--prompts", type=int, default=2, help="prompts per step")
    parser.add_argument("--generations", type=int, default=4)
    parser.add_argument("--completion", type=int, default=64, help="max completion tokens")
    parser.add_argument("--demo-steps", type=int, default=0, help="also time the gene demo's GPU profile")
    parser.add_argument("--with-warmup", action="store_true", help="also rft after a supervised warm-up")
    parser.add_argument("--only", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--model-path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("RFT_NO_PROGRESS", "1")
    os.environ.setdefault("WANDB_MODE", "disabled")
    if args.only:
        child(args)
        return
    from rft.models.backends import vllm_installed

    args.passthrough = _without(sys.argv[1:], ("--models", "--engines"))
    engines = [e for e in args.engines.split(",") if e]
    order = os.environ.get("RFT_BENCH_ORDER", "bare,ours").split(",")
    print(f"GRPO step on {describe(args.device)}: {args.prompts} prompts x {args.generations} answers, <= "
          f"{args.completion} tokens, steps 2..{args.steps} (step 1 is warm-up); seconds are means per step; "
          "tokens/s is completion tokens per second of sampling; ratio = rft / bare TRL, same engine", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            args.model_path = ("smollm2-135m-instruct" if name == "default" else
                               str(random_model(name, Path(tmp))) if name in SHAPES else name)
            print(f"\nmodel {name} ({args.model_path if name not in SHAPES else 'random weights, ' + name + ' shape'})")
            print(f"{'':<22}{'s/step':>8}{'sample':>9}{'grade':>9}{'train':>9}{'tokens/s':>12}{'peak MB':>10}"
                  f"{'ratio':>9}{'sampling':>10}")
            for engine in engines:
                if engine == "vllm" and not (vllm_installed() and args.device == "cuda"):
                    print(f"{'vllm':<22}skipped: " + ("not installed" if not vllm_installed() else "needs a GPU"))
                    continue
                variants = [*order, *(["warm"] if args.with_warmup else [])]
                results = {v: spawn(args, v, engine, tmp) for v in variants}
                for variant in ["bare", "ours", *variants[2:]]:  # printed in one order whatever the run order
                    label = f"{engine} " + {"bare": "bare TRL", "ours": "rft", "warm": "rft, warmed up"}[variant]
                    r = results[variant]
                    bare = results["bare"] if variant != "bare" and isinstance(results["bare"], dict) else None
                    print(row(label, r, bare) if isinstance(r, dict) else f"{label:<22}{r}", flush=True)
        if args.demo_steps:
            args.model_path = "smollm2-135m-instruct"
            engine = "continuous" if args.device == "cuda" else "hf"
            r = spawn(args, "demo", engine, tmp)
            if isinstance(r, dict):
                per = r["step_seconds"]
                print(f"\ngene demo, GPU profile (8 prompts x 8 answers, <= 128 tokens), {engine}: {per:.1f} s a step; "
                      f"time to 30 steps (the profile) {30 * per / 60:.1f} min, to 300 steps {300 * per / 60:.1f} min")
            else:
                print(f"\ngene demo: {r}")


def _without(argv: list[str], names: tuple[str, ...]) -> list[str]:
    """The command line minus the options the parent spends itself (each child gets one model, one engine)."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in names:
            skip = True
            continue
        if any(arg.startswith(n + "=") for n in names):
            continue
        kept.append(arg)
    return kept


if __name__ == "__main__":
    main()
