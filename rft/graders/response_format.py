"""OpenAI's `response_format` (a JSON schema) where sampling cannot be constrained to it.

OpenAI's sampler makes every answer match the schema, so graders may take `output_json` as given. Plain
generate here cannot, so each answer is checked instead: one that is not JSON matching the schema scores 0
with `sample_parse_error` and never reaches the grader (which could otherwise reward a malformed answer
through `output_text`).
"""

from __future__ import annotations

import time

from rft.errors import RftInputError
from rft.graders.base import Grader
from rft.graders.result import GradeResult


def schema_of(response_format: dict, source: str) -> dict:
    """The schema inside `{type: json_schema, json_schema: {name, schema, strict}}`, checked."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    if not isinstance(response_format, dict) or response_format.get("type") != "json_schema":
        raise RftInputError(source, 'only {"type": "json_schema", "json_schema": {...}} is supported',
                            field="response_format.type")
    spec = response_format.get("json_schema")
    schema = spec.get("schema") if isinstance(spec, dict) else None
    if not isinstance(schema, dict):
        raise RftInputError(source, "json_schema.schema must be an object", field="response_format.json_schema.schema")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        raise RftInputError(source, f"not a JSON schema: {err.message}",
                            field="response_format.json_schema.schema") from None
    return schema


class SchemaChecked(Grader):
    """A grader behind a check of each answer against the response format's schema."""

    def __init__(self, inner: Grader, schema: dict):
        from jsonschema import Draft202012Validator

        self.inner, self.name, self.type, self.config = inner, inner.name, inner.type, inner.config
        self.validator = Draft202012Validator(schema)

    def _fault(self, sample: dict) -> str | None:
        value = sample.get("output_json")
        if value is None:
            return "the answer is not JSON"
        error = next(iter(self.validator.iter_errors(value)), None)
        return None if error is None else f"at {'/'.join(map(str, error.absolute_path)) or 'the top'}: {error.message}"

    def grade_many(self, samples: list[dict], items: list[dict]) -> list[GradeResult]:
        faults = [self._fault(s) for s in samples]
        keep = [i for i, f in enumerate(faults) if f is None]
        graded = iter(self.inner.grade_many([samples[i] for i in keep], [items[i] for i in keep]) if keep else [])
        started = time.perf_counter()
        return [next(graded) if f is None else GradeResult(
                    0.0, self.name, self.type, time.perf_counter() - started,
                    errors={"sample_parse_error": True, "details": f"does not match response_format: {f}"[:300]})
                for f in faults]

    def grade(self, sample: dict, item: dict) -> GradeResult:
        return self.grade_many([sample], [item])[0]

    def close(self) -> None:
        self.inner.close()
