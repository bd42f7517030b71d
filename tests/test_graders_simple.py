"""string_check, text_similarity, multi and templates, against values worked out by hand."""

from __future__ import annotations

import json
import math

import pytest

from rft.graders import build_grader, grade_batch, make_sample, parse_grader, summarize
from rft.graders.formula import Formula, FormulaError, FormulaEvalError


def grade(raw: dict, sample, item: dict):
    grader = build_grader(parse_grader(raw, "test"))
    return grade_batch(grader, [sample], [item])[0]


def check(op: str, text: str, reference: str) -> float:
    raw = {"type": "string_check", "name": "c", "input": "{{sample.output_text}}",
           "reference": "{{item.ref}}", "operation": op}
    return grade(raw, text, {"ref": reference}).reward


@pytest.mark.parametrize("op, text, reference, expected", [
    ("eq", "Paris", "Paris", 1.0), ("eq", "paris", "Paris", 0.0),
    ("ne", "Paris", "Paris", 0.0), ("neq", "London", "Paris", 1.0),
    ("like", "The capital is Paris.", "Paris", 1.0), ("like", "the capital is paris", "Paris", 0.0),
    ("ilike", "the capital is PARIS", "paris", 1.0), ("ilike", "Lyon", "paris", 0.0),
])
def test_string_check_operations(op, text, reference, expected):
    assert check(op, text, reference) == expected


def similarity(metric: str, text: str, reference: str, **extra):
    raw = {"type": "text_similarity", "name": "t", "input": "{{sample.output_text}}",
           "reference": "{{item.ref}}", "evaluation_metric": metric, **extra}
    return grade(raw, text, {"ref": reference})


def test_fuzzy_match_is_rapidfuzz_wratio_of_the_guide():
    # "paris" lies whole inside "paris france": partial ratio 100, scaled by 0.9 for the length gap
    assert similarity("fuzzy_match", "Paris, France", "paris").reward == pytest.approx(0.9)
    assert similarity("fuzzy_match", "Paris", "PARIS!").reward == pytest.approx(1.0)


def test_rouge_by_hand():
    # 6 words each; 5 shared unigrams (the, cat, on, the, mat): P = R = F = 5/6; LCS is 5 words too
    text, ref = "the cat is on the mat", "the cat sat on the mat"
    assert similarity("rouge_1", text, ref).reward == pytest.approx(5 / 6)
    assert similarity("rouge_l", text, ref).reward == pytest.approx(5 / 6)
    # bigrams: text has 5, shared: "the cat", "on the", "the mat" = 3 -> F = 3/5
    assert similarity("rouge_2", text, ref).reward == pytest.approx(3 / 5)
    assert similarity("rouge_5", text, ref).reward == 0.0


@pytest.mark.parametrize("metric", ["bleu", "gleu", "meteor"])
def test_identical_text_scores_near_one_and_unrelated_near_zero(metric):
    text = "the quick brown fox jumps over the lazy dog"
    assert similarity(metric, text, text).reward > 0.99
    assert similarity(metric, "completely different words here", text).reward < 0.1


def test_pass_threshold_is_reported():
    result = similarity("rouge_1", "the cat is on the mat", "the cat sat on the mat", pass_threshold=0.9)
    assert result.scores == {"passed": 0.0}


def test_cosine_without_an_embedding_model_is_refused(monkeypatch):
    monkeypatch.delenv("RFT_EMBEDDING_MODEL", raising=False)
    with pytest.raises(RuntimeError, match="not available.*RFT_EMBEDDING_MODEL"):
        similarity("cosine", "a", "b")


def test_templates_nested_and_indexed():
    raw = {"type": "string_check", "name": "c", "input": "{{sample.output_json.answer.genes[1]}}",
           "reference": "{{item.case.expected[0]}}", "operation": "eq"}
    sample = json.dumps({"answer": {"genes": ["A", "KCNT1"]}})
    assert grade(raw, sample, {"case": {"expected": ["KCNT1"]}}).reward == 1.0


def test_missing_item_field_flags_invalid_variable():
    result = grade({"type": "string_check", "name": "c", "input": "{{sample.output_text}}",
                    "reference": "{{item.nope}}", "operation": "eq"}, "x", {"ref": "x"})
    assert result.reward == 0.0
    assert result.error_flags()["invalid_variable_error"] is True


