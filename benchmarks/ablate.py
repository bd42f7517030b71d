"""Does RL help? `rft ablate` on the CPU example (examples/price-lookup), timed: every variant of the
example's params (base, sft, grpo, sft+grpo, sft-long) trained with the same data, seed and budget,
then compared on six held-out categories. Prints the machine, the wall-clock time of each variant and
of the whole run, and the ablation's tables; the pictures are in the ablation folder.

Run: `.venv/bin/python benchmarks/ablate.py [--seeds 1] [--out runs/price-lookup-ablate]`
(about 50 minutes per seed on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from machine import describe

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--out", default="runs/price-lookup-ablate")
    parser.add_argument("--set", action="append", default=[], help="override a param, as rft's --set")
    args = parser.parse_args()


    from rft.ablate.stage import ablate, eval_path_for
    from rft.config import load_params
    from rft.data.split_stage import ensure_split

    os.chdir(ROOT)
    params = load_params("examples/price-lookup/params.yaml", [f"ablate.seeds={args.seeds}", *args.set])
    ensure_split(params)
    split = Path(params.split.out_dir)
    eval_path, note = eval_path_for(params)
    print(f"rft ablate on examples/price-lookup, {describe()}, {args.seeds} seed(s), variants {params.ablate.variants}",
          flush=True)
    started = time.perf_counter()
    done = ablate(params, split / "train.jsonl", split / "valid.jsonl", eval_path, args.out,
                  "examples/price-lookup/params.yaml", note, lambda line: print(line, flush=True))
    total = time.perf_counter() - started
    print()
    for seed, runs in done["runs"].items():
        for run in runs:
            if run["seconds"] is not None:
                print(f"  seed {seed} {run['variant']:<9} training {run['seconds'] / 60:5.1f} min ({run['status']})")
    print(f"  the whole ablation, evaluations included: {total / 60:.1f} min (aim: < 30 min)\n")
    print(done["table"])


if __name__ == "__main__":
    main()
