"""What a grading returns, and its JSON in the shape of OpenAI's `graders/run` response."""

from __future__ import annotations

from dataclasses import dataclass, field

# Every error flag of OpenAI's graders/run metadata (reference/openai-rft-spec.md b.6).
ERROR_FLAGS = (
    "formula_parse_error", "invalid_variable_error", "model_grader_parse_error",
    "model_grader_refusal_error", "model_grader_server_error", "other_error",
    "python_grader_runtime_error", "python_grader_server_error", "sample_parse_error",
    "truncated_observation_error", "unresponsive_reward_error",
)
# Flags that carry a detail string beside them.
DETAIL_FIELDS = {
    "model_grader_server_error": "model_grader_server_error_details",
    "python_grader_runtime_error": "python_grader_runtime_error_details",
    "python_grader_server_error": "python_grader_server_error_type",
}


class GraderFault(Exception):
    """A fault during grading: scores 0 and sets one flag; never stops a batch."""

    def __init__(self, flag: str, details: str = ""):
        assert flag in ERROR_FLAGS, flag
        super().__init__(f"{flag}: {details}" if details else flag)
        self.flag = flag
        self.details = details


@dataclass(slots=True)
class GradeResult:
    reward: float
    name: str
    type: str
    execution_time: float = 0.0
    sub_rewards: dict[str, float] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)  # extra metrics (top@1 ...), not rewards
    errors: dict[str, object] | None = None  # only the raised flags (and details)
    token_usage: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_flags(self) -> dict[str, object]:
        flags: dict[str, object] = {flag: False for flag in ERROR_FLAGS}
        flags.update({detail: None for detail in DETAIL_FIELDS.values()})
        flags.update(self.errors or {})
        return flags

    def to_run_response(self) -> dict:
        """The JSON that OpenAI's POST /fine_tuning/alpha/graders/run returns."""
        return {
            "reward": self.reward,
            "sub_rewards": self.sub_rewards,
            "model_grader_token_usage_per_model": self.token_usage or {},
            "metadata": {
                "name": self.name,
                "type": self.type,
                "execution_time": self.execution_time,
                "sampled_model_name": None,
                "scores": self.scores,
                "token_usage": self.token_usage,
                "errors": self.error_flags(),
            },
        }


def fault_errors(fault: GraderFault) -> dict[str, object]:
    errors: dict[str, object] = {fault.flag: True}
    if fault.flag in DETAIL_FIELDS and fault.details:
        errors[DETAIL_FIELDS[fault.flag]] = fault.details
    elif fault.details:
        errors["details"] = fault.details
    return errors