def test_output_json_of_a_non_json_answer_flags_sample_parse():
    result = grade({"type": "string_check", "name": "c", "input": "{{sample.output_json.g}}",
                    "reference": "x", "operation": "eq"}, "plain words", {})
    assert result.error_flags()["sample_parse_error"] is True


def test_fenced_json_answers_parse():
    assert make_sample('```json\n{"genes": ["A"]}\n```')["output_json"] == {"genes": ["A"]}
    assert make_sample("no json")["output_json"] is None


TOOL_CALL = {"type": "multi", "name": "tool_call", "calculate_output": "0.5 * name + 0.5 * arguments",
             "graders": {
                 "name": {"name": "name", "type": "string_check", "operation": "eq",
                          "input": "{{sample.output_tools[0].function.name}}", "reference": "{{item.name}}"},
                 "arguments": {"name": "arguments", "type": "string_check", "operation": "eq",
                               "input": "{{sample.output_tools[0].function.arguments}}",
                               "reference": "{{item.arguments}}"}}}


def test_multigrader_of_the_guide_gives_half_credit_for_the_right_function():
    call = {"type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
    sample = make_sample("", output_tools=[call])
    grader = build_grader(parse_grader(TOOL_CALL, "test"))
    both = grade_batch(grader, [sample], [{"name": "get_weather", "arguments": '{"city": "Paris"}'}])[0]
    half = grade_batch(grader, [sample], [{"name": "get_weather", "arguments": '{"city": "Lyon"}'}])[0]
    assert both.reward == 1.0 and half.reward == 0.5
    assert half.sub_rewards == {"name": 1.0, "arguments": 0.0}
    assert half.to_run_response()["sub_rewards"] == {"name": 1.0, "arguments": 0.0}


def test_multi_division_by_zero_is_an_error_flag_not_a_crash():
    raw = {**TOOL_CALL, "calculate_output": "name / arguments"}
    call = {"function": {"name": "f", "arguments": "x"}}
    result = grade(raw, make_sample("", output_tools=[call]), {"name": "f", "arguments": "y"})
    assert result.reward == 0.0 and result.error_flags()["other_error"] is True
    assert "division by zero" in result.errors["details"]


@pytest.mark.parametrize("text, expected", [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("2 ^ 3 ^ 2", 512), ("-2 ^ 2", -4), ("2 * -3", -6),
    ("10 / 4 / 5", 0.5), ("min(a, b) + max(a, b, 5)", 5.25), ("abs(-a) + floor(2.7) + ceil(2.1)", 5.25),
    ("sqrt(16) + log(exp(2))", 6), ("1e-1 * 10", 1), (".5 + a", 0.75),
])
def test_formula_precedence_and_functions(text, expected):
    assert Formula(text, {"a", "b"})({"a": 0.25, "b": 1.0}) == pytest.approx(expected)


@pytest.mark.parametrize("text, message", [
    ("a +", "found the end"), ("a b", "unexpected 'b'"), ("foo(a)", "unknown function 'foo'"),
    ("c", "unknown name 'c'"), ("abs(a, b)", "takes 1 argument"), ("(a", "expected ')'"),
    ("a $ b", "unexpected character '$'"), ("__import__(a)", "unknown function '__import__'"), ("__import__('os')", "unexpected character"), ("", "empty"),
])
def test_formula_errors(text, message):
    with pytest.raises(FormulaError, match=message.replace("(", r"\(").replace(")", r"\)").replace("$", r"\$")):
        Formula(text, {"a", "b"})


@pytest.mark.parametrize("text", ["a / 0", "log(0)", "sqrt(-1)", "exp(1000)"])
def test_formula_evaluation_errors(text):
    with pytest.raises(FormulaEvalError):
        Formula(text, {"a"})({"a": 1.0})


def test_summarize_counts_flags_and_means():
    raw = {"type": "string_check", "name": "c", "input": "{{sample.output_json.x}}", "reference": "1",
           "operation": "eq"}
    grader = build_grader(parse_grader(raw, "t"))
    results = grade_batch(grader, ['{"x": "1"}', '{"x": "2"}', "not json"], [{}, {}, {}])
    summary = summarize(results)
    assert summary["count"] == 3 and math.isclose(summary["reward_mean"], 1 / 3)
    assert summary["errors"] == {"sample_parse_error": 1}


def test_grade_batch_needs_equal_lengths():
    grader = build_grader(parse_grader(TOOL_CALL, "t"))
    with pytest.raises(ValueError, match="2 samples but 1 items"):
        grade_batch(grader, ["a", "b"], [{}])
