"""A real `rft api` app on 127.0.0.1 (random port, uvicorn in a thread) and an official `openai` client for it."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
A, B = "sk-a-0123456789abcdef", "sk-b-0123456789abcdef"


def start_api(home):
    """(base_url, stop) of a running app whose keys are A (project clinic) and B (project research)."""
    import uvicorn

    from rft.api.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(home, {A: "clinic", B: "research"}, params_file=ROOT / "params.yaml")
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1",
                                       port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # a loaded machine starts slowly
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)

    def stop():
        srv.should_exit = True
        thread.join(10)

    return f"http://127.0.0.1:{port}/v1", stop


def client(url, key):
    from openai import OpenAI

    return OpenAI(base_url=url, api_key=key, max_retries=0)
