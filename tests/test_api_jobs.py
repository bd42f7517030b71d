"""Job and chat requests refused in OpenAI's error shape, the field named, before any work starts; an app
started without an orchestrator (tests/api_server.py) answers them. Jobs that run: test_api_service.py."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import openai
import pytest
from api_server import A, client

from rft.api.errors import ApiError
from rft.api.job_plan import plan_job, run_overrides
from rft.api.orchestrator import _process_gone
from rft.api.store import Store

GRADER = {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
          "reference": "{{item.answer}}", "operation": "eq"}
LINE = json.dumps({"messages": [{"role": "user", "content": "Name a colour."}], "answer": "red"}) + "\n"


def _upload(sdk, lines: int = 4) -> str:
    return sdk.files.create(file=("t.jsonl", io.BytesIO((LINE * lines).encode())), purpose="fine-tune").id


def _create(sdk, **body):
    return sdk.fine_tuning.jobs.create(model="smollm2-135m-instruct", **body)


def test_malformed_jobs_get_openais_error_shape_with_the_field(api):
    sdk = client(api, A)
    train = _upload(sdk)
    method = {"type": "reinforcement", "reinforcement": {"grader": GRADER, "hyperparameters": {"n_epochs": -1}}}
    with pytest.raises(openai.BadRequestError) as err:
        _create(sdk, training_file=train, validation_file=train, method=method)
    assert err.value.body["param"] == "method.reinforcement.hyperparameters.n_epochs"
    assert set(err.value.body) == {"message", "type", "param", "code"}
    with pytest.raises(openai.BadRequestError) as err:
        _create(sdk, training_file=train, method={**method, "reinforcement": {"grader": GRADER}})
    assert err.value.body["param"] == "validation_file" and "metadata.group_by" in err.value.body["message"]
    with pytest.raises(openai.BadRequestError) as err:
        _create(sdk, training_file="file-nope", validation_file=train, method=method)
    assert err.value.body["param"] == "training_file" and err.value.body["code"] == "file_not_found"
    with pytest.raises(openai.BadRequestError) as err:
        _create(sdk, training_file=train, validation_file=train,
                method={"type": "reinforcement", "reinforcement": {"grader": {**GRADER, "operation": "equals"}}})
    assert err.value.body["param"] == "method.reinforcement.grader.operation"


def test_a_valid_job_on_a_server_with_no_orchestrator_is_refused_not_lost(api):
    sdk = client(api, A)
    train = _upload(sdk)
    with pytest.raises(openai.InternalServerError) as err:
        _create(sdk, training_file=train, validation_file=train,
                method={"type": "reinforcement", "reinforcement": {"grader": GRADER}})
    assert err.value.status_code == 503 and sdk.fine_tuning.jobs.list().data == []
    with pytest.raises(openai.AuthenticationError):
        client(api, "sk-wrong-0123456789abcdef").fine_tuning.jobs.list()
    with pytest.raises(openai.NotFoundError):
        sdk.fine_tuning.jobs.retrieve("ftjob-nope")


def test_chat_requests_are_checked_before_any_model_loads(api):
    sdk = client(api, A)
    hi = [{"role": "user", "content": "hi"}]
    assert [m.id for m in sdk.models.list().data] == ["smollm2-135m-instruct"]
    with pytest.raises(openai.NotFoundError) as err:
        sdk.chat.completions.create(model="ft:smollm2-135m-instruct:x:ftjob-nope", messages=hi)
    assert err.value.body["code"] == "model_not_found" and err.value.body["param"] == "model"
    for bad, param in (({"stream": True}, "stream"), ({"n": 0}, "n"), ({"temperature": 3}, "temperature"),
                       ({"messages": [{"role": "user"}]}, "messages")):
        with pytest.raises(openai.BadRequestError) as err:
            sdk.chat.completions.create(**{"model": "smollm2-135m-instruct", "messages": hi, **bad})
        assert err.value.body["param"] == param


def test_one_file_is_split_by_the_named_field_with_a_fifth_held_out(tmp_path):
    store = Store(tmp_path)
    train = store.add_file("clinic", "t.jsonl", "fine-tune", (LINE * 10).encode(), 10)["id"]
    body = {"training_file": train, "metadata": {"group_by": "answer"},
            "method": {"type": "reinforcement", "reinforcement": {"grader": GRADER}}}
    sets = run_overrides(plan_job(body, "clinic", store), "ftjob-1", body["metadata"])
    assert f"data.lines={json.dumps(str(store.file_path(train)))}" in sets and "split.valid_size=2" in sets
    assert sets.index("split.group_by=answer") > sets.index("split.group_by=null")  # the job's field wins
    with pytest.raises(ApiError) as err:
        run_overrides(plan_job(body, "clinic", store), "ftjob-1", {"group_by": "answer", "valid_size": "10"})
    assert err.value.param == "metadata.valid_size"


def test_a_run_is_dead_when_its_pid_is_no_live_prefect_engine():
    assert _process_gone(None) is False and _process_gone("another-host:1") is False
    engine = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "prefect.engine"])
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert _process_gone(str(engine.pid)) is False
        assert _process_gone(str(other.pid)) is True  # a pid reused by something else is no run
    finally:
        engine.kill(), other.kill(), engine.wait(), other.wait()
    assert _process_gone(str(engine.pid)) is True


def test_greedy_chat_asks_share_a_batch_whatever_their_seed_sampled_ones_by_seed():
    from rft.api.chat import Ask

    def ask(n: int, seed: int | None) -> Ask:
        return Ask("base", None, [{"role": "user", "content": "hi"}], n, 8, 1.0, seed)

    assert ask(1, 1).key() == ask(1, 2).key() == ask(1, None).key()
    assert ask(2, 1).key() != ask(2, 2).key() and ask(2, None).key() == ask(2, None).key()
    assert ask(1, None).key() != ask(2, None).key()
