"""A job body planned as the pipeline will run it, or refused in OpenAI's shape naming the field."""

from __future__ import annotations

import json

import pytest

from rft.api.errors import ApiError
from rft.api.job_plan import plan_job
from rft.api.store import Store

GRADER = {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
          "reference": "{{item.answer}}", "operation": "eq"}
LINE = (json.dumps({"messages": [{"role": "user", "content": "q"}], "answer": "a"}) + "\n").encode()


def _body(**extra):
    return {"model": "smollm2-135m-instruct", "method": {"type": "reinforcement", "reinforcement": {
        "grader": GRADER, "hyperparameters": {"n_epochs": 1}}}, **extra}


def test_file_ids_resolve_in_the_callers_project_only(tmp_path):
    store = Store(tmp_path)
    train = store.add_file("clinic", "t.jsonl", "fine-tune", LINE, 1)["id"]
    valid = store.add_file("clinic", "v.jsonl", "fine-tune", LINE, 1)["id"]
    plan = plan_job(_body(training_file=train, validation_file=valid, suffix="genes"), "clinic", store)
    assert plan.train_file == store.file_path(train) and plan.valid_file == store.file_path(valid)
    assert "train.hyperparameters.n_epochs=1" in plan.overrides and plan.suffix == "genes"
    with pytest.raises(ApiError) as err:
        plan_job(_body(training_file=train, validation_file=valid), "research", store)  # not research's file
    assert err.value.param == "training_file" and err.value.code == "file_not_found"


def test_without_a_validation_file_metadata_names_the_split_field_or_the_job_is_refused(tmp_path):
    store = Store(tmp_path)
    train = store.add_file("clinic", "t.jsonl", "fine-tune", LINE, 1)["id"]
    plan = plan_job(_body(training_file=train, metadata={"group_by": "correct_gene"}), "clinic", store)
    assert "split.group_by=correct_gene" in plan.overrides and plan.valid_file is None
    assert not any("metadata" in w for w in plan.warnings)  # the API keeps metadata
    with pytest.raises(ApiError, match="metadata.group_by") as err:
        plan_job(_body(training_file=train), "clinic", store)
    assert err.value.param == "validation_file"


def test_a_bad_hyperparameter_or_grader_is_named(tmp_path):
    store = Store(tmp_path)
    train = store.add_file("clinic", "t.jsonl", "fine-tune", LINE, 1)["id"]
    body = _body(training_file=train, metadata={"group_by": "answer"})
    body["method"]["reinforcement"]["hyperparameters"] = {"n_epochz": 1}
    with pytest.raises(ApiError) as err:
        plan_job(body, "clinic", store)
    assert err.value.param == "method.reinforcement.hyperparameters.n_epochz"
    body["method"]["reinforcement"] = {"grader": {**GRADER, "operation": "equals"}}
    with pytest.raises(ApiError) as err:
        plan_job(body, "clinic", store)
    assert err.value.param == "method.reinforcement.grader.operation"
