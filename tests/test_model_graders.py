"""score_model and label_model against an OpenAI-compatible chat server on 127.0.0.1.

The judge here is a scripted HTTP server, not a language model: no hosted model is reachable from
this machine. The HTTP path, the requests sent (the grader's messages as written, the answer's form asked
for through `response_format` as OpenAI does) and every parse and error rule are real. A slow test below
runs a real local model (the default GGUF) as judge.
"""

from __future__ import annotations

import json

import pytest
from helpers import LocalServer

from rft.graders import build_grader, grade_batch, parse_grader
from rft.graders.judge import make_judge


def chat(content: str | None, refusal: str | None = None) -> dict:
    return {"choices": [{"message": {"role": "assistant", "content": content, "refusal": refusal}}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 5}}


@pytest.fixture
def judge_env(monkeypatch):
    def use(server):
        monkeypatch.setenv("RFT_JUDGE_BASE_URL", server.url + "/v1")
        monkeypatch.setenv("RFT_JUDGE_API_KEY", "judge-key")
        make_judge.cache_clear()
    yield use
    make_judge.cache_clear()


SCORE = {"type": "score_model", "name": "judge", "model": "judge-1", "range": [0, 1],
         "input": [{"role": "system", "content": "Grade the answer against the reference {{item.reference}}."},
                   {"role": "user", "content": "Answer: {{sample.output_text}}"}]}


def score_with(reply_content, judge_env, raw=SCORE, sample="Paris", item=None):
    with LocalServer(lambda body, headers: (200, reply_content(body))) as server:
        judge_env(server)
        grader = build_grader(parse_grader(raw, "t"))
        result = grade_batch(grader, [sample], [item or {"reference": "Paris"}])[0]
    return result, server.requests


def test_score_model_sends_rendered_messages_and_reads_result(judge_env):
    result, requests = score_with(lambda b: chat('{"result": 0.8, "steps": [{"description": "d", "conclusion": "c"}]}'),
                                  judge_env)
    assert result.reward == pytest.approx(0.8) and result.ok
    body = requests[0]["body"]
    assert requests[0]["path"] == "/v1/chat/completions" and body["model"] == "judge-1"
    assert requests[0]["headers"]["Authorization"] == "Bearer judge-key"
    # The grader's messages exactly as written, nothing appended; the form goes in response_format.
    assert body["messages"] == [{"role": "system", "content": "Grade the answer against the reference Paris."},
                                {"role": "user", "content": "Answer: Paris"}]
    schema = body["response_format"]["json_schema"]["schema"]
    assert body["response_format"]["type"] == "json_schema" and schema["properties"]["result"] == {"type": "number"}
    assert set(schema["required"]) == {"result", "steps"}
    assert result.to_run_response()["model_grader_token_usage_per_model"] == {
        "judge-1": {"prompt_tokens": 12, "completion_tokens": 5}}


def test_score_is_clipped_to_range(judge_env):
    raw = {**SCORE, "range": [1, 7]}
    assert score_with(lambda b: chat('{"result": 11}'), judge_env, raw)[0].reward == 7
    assert score_with(lambda b: chat('```json\n{"result": -3}\n```'), judge_env, raw)[0].reward == 1


def test_unparseable_reply_scores_zero_with_the_parse_flag(judge_env):
    result, _ = score_with(lambda b: chat("I would give it a solid eight."), judge_env)
    assert result.reward == 0.0 and result.error_flags()["model_grader_parse_error"] is True
    result, _ = score_with(lambda b: chat('{"result": "great"}'), judge_env)
    assert result.error_flags()["model_grader_parse_error"] is True


def test_refusal_is_flagged(judge_env):
    result, _ = score_with(lambda b: chat(None, refusal="I can't help with that."), judge_env)
    assert result.error_flags()["model_grader_refusal_error"] is True


def test_server_errors_after_retries_are_flagged(judge_env, monkeypatch):
    monkeypatch.setattr("rft.models.http_json.time.sleep", lambda s: None)
    with LocalServer(lambda body, headers: (502, {"error": "bad gateway"})) as server:
        judge_env(server)
        result = grade_batch(build_grader(parse_grader(SCORE, "t")), ["x"], [{"reference": "y"}])[0]
    flags = result.error_flags()
    assert flags["model_grader_server_error"] is True and "HTTP 502" in flags["model_grader_server_error_details"]
    assert len(server.requests) == 4


