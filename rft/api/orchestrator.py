"""Where `rft api` runs its jobs: the pipeline's Prefect deployment, on a process work pool, with a worker.

`started()` brings up what a job needs: the Prefect server (PREFECT_API_URL's, or a temporary one kept
in the API's home so its runs survive a restart), the work pool `rft-api`, the deployment
`rft-pipeline/api` of flows/rft_pipeline.py (the flow `rft run` runs) and a process worker. The worker
and each flow run it starts die with `rft api` (rft/orphan_guard.py), so after a crash no training
keeps running unseen; the API resumes such a job when it starts again (rft/api/jobs.py).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

POOL = "rft-api"
FLOW = "rft-pipeline"
DEPLOYMENT = "api"
WORKER_POLL_S = "2"  # how often the worker asks for new runs (Prefect's default, 10 s, makes jobs wait)


@dataclass
class RunState:
    type: str  # Prefect's state type: SCHEDULED, PENDING, RUNNING, COMPLETED, FAILED, CRASHED, CANCELLED, ...
    message: str
    process_gone: bool  # RUNNING on this host, but its process is dead (the API stopped under it)


def _process_gone(infrastructure_pid: str | None) -> bool:
    """The pid the process worker records (`pid`, or `host:pid`). The pool's only worker is the API's own,
    on this host, so a pid that is not a live `prefect.engine` here (a reused pid is not) is a dead run."""
    if not infrastructure_pid:
        return False
    host, _, pid = str(infrastructure_pid).rpartition(":")
    if (host and host != socket.gethostname()) or not pid.isdigit():
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            zombie = fh.read().rsplit(")", 1)[1].split()[0] == "Z"
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            ours = b"prefect.engine" in fh.read()
    except (OSError, IndexError):
        return True
    return zombie or not ours


class Orchestrator:
    def __init__(self, project_dir: Path, params_file: Path, overrides: list[str], until: str):
        self.project_dir, self.params_file = Path(project_dir).resolve(), Path(params_file).resolve()
        self.overrides, self.until = list(overrides), until
        self.url: str | None = None
        self.deployment_id: UUID | None = None

    def runs_dir(self) -> Path:
        return self.project_dir / "runs"

    def _client(self):
        from prefect.client.orchestration import SyncPrefectClient

        return SyncPrefectClient(self.url)

    @contextmanager
    def started(self, home: Path):
        from rft.prefect_server import prefect_server

        prefect_home = (Path(home) / "prefect").resolve()
        os.environ["PREFECT_HOME"] = str(prefect_home)  # the temporary server's database, kept between starts
        with prefect_server(prefect_home) as url:
            self.url = url
            self._deploy()
            worker = self._start_worker(prefect_home)
            try:
                yield self
            finally:
                worker.terminate()
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _deploy(self) -> None:
        from prefect.client.schemas.actions import WorkPoolCreate
        from prefect.exceptions import ObjectAlreadyExists
        from prefect.flows import Flow

        with self._client() as client:
            try:
                client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))
            except ObjectAlreadyExists:
                pass
        flow = Flow.from_source(source=str(self.project_dir), entrypoint="flows/rft_pipeline.py:rft_pipeline")
        # Each flow run starts through the orphan guard, so it dies with the worker (and the worker with us).
        command = f"{sys.executable} -m rft.orphan_guard - -m prefect.engine"
        self.deployment_id = flow.to_deployment(name=DEPLOYMENT, work_pool_name=POOL,
                                                job_variables={"command": command}).apply()

    def _start_worker(self, prefect_home: Path) -> subprocess.Popen:
        env = {**os.environ, "PREFECT_API_URL": self.url, "PREFECT_WORKER_QUERY_SECONDS": WORKER_POLL_S}
        with (prefect_home / "worker.log").open("ab") as log:
            return subprocess.Popen([sys.executable, "-m", "rft.orphan_guard", str(os.getpid()), "-m", "prefect",
                                     "worker", "start", "--pool", POOL, "--type", "process"],
                                    env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self.project_dir)

    def submit(self, run_name: str, overrides: list[str], attempt: int) -> str:
        """A flow run of the pipeline for one job; the same (job, attempt) never makes two runs."""
        with self._client() as client:
            run = client.create_flow_run_from_deployment(
                self.deployment_id, name=run_name, tags=["rft-api"], idempotency_key=f"{run_name}-{attempt}",
                parameters={"params_file": str(self.params_file), "overrides": self.overrides + overrides,
                            "run_name": run_name, "until": self.until})
        return str(run.id)

    def state(self, flow_run_id: str) -> RunState:
        with self._client() as client:
            run = client.read_flow_run(UUID(flow_run_id))
        state = run.state
        kind = state.type.value if state else "SCHEDULED"
        return RunState(kind, (state.message or "") if state else "",
                        kind in ("RUNNING", "CANCELLING") and _process_gone(run.infrastructure_pid))

    def stop(self, flow_run_id: str, message: str) -> None:
        """Ask the worker to kill the run's process (training keeps every finished checkpoint)."""
        from prefect.states import Cancelled, Cancelling

        with self._client() as client:
            run = client.read_flow_run(UUID(flow_run_id))
            started = run.infrastructure_pid is not None  # a run no worker took yet has nothing to kill
            state = Cancelling(message=message) if started else Cancelled(message=message)
            client.set_flow_run_state(UUID(flow_run_id), state, force=True)

    def mark_crashed(self, flow_run_id: str, message: str) -> None:
        from prefect.states import Crashed

        with self._client() as client:
            client.set_flow_run_state(UUID(flow_run_id), Crashed(message=message), force=True)
