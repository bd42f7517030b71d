"""`string_check`: eq, ne (neq), like (contains), ilike (contains, any case); 1 or 0."""

from __future__ import annotations

from rft.graders.base import Grader
from rft.graders.templates import Template


class StringCheckGrader(Grader):
    type = "string_check"

    def __init__(self, config):
        super().__init__(config)
        self.input = Template(config.input)
        self.reference = Template(config.reference)
        self.operation = "ne" if config.operation == "neq" else config.operation

    def score(self, sample: dict, item: dict) -> float:
        text = self.input.render(sample, item)
        reference = self.reference.render(sample, item)
        op = self.operation
        if op == "eq":
            return 1.0 if text == reference else 0.0
        if op == "ne":
            return 1.0 if text != reference else 0.0
        if op == "like":
            return 1.0 if reference in text else 0.0
        return 1.0 if reference.lower() in text.lower() else 0.0
