"""Persistent sandboxed workers for `python` graders, driven from the parent process.

A pool of worker processes (sandbox_worker.py) each compile the grader source once, then grade
batches of (sample, item) pairs. The parent holds the wall-clock limit: a worker that overruns
it, or dies (CPU rlimit, out of memory, a crash), is killed and replaced; the grading in flight is
flagged and the rest of its batch goes to the new worker.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import rft

WORKER = Path(__file__).with_name("sandbox_worker.py")
PROJECT_ROOT = Path(rft.__file__).resolve().parents[1]
# Imported before the audit hook is armed: what OpenAI's grader image offers, where installed.
PRELOAD = ["json", "math", "re", "statistics", "collections", "itertools", "functools", "difflib", "string",
           "numpy", "rapidfuzz", "rapidfuzz.fuzz", "rapidfuzz.utils"]


@dataclass(frozen=True)
class SandboxLimits:
    """Per grading, as OpenAI's python graders: 2 minutes and 2 GB; 1 GB of disk."""

    timeout_seconds: float = 120.0
    cpu_seconds: float = 120.0
    memory_mb: int = 2048
    disk_mb: int = 1024


@dataclass(frozen=True)
class Outcome:
    reward: float | None
    flag: str | None = None
    details: str = ""
    seconds: float = 0.0


class WorkerDied(Exception):
    pass


class SourceFailed(Exception):
    """The grader source raised when it was loaded (a bad import, a top-level error)."""


def _worker_env(workdir: str) -> dict[str, str]:
    """Nothing of the caller's environment (keys, tokens) reaches user code."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8",
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # correctness settings of this machine's BLAS
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def _died(code: int | None) -> str:
    if code is None:
        return "worker stopped answering"
    if code < 0:
        name = signal.Signals(-code).name
        why = {"SIGXCPU": "CPU time limit", "SIGKILL": "killed (out of memory?)", "SIGSEGV": "crashed"}.get(name, "")
        return f"worker ended by {name}" + (f": {why}" if why else "")
    return f"worker exited with code {code}"


class _Worker:
    def __init__(self, source: str, limits: SandboxLimits):
        self.workdir = tempfile.mkdtemp(prefix="rft-grader-")
        config = {
            "workdir": self.workdir,
            "blocked_roots": [str(PROJECT_ROOT)],
            "allowed_roots": sorted({sys.prefix, sys.base_prefix, sys.exec_prefix}),
            "preload": PRELOAD,
            "memory_bytes": limits.memory_mb * 1024 * 1024,
            "disk_bytes": limits.disk_mb * 1024 * 1024,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-I", str(WORKER), json.dumps(config)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=self.workdir,
            env=_worker_env(self.workdir), start_new_session=True)
        self.buffer = b""
        try:
            ready = self.read(60)
            self.network_isolated = bool(ready.get("network_isolated"))
            self.send({"op": "load", "source": source})
            loaded = self.read(60)
        except BaseException:
            self.kill()
            raise
        if "error" in loaded:
            self.kill()
            raise SourceFailed(loaded["error"])

    def send(self, message: dict) -> None:
        try:
            self.proc.stdin.write((json.dumps(message) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise WorkerDied(_died(self.proc.poll())) from None

    def read(self, timeout: float) -> dict:
        """One protocol line, within `timeout` seconds of wall clock."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise WorkerDied(_died(self.proc.wait()))
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        shutil.rmtree(self.workdir, ignore_errors=True)


class SandboxPool:
    def __init__(self, source: str, limits: SandboxLimits | None = None, workers: int | None = None):
        self.source = source
        self.limits = limits or SandboxLimits()
        self.size = workers or max(1, os.cpu_count() or 1)
        self.idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self.all: weakref.WeakSet[_Worker] = weakref.WeakSet()
        self.lock = threading.Lock()
        self.started = 0
        self.replaced = 0
        self.network_isolated: bool | None = None
        atexit.register(self.close)

    def _take(self) -> _Worker:
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            worker = _Worker(self.source, self.limits)
            with self.lock:
                self.started += 1
                self.all.add(worker)
            self.network_isolated = worker.network_isolated
            return worker

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self.lock:
            self.replaced += 1

    def run(self, pairs: list[tuple[dict, dict]]) -> list[Outcome]:
        if not pairs:
            return []
        size = max(1, min(256, -(-len(pairs) // self.size)))
        chunks = [list(range(i, min(i + size, len(pairs)))) for i in range(0, len(pairs), size)]
        results: list[Outcome | None] = [None] * len(pairs)
        with ThreadPoolExecutor(max_workers=min(self.size, len(chunks))) as executor:
            for done in executor.map(lambda ids: self._run_chunk(ids, pairs), chunks):
                for index, outcome in done.items():
                    results[index] = outcome
        return results  # type: ignore[return-value]

    def _run_chunk(self, ids: list[int], pairs: list[tuple[dict, dict]]) -> dict[int, Outcome]:
        pending, out = list(ids), {}
        while pending:
            try:
                worker = self._take()
            except SourceFailed as err:
                return {**out, **{i: Outcome(None, "python_grader_runtime_error", f"loading the grader: {err}")
                                  for i in pending}}
            except (OSError, WorkerDied, TimeoutError) as err:
                return {**out, **{i: Outcome(None, "python_grader_server_error", f"sandbox did not start: {err}")
                                  for i in pending}}
            try:
                worker.send({"op": "grade", "cpu_seconds": self.limits.cpu_seconds,
                             "tasks": [{"id": i, "sample": pairs[i][0], "item": pairs[i][1]} for i in pending]})
                while pending:
                    message = worker.read(self.limits.timeout_seconds)
                    out[pending.pop(0)] = _outcome(message)
                self.idle.put(worker)
            except TimeoutError:
                self._discard(worker)
                out[pending.pop(0)] = Outcome(None, "python_grader_runtime_error",
                                              f"wall-clock limit of {self.limits.timeout_seconds:g}s reached")
            except WorkerDied as err:
                self._discard(worker)
                out[pending.pop(0)] = Outcome(None, "python_grader_runtime_error", str(err))
        return out

    def close(self) -> None:
        for worker in list(self.all):
            worker.kill()
        self.all = weakref.WeakSet()
        self.idle = queue.SimpleQueue()


def _outcome(message: dict) -> Outcome:
    if "reward" in message:
        return Outcome(message["reward"], seconds=message.get("seconds", 0.0))
    return Outcome(None, "python_grader_runtime_error", message.get("error", "unknown error"))
