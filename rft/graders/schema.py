"""The grader JSON schema: OpenAI's types (reference/openai-rft-spec.md b.5) and ours.

Validation compiles every template and formula and checks python sources, so a grader file that
cannot work is refused by `rft grader validate` with the field that is wrong.
"""

from __future__ import annotations

import ast
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rft.graders.formula import Formula
from rft.graders.templates import Template

SIMILARITY_METRICS = ("cosine", "fuzzy_match", "bleu", "gleu", "meteor",
                      "rouge_1", "rouge_2", "rouge_3", "rouge_4", "rouge_5", "rouge_l")
MAX_PYTHON_SOURCE = 256 * 1024


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _template(value: str) -> str:
    Template(value)  # raises TemplateError (a ValueError) naming the bad reference
    return value


class StringCheckConfig(_Config):
    type: Literal["string_check"]
    name: str
    input: str
    reference: str
    operation: Literal["eq", "ne", "neq", "like", "ilike"]

    _templates = field_validator("input", "reference")(_template)


class TextSimilarityConfig(_Config):
    type: Literal["text_similarity"]
    name: str = "text_similarity"
    input: str
    reference: str
    evaluation_metric: Literal[SIMILARITY_METRICS]  # type: ignore[valid-type]
    pass_threshold: float | None = None

    _templates = field_validator("input", "reference")(_template)


class PythonConfig(_Config):
    type: Literal["python"]
    name: str
    source: str = Field(max_length=MAX_PYTHON_SOURCE)
    image_tag: str | None = None

    @field_validator("source")
    @classmethod
    def _defines_grade(cls, source: str) -> str:
        try:
            tree = ast.parse(source)
        except SyntaxError as err:
            raise ValueError(f"python source does not parse: {err.msg} at line {err.lineno}") from None
        grade = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "grade"]
        if not grade:
            raise ValueError("python source must define grade(sample, item) at top level")
        args = grade[-1].args
        if len(args.posonlyargs) + len(args.args) < 2 and args.vararg is None:
            raise ValueError("grade must take two arguments: grade(sample, item)")
        return source


class Message(_Config):
    role: Literal["system", "developer", "user", "assistant"]
    content: Any
    type: Literal["message"] | None = None

    @field_validator("content")
    @classmethod
    def _content_templates(cls, content: Any) -> Any:
        for text in _texts(content):
            _template(text)
        return content


def _texts(content: Any) -> list[str]:
    """Template strings in a message's content: a string, or parts with 'text'."""
    if isinstance(content, str):
        return [content]
    parts = content if isinstance(content, list) else [content]
    return [p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str)]


class SamplingParams(_Config):
    seed: int | None = None
    top_p: float | None = None
    temperature: float | None = None
    max_completions_tokens: int | None = None
    reasoning_effort: str | None = None


class ScoreModelConfig(_Config):
    type: Literal["score_model"]
    name: str
    model: str
    input: list[Message] = Field(min_length=1)
    range: tuple[float, float] = (0.0, 1.0)
    sampling_params: SamplingParams | None = None
    pass_threshold: float | None = None

    @field_validator("range")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] >= value[1]:
            raise ValueError("range must be [low, high] with low < high")
        return value


class LabelModelConfig(_Config):
    type: Literal["label_model"]
    name: str
    model: str
    input: list[Message] = Field(min_length=1)
    labels: list[str] = Field(min_length=1)
    passing_labels: list[str] = Field(min_length=1)
    sampling_params: SamplingParams | None = None

    @model_validator(mode="after")
    def _subset(self) -> LabelModelConfig:
        extra = set(self.passing_labels) - set(self.labels)
        if extra:
            raise ValueError(f"passing_labels not in labels: {sorted(extra)}")
        return self


class EndpointConfig(_Config):
    type: Literal["endpoint"]
    name: str = "endpoint"
    url: str = Field(pattern=r"^https?://")
    headers: dict[str, str] | None = None  # values may name environment variables as ${VAR}
    rate_limit: float | None = Field(None, gt=0, description="requests per second")
    pass_threshold: float | None = None
    timeout_seconds: float = Field(600.0, gt=0)
    max_retries: int = Field(3, ge=0)
    concurrency: int = Field(16, ge=1)


class RewardModelConfig(_Config):
    type: Literal["reward_model"]
    name: str = "reward_model"
    model: str  # a local folder with a sequence-classification model
    input: str = "{{sample.output_text}}"
    prompt: str | None = None  # a template for the question, joined before the answer
    max_length: int = Field(1024, ge=16)
    batch_size: int = Field(16, ge=1)

    @field_validator("input", "prompt")
    @classmethod
    def _templates(cls, value: str | None) -> str | None:
        return value if value is None else _template(value)


class RankedListConfig(_Config):
    """Ours, for the gene demo: score a ranked list by the rank of the reference."""

    type: Literal["ranked_list"]
    name: str = "ranked_list"
    input: str = "{{sample.output_json.genes}}"
    reference: str = "{{item.correct_gene}}"
    max_rank: int = Field(10, ge=1)
    decay: Literal["linear", "reciprocal", "exponential"] = "linear"
    top_k: list[int] = [1, 5]
    aliases: dict[str, str] | str | None = None  # symbol -> canonical symbol, or a TSV/JSON file
    free_text_fallback: bool = True  # find a JSON list in free text when output_json is absent

    _templates = field_validator("input", "reference")(_template)


_Inner = (StringCheckConfig | TextSimilarityConfig | PythonConfig | ScoreModelConfig | LabelModelConfig
          | EndpointConfig | RewardModelConfig | RankedListConfig)
InnerGraderConfig = Annotated[_Inner, Field(discriminator="type")]  # multi cannot nest


class MultiConfig(_Config):
    type: Literal["multi"]
    name: str = "multi"  # OpenAI's jobs accept a multi grader without one
    graders: dict[str, InnerGraderConfig] = Field(min_length=1)
    calculate_output: str

    @field_validator("calculate_output")
    @classmethod
    def _formula_parses(cls, value: str) -> str:
        Formula(value, {"_"}, check_names=False)  # FormulaError is a ValueError, named with this field
        return value

    @model_validator(mode="after")
    def _formula(self) -> MultiConfig:
        Formula(self.calculate_output, set(self.graders))  # the names it uses are the graders'
        return self


GraderConfig = Annotated[_Inner | MultiConfig, Field(discriminator="type")]
