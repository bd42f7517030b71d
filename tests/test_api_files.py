"""`/v1/files` driven by the official `openai` SDK against a real server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

A, B = "sk-a-0123456789abcdef", "sk-b-0123456789abcdef"
GOOD = json.dumps({"messages": [{"role": "user", "content": "hi"}], "reference_answer": "x"}) + "\n"


@pytest.fixture
def server(tmp_path):
    import uvicorn

    from rft.api.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(tmp_path / "api", {A: "clinic", B: "research"})
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # a loaded machine starts slowly
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/v1"
    srv.should_exit = True
    thread.join(10)


def client(url, key):
    from openai import OpenAI

    return OpenAI(base_url=url, api_key=key, max_retries=0)


def test_upload_list_read_and_delete_with_the_sdk(server, tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text(GOOD * 3)
    sdk = client(server, A)
    uploaded = sdk.files.create(file=path.open("rb"), purpose="fine-tune")
    assert uploaded.id.startswith("file-") and uploaded.bytes == len(GOOD) * 3 and uploaded.filename == "train.jsonl"
    assert [f.id for f in sdk.files.list()] == [uploaded.id]
    assert sdk.files.retrieve(uploaded.id).purpose == "fine-tune"
    assert sdk.files.content(uploaded.id).read() == (GOOD * 3).encode()
    assert sdk.files.delete(uploaded.id).deleted is True
    assert list(sdk.files.list()) == []


def test_a_bad_file_is_refused_in_openais_shape_naming_the_line(server, tmp_path):
    import openai

    path = tmp_path / "train.jsonl"
    path.write_text(GOOD + json.dumps({"prompt": "no messages"}) + "\n")
    with pytest.raises(openai.BadRequestError) as err:
        client(server, A).files.create(file=path.open("rb"), purpose="fine-tune")
    body = err.value.body
    assert "train.jsonl, line 2" in body["message"] and body["param"] == "messages" and body["code"] == "invalid_file"
    assert list(client(server, A).files.list()) == []  # nothing kept


def test_keys_are_checked_and_projects_kept_apart(server, tmp_path):
    import openai

    path = tmp_path / "train.jsonl"
    path.write_text(GOOD)
    mine = client(server, A).files.create(file=path.open("rb"), purpose="fine-tune")
    with pytest.raises(openai.AuthenticationError) as err:
        client(server, "sk-wrong-0123456789abcdef").files.list()
    assert err.value.status_code == 401 and err.value.body["code"] == "invalid_api_key"
    with pytest.raises(openai.NotFoundError):
        client(server, B).files.retrieve(mine.id)  # another project's file does not exist for B
    with pytest.raises(openai.NotFoundError):
        client(server, B).files.delete(mine.id)
    assert client(server, A).files.retrieve(mine.id).id == mine.id
