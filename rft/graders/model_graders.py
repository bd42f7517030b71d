"""`score_model` and `label_model`: a judge reads the rendered messages and answers in JSON.

The grader's messages are sent as written; the reply's form is asked for through the request, as
OpenAI does: score_model's {"result": number, "steps": [...]} (clipped to `range`), label_model's
{"result": "<label>"} (1 for a passing label). A judge that answers in plain text may answer with the
bare number or label ("0.8", "correct"). A reply that is neither scores 0 with
`model_grader_parse_error`; a refusal flags `model_grader_refusal_error`.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

from rft.graders.base import Grader, Scored
from rft.graders.judge import json_object, make_judge, render_messages
from rft.graders.result import GradeResult, GraderFault
from rft.graders.schema import _texts
from rft.graders.templates import Template

_STEPS = {"type": "array", "items": {
    "type": "object", "properties": {"description": {"type": "string"}, "conclusion": {"type": "string"}},
    "required": ["description", "conclusion"], "additionalProperties": False}}
SCORE_FORMAT = {"type": "json_schema", "json_schema": {"name": "score_model_result", "strict": True, "schema": {
    "type": "object", "properties": {"steps": _STEPS, "result": {"type": "number"}},
    "required": ["steps", "result"], "additionalProperties": False}}}


def label_format(labels: list[str]) -> dict:
    return {"type": "json_schema", "json_schema": {"name": "label_model_result", "strict": True, "schema": {
        "type": "object", "properties": {"steps": _STEPS, "result": {"type": "string", "enum": list(labels)}},
        "required": ["steps", "result"], "additionalProperties": False}}}


class _ModelGrader(Grader):
    concurrency = 8

    def __init__(self, config):
        super().__init__(config)
        self.templates = [(m, [Template(t) for t in _texts(m.content)]) for m in config.input]
        self.judge = make_judge(config.model)

    def ask(self, sample: dict, item: dict, schema: dict) -> tuple[object, dict | None]:
        """The judge's `result`: from its JSON, or its whole reply when that is a bare value."""
        messages = render_messages(self.templates, sample, item)
        reply = self.judge.chat(messages, self.config.sampling_params, schema)
        if reply.refusal:
            raise GraderFault("model_grader_refusal_error", reply.refusal)
        usage = {self.config.model: reply.usage} if reply.usage else None
        answer = json_object(reply.text)
        if answer is not None and "result" in answer:
            return answer["result"], usage
        bare = reply.text.strip().strip("`'\"").rstrip(".").strip()
        if bare and "\n" not in bare:
            return bare, usage
        raise GraderFault("model_grader_parse_error", f"no result in: {reply.text[:200]!r}")

    def grade_many(self, samples: list[dict], items: list[dict]) -> list[GradeResult]:
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(self.grade, samples, items))


class ScoreModelGrader(_ModelGrader):
    type = "score_model"

    def score(self, sample: dict, item: dict) -> Scored:
        low, high = self.config.range
        value, usage = self.ask(sample, item, SCORE_FORMAT)
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise GraderFault("model_grader_parse_error", f"result is not a number: {value!r}")
        clipped = min(max(float(value), low), high)
        scores = {"passed": float(clipped >= self.config.pass_threshold)} if self.config.pass_threshold is not None else {}
        return Scored(clipped, scores=scores, token_usage=usage)


class LabelModelGrader(_ModelGrader):
    type = "label_model"

    def score(self, sample: dict, item: dict) -> Scored:
        labels = self.config.labels
        label, usage = self.ask(sample, item, label_format(labels))
        if isinstance(label, str) and label not in labels:  # a bare label in another case
            label = next((x for x in labels if x.casefold() == label.casefold()), label)
        if label not in labels:
            raise GraderFault("model_grader_parse_error", f"label {label!r} is not one of {labels}")
        return Scored(1.0 if label in self.config.passing_labels else 0.0,
                      scores={f"label={label}": 1.0}, token_usage=usage)
