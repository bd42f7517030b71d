"""`score_model` and `label_model`: a judge reads the rendered messages and answers in JSON.

score_model asks for {"result": float, "steps": [...]} and clips the result to `range`;
label_model asks for {"result": "<label>"} and scores 1 for a passing label. A reply that does not
parse scores 0 with `model_grader_parse_error`; a refusal flags `model_grader_refusal_error`.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

from rft.graders.base import Grader, Scored
from rft.graders.judge import json_object, make_judge, render_messages, with_format
from rft.graders.result import GradeResult, GraderFault
from rft.graders.schema import _texts
from rft.graders.templates import Template


class _ModelGrader(Grader):
    concurrency = 8

    def __init__(self, config):
        super().__init__(config)
        self.templates = [(m, [Template(t) for t in _texts(m.content)]) for m in config.input]
        self.judge = make_judge(config.model)

    def ask(self, sample: dict, item: dict, instruction: str) -> tuple[dict, dict | None]:
        messages = with_format(render_messages(self.templates, sample, item), instruction)
        reply = self.judge.chat(messages, self.config.sampling_params)
        if reply.refusal:
            raise GraderFault("model_grader_refusal_error", reply.refusal)
        answer = json_object(reply.text)
        if answer is None or "result" not in answer:
            raise GraderFault("model_grader_parse_error", f"no JSON with 'result' in: {reply.text[:200]!r}")
        usage = {self.config.model: reply.usage} if reply.usage else None
        return answer, usage

    def grade_many(self, samples: list[dict], items: list[dict]) -> list[GradeResult]:
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(self.grade, samples, items))


class ScoreModelGrader(_ModelGrader):
    type = "score_model"

    def score(self, sample: dict, item: dict) -> Scored:
        low, high = self.config.range
        answer, usage = self.ask(sample, item, (
            f'Reply with JSON only, in the form {{"result": <a number from {low:g} to {high:g}>, '
            f'"steps": [{{"description": "...", "conclusion": "..."}}]}}.'))
        value = answer["result"]
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
        answer, usage = self.ask(sample, item, (
            'Reply with JSON only, in the form {"result": "<label>"}, where <label> is one of: '
            + ", ".join(f'"{label}"' for label in labels) + "."))
        label = answer["result"]
        if label not in labels:
            raise GraderFault("model_grader_parse_error", f"label {label!r} is not one of {labels}")
        return Scored(1.0 if label in self.config.passing_labels else 0.0,
                      scores={f"label={label}": 1.0}, token_usage=usage)
