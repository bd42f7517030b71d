"""Jobs, events and checkpoints as OpenAI shows them, read from a run folder (the truth after a restart)."""

from __future__ import annotations

import json

from rft.api.job_views import checkpoints_page, events_page, job_object, model_name, status_of
from rft.train.recovery import mark_complete


def _run(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    lines = [json.dumps({"object": "fine_tuning.job.event", "id": f"ftevent-j-{i}", "type": "message",
                         "message": f"event {i}"}) for i in range(1, 6)]
    (run / "events.jsonl").write_text("\n".join(lines) + '\n{"object": "fine_tuning.job.ev')  # killed mid-write
    for step in (2, 4, 6):
        (run / f"checkpoint-{step}").mkdir()
        if step != 6:  # checkpoint-6 was being written when the run stopped
            mark_complete(run / f"checkpoint-{step}", step)
    (run / "checkpoints.json").write_text(json.dumps({"scores": {"2": 0.25, "4": 0.5}}))
    return run


def test_events_are_listed_newest_first_in_pages_and_a_cut_line_is_skipped(tmp_path):
    run = _run(tmp_path)
    first = events_page(run, None, 2)
    assert [e["id"] for e in first["data"]] == ["ftevent-j-5", "ftevent-j-4"] and first["has_more"]
    rest = events_page(run, "ftevent-j-4", 10)
    assert [e["id"] for e in rest["data"]] == ["ftevent-j-3", "ftevent-j-2", "ftevent-j-1"] and not rest["has_more"]


def test_only_whole_checkpoints_are_listed_with_their_scores(tmp_path):
    page = checkpoints_page(_run(tmp_path), "ftjob-1", "ft:base:x:ftjob-1", None, 10)
    assert [c["step_number"] for c in page["data"]] == [4, 2]
    assert page["data"][0]["fine_tuned_model_checkpoint"] == "ft:base:x:ftjob-1:ckpt-step-4"
    assert page["data"][0]["metrics"]["full_valid_mean_reward"] == 0.5


def test_status_and_names_follow_openai():
    assert status_of("RUNNING", "queued") == "running" and status_of("CRASHED", "running") == "failed"
    assert status_of(None, "queued") == "queued"
    assert model_name("/models/smollm2-135m", "genes", "ftjob-1") == "ft:smollm2-135m:genes:ftjob-1"
    row = {"id": "ftjob-1", "created_at": 1, "project": "clinic", "status": "running", "fine_tuned_model": None,
           "error": None, "finished_at": None,
           "body": {"model": "m", "training_file": "file-1", "method": {"type": "reinforcement", "reinforcement": {
               "grader": {}, "hyperparameters": {"n_epochs": 1}}}}}
    job = job_object(row)
    assert job["object"] == "fine_tuning.job" and job["hyperparameters"] == {"n_epochs": 1}
