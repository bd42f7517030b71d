"""Chat completions of `rft api` through the official `openai` SDK: the same N requests one after another,
then all at once from N threads (answered in shared batches, rft/api/chat.py), on the default model.

Run: `.venv/bin/python benchmarks/api_chat.py [--requests 16] [--max-tokens 32]`. Prints seconds and
answers per second for each way, and the machine. The first request (model load) is not counted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from machine import describe

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the tests' in-process server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=32)
    args = parser.parse_args()
    from api_server import A, client, start_api

    with tempfile.TemporaryDirectory() as home:
        url, stop = start_api(Path(home))
        sdk = client(url, A)

        def ask(i: int) -> int:
            reply = sdk.chat.completions.create(model="smollm2-135m-instruct", max_tokens=args.max_tokens, messages=[
                {"role": "user", "content": f"Write one sentence about the number {i}."}], timeout=900)
            return reply.usage.completion_tokens

        ask(-1)  # loads the model
        started = time.perf_counter()
        one_by_one = sum(ask(i) for i in range(args.requests))
        sequential = time.perf_counter() - started
        started = time.perf_counter()
        with ThreadPoolExecutor(args.requests) as pool:
            together = sum(pool.map(ask, range(args.requests)))
        concurrent = time.perf_counter() - started
        stop()
    print(f"machine: {describe()}")
    print(f"{args.requests} requests, at most {args.max_tokens} new tokens each, default model")
    print(f"one after another: {sequential:.1f} s, {args.requests / sequential:.2f} answers/s, {one_by_one} tokens")
    print(f"all at once:       {concurrent:.1f} s, {args.requests / concurrent:.2f} answers/s, {together} tokens")
    print(f"speed-up from batching: {sequential / concurrent:.1f}x")


if __name__ == "__main__":
    main()
