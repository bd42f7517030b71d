"""The endpoint grader against a real HTTP server on 127.0.0.1: payload, retries, limits, faults."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from helpers import LocalServer

from rft.graders import build_grader, grade_batch, parse_grader


def endpoint(url: str, **extra):
    raw = {"type": "endpoint", "name": "ep", "url": url, "max_retries": 2, "timeout_seconds": 5, **extra}
    grader = build_grader(parse_grader(raw, "t"))
    grader.poster.backoff = 0.01  # keep retries fast in tests
    return grader


def test_payload_and_score():
    def respond(body, headers):
        return 200, {"score": 1.0 if body["sample"]["output_text"] == body["item"]["answer"] else 0.25}

    with LocalServer(respond) as server:
        results = grade_batch(endpoint(server.url + "/grade"), ["yes", "no"], [{"answer": "yes"}] * 2)
    assert [r.reward for r in results] == [1.0, 0.25]
    body = server.requests[0]["body"]
    assert set(body) == {"sample", "item", "trace_id"} and body["trace_id"].startswith("trace_")
    assert server.requests[0]["path"] == "/grade"
    assert len({r["body"]["trace_id"] for r in server.requests}) == 2


def test_failures_are_retried_until_one_succeeds():
    calls: Counter = Counter()
    lock = threading.Lock()

    def respond(body, headers):
        with lock:
            calls[body["trace_id"]] += 1
            n = calls[body["trace_id"]]
        return (503, {"error": "busy"}) if n < 3 else (200, {"score": 0.7})

    with LocalServer(respond) as server:
        result = grade_batch(endpoint(server.url), ["x"], [{}])[0]
    assert result.reward == 0.7 and result.ok
    assert len(server.requests) == 3


def test_a_server_that_never_answers_well_is_unresponsive():
    with LocalServer(lambda body, headers: (500, {"error": "down"})) as server:
        result = grade_batch(endpoint(server.url), ["x"], [{}])[0]
    assert result.reward == 0.0 and result.error_flags()["unresponsive_reward_error"] is True
    assert len(server.requests) == 3  # one try and two retries


def test_a_client_error_is_final_and_not_retried():
    with LocalServer(lambda body, headers: (400, {"error": "bad"})) as server:
        result = grade_batch(endpoint(server.url), ["x"], [{}])[0]
    assert result.error_flags()["other_error"] is True and len(server.requests) == 1


def test_no_server_at_all_is_unresponsive():
    with LocalServer(lambda b, h: (200, {})) as server:
        url = server.url
    result = grade_batch(endpoint(url), ["x"], [{}])[0]  # the port is closed now
    assert result.error_flags()["unresponsive_reward_error"] is True


def test_an_answer_without_a_score_is_an_error():
    with LocalServer(lambda b, h: (200, {"points": 3})) as server:
        result = grade_batch(endpoint(server.url), ["x"], [{}])[0]
    assert result.error_flags()["other_error"] is True and "numeric 'score'" in result.errors["details"]


def test_headers_take_secrets_from_the_environment(monkeypatch):
    monkeypatch.setenv("GRADER_KEY", "s3cret")
    with LocalServer(lambda b, h: (200, {"score": 1})) as server:
        grade_batch(endpoint(server.url, headers={"Authorization": "Bearer ${GRADER_KEY}"}), ["x"], [{}])
    assert server.requests[0]["headers"]["Authorization"] == "Bearer s3cret"


def test_a_missing_environment_variable_is_refused_when_built(monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    with pytest.raises(ValueError, match="NOT_SET_ANYWHERE"):
        endpoint("http://127.0.0.1:1", headers={"X-Key": "${NOT_SET_ANYWHERE}"})


def test_rate_limit_spaces_requests():
    with LocalServer(lambda b, h: (200, {"score": 1})) as server:
        grade_batch(endpoint(server.url, rate_limit=20, concurrency=8), ["x"] * 8, [{}] * 8)
    gaps = [b - a for a, b in zip(server.times, server.times[1:])]
    assert len(server.times) == 8
    assert server.times[-1] - server.times[0] >= 7 / 20 * 0.9  # 8 requests at 20/s span at least 7 gaps
    assert min(gaps) > 0


def test_concurrent_requests_keep_their_order():
    with LocalServer(lambda body, h: (200, {"score": body["item"]["i"] / 100})) as server:
        results = grade_batch(endpoint(server.url, concurrency=16), ["x"] * 50, [{"i": i} for i in range(50)])
    assert [r.reward for r in results] == [i / 100 for i in range(50)]
