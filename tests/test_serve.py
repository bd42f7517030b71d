"""`rft serve` against a real local Prefect server (`prefect server start`, SQLite): the deployment is
created with its cron schedule, and a run of it, picked up by the served process, completes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from s3_server import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.slow


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("prefect server exited")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("prefect server did not become healthy")


@pytest.fixture
def prefect_server(tmp_path):
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_API_URL": ""}
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen([BIN / "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/api"
    try:
        _wait_healthy(url, proc)
        yield url, env
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def test_serve_deploys_on_a_schedule_and_runs(tmp_path, prefect_server):
    url, env = prefect_server
    env = {**env, "PREFECT_API_URL": url, "RFT_NO_PROGRESS": "1"}
    params = {"data": {"source": str(ROOT / "data/phenopacket-store-dev.tar.gz"), "cases": "data/cases.jsonl"},
              "validate": {"data_docs": None}, "tracking": {"wandb": False}}
    (tmp_path / "params.yaml").write_text(json.dumps(params))
    serve_log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen([BIN / "rft", "serve", "--name", "nightly", "--cron", "0 2 * * *", "--until", "validate"],
                             cwd=tmp_path, env=env, stdout=serve_log, stderr=subprocess.STDOUT)
    try:
        inspect = None
        for _ in range(120):
            inspect = subprocess.run([BIN / "prefect", "deployment", "inspect", "rft-pipeline/nightly"], env=env,
                                     capture_output=True, text=True, check=False)
            if inspect.returncode == 0:
                break
            time.sleep(0.5)
        assert inspect is not None and inspect.returncode == 0, (tmp_path / "serve.log").read_text()
        assert "0 2 * * *" in inspect.stdout and "'until': 'validate'" in inspect.stdout
        run = subprocess.run([BIN / "prefect", "deployment", "run", "rft-pipeline/nightly", "--watch",
                              "--watch-timeout", "300"], env=env, capture_output=True, text=True, timeout=360,
                             check=False)
        assert run.returncode == 0, run.stdout + run.stderr + (tmp_path / "serve.log").read_text()
        assert "Completed" in run.stdout
        assert (tmp_path / "data/splits/valid.jsonl").is_file()
        assert json.loads((tmp_path / "reports/validation.json").read_text())["success"] is True
    finally:
        serve.terminate()
        serve.wait(30)
        serve_log.close()
