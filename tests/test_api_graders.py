"""Graders validated and run through `/v1/fine_tuning/alpha/graders/*` with the official `openai` SDK."""

from __future__ import annotations

import openai
import pytest
from api_server import A, client

MATCH = {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
         "reference": "{{item.answer}}", "operation": "eq"}


def test_validate_and_run_a_grader_as_openai_answers(api):
    sdk = client(api, A)
    assert sdk.fine_tuning.alpha.graders.validate(grader=MATCH).grader.name == "exact"
    hit = sdk.fine_tuning.alpha.graders.run(grader=MATCH, model_sample="KCNT1", item={"answer": "KCNT1"})
    miss = sdk.fine_tuning.alpha.graders.run(grader=MATCH, model_sample="SCN1A", item={"answer": "KCNT1"})
    assert (hit.reward, miss.reward) == (1.0, 0.0)
    assert hit.metadata.name == "exact" and hit.metadata.errors.sample_parse_error is False


def test_a_bad_grader_is_refused_naming_its_field(api):
    with pytest.raises(openai.BadRequestError) as err:
        client(api, A).fine_tuning.alpha.graders.validate(grader={**MATCH, "operation": "equals"})
    assert err.value.body["param"] == "grader.operation" and err.value.body["code"] == "invalid_grader"
