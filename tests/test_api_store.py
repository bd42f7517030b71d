"""The API's state: kept across a restart, and one project never sees another's objects."""

from __future__ import annotations

import pytest

from rft.api.store import Store


def test_files_and_jobs_survive_a_restart_and_stay_in_their_project(tmp_path):
    store = Store(tmp_path)
    mine = store.add_file("a", "train.jsonl", "fine-tune", b'{"messages": []}\n', 1)
    job = store.add_job("a", {"model": "m", "training_file": mine["id"]}, "run-1")
    store.update_job(job["id"], status="running", flow_run_id="fr-1")
    store.db.close()

    again = Store(tmp_path)  # a restart: a new connection to the same folder
    assert again.file("a", mine["id"])["bytes"] == 17 and again.file_path(mine["id"]).read_bytes().endswith(b"\n")
    assert again.job("a", job["id"])["status"] == "running"
    assert again.job("a", job["id"])["body"]["training_file"] == mine["id"]
    assert [j["id"] for j in again.unfinished_jobs()] == [job["id"]]
    assert again.file("b", mine["id"]) is None and again.job("b", job["id"]) is None  # other project
    assert again.files("b") == [] and again.jobs("b") == ([], False)
    assert not again.delete_file("b", mine["id"]) and again.file("a", mine["id"])  # b cannot delete a's file
    assert again.delete_file("a", mine["id"]) and not again.file_path(mine["id"]).exists()


def test_jobs_page_newest_first_with_an_after_cursor(tmp_path):
    store = Store(tmp_path)
    ids = [store.add_job("a", {"n": i}, f"run-{i}")["id"] for i in range(5)]
    first, more = store.jobs("a", limit=2)
    assert [j["id"] for j in first] == ids[::-1][:2] and more
    second, more = store.jobs("a", after=first[-1]["id"], limit=2)
    assert [j["id"] for j in second] == ids[::-1][2:4] and more
    last, more = store.jobs("a", after=second[-1]["id"], limit=2)
    assert [j["id"] for j in last] == [ids[0]] and not more


def test_only_job_columns_can_be_updated(tmp_path):
    store = Store(tmp_path)
    job = store.add_job("a", {}, "r")
    with pytest.raises(ValueError, match="not job fields"):
        store.update_job(job["id"], **{"project = 'b', status": "x"})
