"""`rft api` as a team uses it: the real command on 127.0.0.1, its own Prefect server and process worker,
the real default model (shrunk settings), driven only by the official `openai` SDK, following OpenAI's
RFT guide with `base_url` and `api_key` changed. Also: a `kill -9` of the server mid-job (nothing is
lost, the job resumes), pause, resume and cancel (the training stops)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import openai
import pytest
from api_server import A, B, client
from s3_server import free_port

from rft.train.recovery import is_complete

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
RFT = str(Path(sys.executable).parent / "rft")
GRADER = {"type": "text_similarity", "name": "close", "input": "{{sample.output_text}}",
          "reference": "{{item.reference_answer}}", "evaluation_metric": "fuzzy_match"}
TINY = {"profile": None, "tracking": {"wandb": False},
        "train": {"max_valid_cases": 1, "hyperparameters": {"eval_interval": 1},
                  "grpo": {"num_generations": 2, "max_completion_length": 8}},
        "eval": {"max_new_tokens": 8, "bootstrap": 50}}


def _lines(start: int, n: int) -> str:
    return "".join(json.dumps({"messages": [{"role": "user", "content": f"Say the word number {i}."}],
                               "reference_answer": f"number {i}"}) + "\n" for i in range(start, start + n))


class Server:
    """`rft api` in a project folder of its own (the pipeline's flow file and a tiny params file)."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        (folder / "flows").mkdir(parents=True)
        (folder / "flows/rft_pipeline.py").write_text((ROOT / "flows/rft_pipeline.py").read_text())
        (folder / "params.yaml").write_text(json.dumps(TINY))
        (folder / "train.jsonl").write_text(_lines(0, 4))
        (folder / "valid.jsonl").write_text(_lines(100, 2))
        self.url, self.proc = f"http://127.0.0.1:{self.port}/v1", None

    def start(self) -> Server:
        env = {**os.environ, "RFT_API_KEYS": f"{A}=clinic,{B}=research"}
        env.pop("PREFECT_API_URL", None)
        with (self.folder / "api.log").open("ab") as log:
            self.proc = subprocess.Popen([RFT, "api", "--port", str(self.port)], cwd=self.folder, env=env,
                                         stdout=log, stderr=log)
        deadline = time.monotonic() + 400  # a Prefect server on a busy 2-core machine starts slowly
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.folder / "api.log").read_text()[-3000:]
            try:
                client(self.url, A).models.list()
                return self
            except openai.APIConnectionError:
                time.sleep(1)
        raise TimeoutError("rft api did not answer")

    def kill(self) -> None:
        """`kill -9` of `rft api` alone: what it started must die with it (rft/orphan_guard.py)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        deadline = time.monotonic() + 30
        while self.processes_here() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not self.processes_here(), "a process of the stopped API is still running in its folder"

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def processes_here(self) -> list[int]:
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if Path(os.readlink(f"/proc/{pid}/cwd")) == self.folder:
                    found.append(int(pid))
            except OSError:
                continue
        return found


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("api-project").resolve()).start()
    yield srv
    srv.stop()


def _files(sdk, folder: Path):
    with (folder / "train.jsonl").open("rb") as t, (folder / "valid.jsonl").open("rb") as v:
        return sdk.files.create(file=t, purpose="fine-tune"), sdk.files.create(file=v, purpose="fine-tune")


def _job(sdk, folder: Path, epochs: int, batch: int):
    train, valid = _files(sdk, folder)
    return sdk.fine_tuning.jobs.create(
        model="smollm2-135m-instruct", training_file=train.id, validation_file=valid.id, suffix="words",
        method={"type": "reinforcement", "reinforcement": {
            "grader": GRADER, "hyperparameters": {"n_epochs": epochs, "batch_size": batch}}})


def _events(sdk, job_id: str) -> list[str]:
    return [e.message for e in reversed(sdk.fine_tuning.jobs.list_events(job_id, limit=100).data)]


def _wait(check, timeout: float, every: float = 2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (got := check()):
            return got
        time.sleep(every)
    raise TimeoutError("waited too long")


def _ended(sdk, job_id: str):
    job = sdk.fine_tuning.jobs.retrieve(job_id)
    return job if job.status in ("succeeded", "failed", "cancelled") else None


def test_openai_rft_guide_flow_with_only_base_url_and_key_changed(server):
    sdk = client(server.url, A)
    assert sdk.fine_tuning.alpha.graders.validate(grader=GRADER).grader.name == "close"
    run = sdk.fine_tuning.alpha.graders.run(grader=GRADER, model_sample="number 7", item={"reference_answer": "number 7"})
    assert run.reward == 1.0
    job = _job(sdk, server.folder, epochs=1, batch=2)
    assert job.status == "queued" and job.training_file.startswith("file-")
    with pytest.raises(openai.NotFoundError):  # another project's key cannot see it
        client(server.url, B).fine_tuning.jobs.retrieve(job.id)

    done = _wait(lambda: _ended(sdk, job.id), 600)
    assert done.status == "succeeded", done.error
    assert done.fine_tuned_model == f"ft:smollm2-135m-instruct:words:{job.id}"
    events = _events(sdk, job.id)
    assert events[0].startswith("Validating training file") and events[-1] == "The job has successfully completed"
    assert any(e.startswith("Step 2/2 ") for e in events)
    assert events[-2].startswith("Evaluation on 2 validation cases: tuned − base mean reward ")  # paired, with CI
    assert sdk.fine_tuning.jobs.list(limit=5).data[0].id == job.id

    checkpoints = sdk.fine_tuning.jobs.checkpoints.list(job.id).data
    assert checkpoints and checkpoints[0].fine_tuned_model_checkpoint.startswith(done.fine_tuned_model + ":ckpt-step-")
    assert done.fine_tuned_model in [m.id for m in sdk.models.list().data]
    assert done.fine_tuned_model not in [m.id for m in client(server.url, B).models.list().data]
    for model in (done.fine_tuned_model, checkpoints[-1].fine_tuned_model_checkpoint):
        reply = sdk.chat.completions.create(model=model, max_tokens=8,
                                            messages=[{"role": "user", "content": "Say the word number 7."}])
        assert reply.choices[0].message.content.strip() and 0 < reply.usage.completion_tokens <= 8
    with pytest.raises(openai.NotFoundError) as err:
        client(server.url, B).chat.completions.create(model=done.fine_tuned_model, messages=[
            {"role": "user", "content": "hi"}])
    assert err.value.body["param"] == "model"


def test_a_kill_9_of_the_server_mid_job_loses_nothing_and_the_job_resumes(server):
    sdk = client(server.url, A)
    job = _job(sdk, server.folder, epochs=1, batch=1)  # 4 steps
    _wait(lambda: any(e.startswith("Step 2/4 ") for e in _events(sdk, job.id)), 600, every=1)
    server.kill()
    run_dir = server.folder / "runs" / job.id
    kept = [int(p.name.split("-")[1]) for p in run_dir.glob("checkpoint-*") if is_complete(p)]
    server.start()

    done = _wait(lambda: _ended(client(server.url, A), job.id), 600)
    assert done.status == "succeeded", done.error
    events = _events(client(server.url, A), job.id)
    restarted = [i for i, e in enumerate(events) if e.startswith("rft api restarted while this job ran")]
    assert len(restarted) == 1
    resumed_from = int(events[restarted[0]].rsplit(" ", 1)[1])
    assert resumed_from == max(kept) >= 1  # from the last whole checkpoint the killed run left

    def steps(part):
        return [int(e.split()[1].split("/")[0]) for e in part if e.startswith("Step ")]
    # A step whose event was written but whose checkpoint was cut by the kill runs again; no other does.
    assert steps(events[:restarted[0]])[:resumed_from] == list(range(1, resumed_from + 1))
    assert steps(events[restarted[0]:]) == list(range(resumed_from + 1, 5))
    assert [f.id for f in client(server.url, A).files.list().data]  # uploads survived too


def test_pause_resume_and_cancel_act_on_the_training(server):
    sdk = client(server.url, A)
    job = _job(sdk, server.folder, epochs=2, batch=1)
    _wait(lambda: any(e.startswith("Step 1/8 ") for e in _events(sdk, job.id)), 600, every=1)
    assert sdk.fine_tuning.jobs.pause(job.id).status == "paused"
    assert any(e.startswith("Job paused; resume continues from checkpoint step ") for e in _events(sdk, job.id))
    assert sdk.fine_tuning.jobs.resume(job.id).status == "queued"
    _wait(lambda: any(e.startswith("resumed from checkpoint-") for e in _events(sdk, job.id)), 600, every=1)

    assert sdk.fine_tuning.jobs.cancel(job.id).status == "cancelled"
    run_dir = server.folder / "runs" / job.id
    time.sleep(10)  # the worker kills the run's process
    before = (len(_events(sdk, job.id)), sorted(p.name for p in run_dir.glob("checkpoint-*")))
    time.sleep(20)
    assert (len(_events(sdk, job.id)), sorted(p.name for p in run_dir.glob("checkpoint-*"))) == before
    assert sdk.fine_tuning.jobs.retrieve(job.id).status == "cancelled"
    assert not any(e.startswith("Step 8/8") for e in _events(sdk, job.id))  # stopped well before its end
    with pytest.raises(openai.BadRequestError) as err:
        sdk.fine_tuning.jobs.cancel(job.id)
    assert err.value.body["param"] == "fine_tuning_job_id"