LABEL = {"type": "label_model", "name": "tone", "model": "judge-1", "labels": ["positive", "neutral", "negative"],
         "passing_labels": ["positive", "neutral"],
         "input": [{"role": "user", "content": "Classify the tone: {{sample.output_text}}"}]}


@pytest.mark.parametrize("label, reward", [("positive", 1.0), ("neutral", 1.0), ("negative", 0.0)])
def test_label_model(judge_env, label, reward):
    result, requests = score_with(lambda b: chat(json.dumps({"result": label})), judge_env, LABEL)
    assert result.reward == reward and result.scores == {f"label={label}": 1.0}
    body = requests[0]["body"]
    assert body["messages"] == [{"role": "user", "content": "Classify the tone: Paris"}]
    assert body["response_format"]["json_schema"]["schema"]["properties"]["result"]["enum"] == LABEL["labels"]


def test_label_outside_the_list_is_a_parse_error(judge_env):
    result, _ = score_with(lambda b: chat('{"result": "angry"}'), judge_env, LABEL)
    assert result.error_flags()["model_grader_parse_error"] is True


def test_a_bare_number_or_label_scores_as_openai_accepts_it(judge_env):
    """The cookbook's judge prompts say "return only the numeric score": such a reply is the result."""
    assert score_with(lambda b: chat("0.75"), judge_env)[0].reward == pytest.approx(0.75)
    assert score_with(lambda b: chat(" 0.5.\n"), judge_env)[0].reward == pytest.approx(0.5)
    result, _ = score_with(lambda b: chat("Negative"), judge_env, LABEL)
    assert result.reward == 0.0 and result.ok and result.scores == {"label=negative": 1.0}


def test_a_server_without_structured_outputs_is_asked_again_without_them(judge_env):
    """A 400 for `response_format` is answered by one plain request; the judge remembers."""
    def reply(body):
        if "response_format" in body:
            return 400, {"error": {"message": "response_format is not supported", "param": "response_format"}}
        return 200, chat("0.9")

    with LocalServer(lambda body, headers: reply(body)) as server:
        judge_env(server)
        grader = build_grader(parse_grader(SCORE, "t"))
        results = grade_batch(grader, ["Paris", "Lyon", "Nice"], [{"reference": "Paris"}] * 3)
    assert [r.reward for r in results] == pytest.approx([0.9] * 3)
    with_format = [r for r in server.requests if "response_format" in r["body"]]
    assert 1 <= len(with_format) <= grader.concurrency and len(server.requests) == 3 + len(with_format)


def test_content_parts_go_out_in_the_chat_apis_types(judge_env):
    raw = {**SCORE, "input": [{"role": "user", "content": [
        {"type": "input_text", "text": "Answer: {{sample.output_text}}"},
        {"type": "input_image", "image_url": "https://example.org/x.png", "detail": "low"}]}]}
    _, requests = score_with(lambda b: chat('{"result": 1}'), judge_env, raw)
    assert requests[0]["body"]["messages"][0]["content"] == [
        {"type": "text", "text": "Answer: Paris"},
        {"type": "image_url", "image_url": {"url": "https://example.org/x.png", "detail": "low"}}]


@pytest.mark.slow
def test_a_real_local_model_as_judge():
    """The default GGUF judges for real: whatever it answers, the grader returns a score in range
    or flags the parse error; it never raises."""
    raw = {**SCORE, "model": "local:smollm2-135m-instruct", "sampling_params": {"max_completions_tokens": 40}}
    make_judge.cache_clear()
    grader = build_grader(parse_grader(raw, "t"))
    results = grade_batch(grader, ["Paris", "Berlin"], [{"reference": "Paris"}] * 2)
    for result in results:
        assert 0.0 <= result.reward <= 1.0
        assert result.ok or result.error_flags()["model_grader_parse_error"] is True
        if result.ok:
            assert result.token_usage["local:smollm2-135m-instruct"]["completion_tokens"] > 0
