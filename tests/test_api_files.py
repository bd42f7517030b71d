"""`/v1/files` driven by the official `openai` SDK against a real server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from api_server import A, B, client

GOOD = json.dumps({"messages": [{"role": "user", "content": "hi"}], "reference_answer": "x"}) + "\n"


def test_upload_list_read_and_delete_with_the_sdk(api, tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text(GOOD * 3)
    sdk = client(api, A)
    uploaded = sdk.files.create(file=path.open("rb"), purpose="fine-tune")
    assert uploaded.id.startswith("file-") and uploaded.bytes == len(GOOD) * 3 and uploaded.filename == "train.jsonl"
    assert [f.id for f in sdk.files.list()] == [uploaded.id]
    assert sdk.files.retrieve(uploaded.id).purpose == "fine-tune"
    assert sdk.files.content(uploaded.id).read() == (GOOD * 3).encode()
    assert sdk.files.delete(uploaded.id).deleted is True
    assert list(sdk.files.list()) == []


def test_a_bad_file_is_refused_in_openais_shape_naming_the_line(api, tmp_path):
    import openai

    path = tmp_path / "train.jsonl"
    path.write_text(GOOD + json.dumps({"prompt": "no messages"}) + "\n")
    with pytest.raises(openai.BadRequestError) as err:
        client(api, A).files.create(file=path.open("rb"), purpose="fine-tune")
    body = err.value.body
    assert "train.jsonl, line 2" in body["message"] and body["param"] == "messages" and body["code"] == "invalid_file"
    assert list(client(api, A).files.list()) == []  # nothing kept


def test_keys_are_checked_and_projects_kept_apart(api, tmp_path):
    import openai

    path = tmp_path / "train.jsonl"
    path.write_text(GOOD)
    mine = client(api, A).files.create(file=path.open("rb"), purpose="fine-tune")
    with pytest.raises(openai.AuthenticationError) as err:
        client(api, "sk-wrong-0123456789abcdef").files.list()
    assert err.value.status_code == 401 and err.value.body["code"] == "invalid_api_key"
    with pytest.raises(openai.NotFoundError):
        client(api, B).files.retrieve(mine.id)  # another project's file does not exist for B
    with pytest.raises(openai.NotFoundError):
        client(api, B).files.delete(mine.id)
    assert client(api, A).files.retrieve(mine.id).id == mine.id
