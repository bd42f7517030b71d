"""Uploads are checked line by line before they are kept, and refused naming the line and field."""

from __future__ import annotations

import json

import pytest

from rft.api.errors import ApiError
from rft.api.uploads import UploadLimits, check_upload

GOOD = json.dumps({"messages": [{"role": "user", "content": "hi"}], "reference_answer": "x"}) + "\n"


def test_a_good_file_counts_its_lines():
    assert check_upload((GOOD * 3).encode(), "train.jsonl", UploadLimits()) == 3


@pytest.mark.parametrize(("body", "line", "param"), [
    (GOOD + "{not json\n", 2, None),
    (GOOD + json.dumps({"prompt": "no messages"}) + "\n", 2, "messages"),
    (GOOD + json.dumps({"messages": [{"role": "assistant", "content": "last"}]}) + "\n", 2, "messages")])
def test_a_bad_line_is_named_and_nothing_is_kept(body, line, param):
    with pytest.raises(ApiError) as err:
        check_upload(body.encode(), "train.jsonl", UploadLimits())
    assert err.value.status == 400 and f"train.jsonl, line {line}:" in err.value.message
    if param:
        assert err.value.param == param


def test_caps_are_checked_before_parsing():
    with pytest.raises(ApiError) as err:
        check_upload((GOOD * 5).encode(), "t.jsonl", UploadLimits(max_lines=4))
    assert err.value.code == "too_many_lines"
    with pytest.raises(ApiError) as err:
        check_upload(b"x" * 100, "t.jsonl", UploadLimits(max_bytes=10))
    assert err.value.status == 413
