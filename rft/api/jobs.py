"""Fine-tuning jobs: created from a request, run as Prefect flow runs, their status kept in the store.

A job's status follows its flow run (rft/api/job_views.py maps the states), except where the user
decided: `cancelled` and `paused` are written first, then the run is stopped, so a late state from
Prefect cannot undo them. A run whose process died under a stopped `rft api` (it dies with the API,
rft/orphan_guard.py) is marked crashed and submitted again: the finished stages are cached and the
training resumes from its last whole checkpoint. Every refresh holds one lock, so two requests never
submit a job twice; the flow run's idempotency key covers a crash between submitting and saving.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from rft.api.errors import ApiError, not_found
from rft.api.job_plan import check_settings, plan_job, run_overrides
from rft.api.job_views import checkpoints_page, eval_summary, model_name, status_of
from rft.api.store import new_id

TERMINAL = {"succeeded", "failed", "cancelled"}
MAX_ATTEMPTS = 5  # flow runs per job, resumes after restarts included: a job that keeps dying is failed


class Jobs:
    def __init__(self, store, orchestrator, base_model: str, params_file: Path | None = None,
                 sets: list[str] | None = None):
        """`params_file` and `sets`: the server's settings, under each job's own (checked at create)."""
        self.store, self.orchestrator, self.base_model = store, orchestrator, base_model
        self.params_file, self.sets = params_file, list(sets or [])
        self.lock = threading.RLock()

    def run_dir(self, row: dict) -> Path:
        return self.orchestrator.runs_dir() / row["run_name"]

    def model_of(self, row: dict) -> str:
        return model_name(row["body"].get("model") or self.base_model, row["body"].get("suffix"), row["id"])

    def get(self, project: str, job_id: str) -> dict:
        row = self.store.job(project, job_id)
        if row is None:
            raise not_found("fine-tuning job", job_id)
        return self.refresh(row)

    # --- life cycle ----------------------------------------------------------------------------------
    def create(self, project: str, body: dict) -> dict:
        plan = plan_job(body, project, self.store)
        job_id = new_id("ftjob")
        overrides = run_overrides(plan, job_id, body.get("metadata"))
        if self.params_file is not None:
            check_settings(self.params_file, self.sets + overrides)
        if self.orchestrator is None:
            raise ApiError(503, "this server runs no jobs (started without an orchestrator)", type="server_error")
        row = self.store.add_job(project, body, job_id, job_id=job_id, overrides=overrides)
        files = ", ".join(f for f in (body.get("training_file"), body.get("validation_file")) if f)
        self.store.add_event(job_id, f"Validating training file: {files}")
        for warning in plan.warnings:
            self.store.add_event(job_id, warning, level="warn")
        with self.lock:
            return self._submit(row, "Files validated, moving job to queued state")

    def _submit(self, row: dict, message: str) -> dict:
        attempt = row["attempt"] + 1
        if attempt > MAX_ATTEMPTS:
            return self._end(row, "failed", f"stopped after {MAX_ATTEMPTS} attempts: the job's process kept dying")
        flow_run_id = self.orchestrator.submit(row["run_name"], row["overrides"], attempt)
        self.store.update_job(row["id"], flow_run_id=flow_run_id, attempt=attempt, status="queued")
        self.store.add_event(row["id"], message)
        return self.store.job(row["project"], row["id"])

    def _end(self, row: dict, status: str, error: str | None = None) -> dict:
        fields = {"status": status, "finished_at": int(time.time())}
        if status == "succeeded":
            fields["fine_tuned_model"] = self.model_of(row)
            if (summary := eval_summary(self.run_dir(row))) is not None:
                self.store.add_event(row["id"], summary[0])
            self.store.add_event(row["id"], "The job has successfully completed")
        elif status == "failed":
            fields["error"] = {"code": "job_failed", "message": error or "the pipeline failed", "param": None}
            self.store.add_event(row["id"], f"The job failed: {error}", level="error")
        self.store.update_job(row["id"], **fields)
        return self.store.job(row["project"], row["id"])

    def refresh(self, row: dict) -> dict:
        """The job as its flow run now stands; resubmitted when its process died with an earlier API."""
        if row["status"] in TERMINAL or row["status"] == "paused":
            return row
        with self.lock:
            row = self.store.job(row["project"], row["id"])  # another request may have moved it meanwhile
            if row["status"] in TERMINAL or row["status"] == "paused":
                return row
            if row["flow_run_id"] is None:  # the API stopped between saving the job and submitting it
                return self._submit(row, "Job queued")  # the same attempt's key: no second run
            state = self.orchestrator.state(row["flow_run_id"])
            if state.process_gone:
                self.orchestrator.mark_crashed(row["flow_run_id"], "rft api stopped while this run ran")
                step = self._last_step(row)
                return self._submit(row, "rft api restarted while this job ran; it resumes from "
                                    + (f"checkpoint step {step}" if step else "the start of training"))
            status = status_of(state.type, row["status"])
            if status in TERMINAL:
                return self._end(row, status, state.message)
            if status != row["status"]:
                self.store.update_job(row["id"], status=status)
                if status == "running":
                    self.store.add_event(row["id"], "Fine-tuning job started" if row["attempt"] == 1
                                         else f"Fine-tuning job running again (attempt {row['attempt']})")
            return self.store.job(row["project"], row["id"])

    def refresh_all(self) -> None:
        for row in self.store.unfinished_jobs():
            self.refresh(row)

    def _last_step(self, row: dict) -> int | None:
        page = checkpoints_page(self.run_dir(row), row["id"], self.model_of(row), None, 1)
        return page["data"][0]["step_number"] if page["data"] else None

    def cancel(self, project: str, job_id: str) -> dict:
        with self.lock:
            row = self.get(project, job_id)
            if row["status"] in TERMINAL:
                raise ApiError(400, f"Job is already {row['status']}; it cannot be cancelled", param="fine_tuning_job_id")
            running = row["status"] != "paused"
            self.store.update_job(row["id"], status="cancelled", finished_at=int(time.time()))
            if running:
                self.orchestrator.stop(row["flow_run_id"], "cancelled by the user")
            self.store.add_event(row["id"], "Job was cancelled")
            return self.store.job(project, job_id)

    def pause(self, project: str, job_id: str) -> dict:
        with self.lock:
            row = self.get(project, job_id)
            if row["status"] in TERMINAL or row["status"] == "paused":
                raise ApiError(400, f"Job is {row['status']}; only a queued or running job can be paused",
                               param="fine_tuning_job_id")
            self.store.update_job(row["id"], status="paused")
            self.orchestrator.stop(row["flow_run_id"], "paused by the user")
            step = self._last_step(row)
            self.store.add_event(row["id"], "Job paused; resume continues from "
                                 + (f"checkpoint step {step}" if step else "the start of training"))
            return self.store.job(project, job_id)

    def resume(self, project: str, job_id: str) -> dict:
        with self.lock:
            row = self.get(project, job_id)
            if row["status"] != "paused":
                raise ApiError(400, f"Job is {row['status']}; only a paused job can be resumed",
                               param="fine_tuning_job_id")
            step = self._last_step(row)
            return self._submit(row, "Job resumed from " + (f"checkpoint step {step}" if step else "the start"))


class Refresher:
    """Keeps every unfinished job's status current while nobody asks, so its end is recorded when it ends."""

    def __init__(self, jobs: Jobs, every_s: float = 5.0):
        self.jobs, self.every_s = jobs, every_s
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="rft-api-refresher", daemon=True)

    def _loop(self) -> None:
        while not self.done.wait(self.every_s):
            try:
                self.jobs.refresh_all()
            except Exception as err:  # noqa: BLE001 - a Prefect hiccup: the next round tries again
                print(f"rft api: refreshing jobs failed: {err}", flush=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join(30)
