"""The temporary Prefect server of `rft run` and `rft api`, owned by rft rather than started inside the flow.

Started in its own session, so the Ctrl-C meant for training does not kill it under the flow; asked to
die with rft (rft/orphan_guard.py), so `kill -9` of rft leaves no orphan; given RFT_PREFECT_START_TIMEOUT
seconds to answer (default 180: a busy machine is slow), and stopped when the flow ends. With
PREFECT_API_URL set, that server is used instead and none is started.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from rft.errors import RftSetupError

START_TIMEOUT = 180.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def prefect_server(log_dir: Path):
    """Yield the API URL of a running server: the configured one, or a temporary one started here."""
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"]
        return
    import prefect
    from prefect.settings import PREFECT_API_URL, temporary_settings

    timeout = float(os.environ.get("RFT_PREFECT_START_TIMEOUT", START_TIMEOUT))
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "server.log"
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rft.orphan_guard", str(os.getpid()), "-m", "uvicorn", "--app-dir", str(Path(prefect.__file__).parent.parent), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port), "--log-level",
             "error", "--lifespan", "on"],
            env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                why = f"exited with code {proc.returncode}" if proc.poll() is not None else \
                    f"did not answer within {timeout:g} s"
                raise RftSetupError(f"the temporary Prefect server {why} (log: {log}); set RFT_PREFECT_START_TIMEOUT "
                                    "to wait longer, or PREFECT_API_URL to use a running server")
            time.sleep(0.5)
        with temporary_settings(updates={PREFECT_API_URL: url}):
            try:
                yield url
            finally:
                _drain_prefect_workers()
    finally:
        _stop(proc)


def _drain_prefect_workers() -> None:
    """Send Prefect's queued logs and events before the server goes, or they fail at exit, noisily."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with suppress(Exception):  # shutting down: what did not reach the server is lost, nothing more
            worker.drain_all(timeout=15)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass
