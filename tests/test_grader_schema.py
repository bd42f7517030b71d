"""Grader files: OpenAI's schema parsed and validated, every fault named with its location."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rft.errors import RftInputError
from rft.graders import build_grader, load_grader, parse_grader

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples" / "graders").glob("*.json"))
SC = {"type": "string_check", "name": "s", "input": "{{sample.output_text}}", "reference": "{{item.a}}",
      "operation": "eq"}


def _error(raw) -> RftInputError:
    with pytest.raises(RftInputError) as err:
        parse_grader(raw, "g.json")
    return err.value


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_shipped_example_grader_validates_and_builds(path):
    grader = build_grader(load_grader(path))
    grader.close()


def test_unknown_type():
    err = _error({**SC, "type": "regex_check"})
    assert "unknown grader type 'regex_check'" in str(err)


def test_missing_field_is_named():
    raw = dict(SC)
    del raw["reference"]
    err = _error(raw)
    assert err.field == "reference" and "Field required" in err.message


def test_template_with_an_unknown_namespace():
    err = _error({**SC, "input": "{{ answer.text }}"})
    assert err.field == "input" and "namespace must be 'item' or 'sample'" in err.message


def test_template_with_an_unknown_sample_field():
    err = _error({**SC, "input": "{{ sample.output }}"})
    assert "sample has only output_text" in err.message


def test_formula_that_does_not_parse_names_the_grader_and_problem():
    err = _error({"type": "multi", "name": "m", "graders": {"a": SC}, "calculate_output": "a +* 2"})
    assert "expected a number, a name or '('" in err.message


def test_formula_naming_an_unknown_grader():
    err = _error({"type": "multi", "name": "m", "graders": {"a": SC}, "calculate_output": "a + b"})
    assert "unknown name 'b'" in err.message and "graders: a" in err.message


def test_field_inside_a_multi_grader_is_located():
    err = _error({"type": "multi", "name": "m", "graders": {"first": {**SC, "operation": "regex"}},
                  "calculate_output": "first"})
    assert err.field == "graders.first.operation"


def test_multi_cannot_nest():
    inner = {"type": "multi", "name": "i", "graders": {"a": SC}, "calculate_output": "a"}
    err = _error({"type": "multi", "name": "m", "graders": {"x": inner}, "calculate_output": "x"})
    assert "unknown grader type 'multi'" in err.message or "multi" in err.message


@pytest.mark.parametrize("source, message", [
    ("def score(sample, item):\n    return 1\n", "must define grade(sample, item)"),
    ("def grade(sample):\n    return 1\n", "two arguments"),
    ("def grade(sample, item)\n    return 1\n", "does not parse"),
])
def test_python_source_problems(source, message):
    err = _error({"type": "python", "name": "p", "source": source})
    assert err.field == "source" and message in err.message


def test_label_model_passing_labels_must_be_labels():
    err = _error({"type": "label_model", "name": "l", "model": "m", "labels": ["yes", "no"],
                  "passing_labels": ["maybe"], "input": [{"role": "user", "content": "{{sample.output_text}}"}]})
    assert "passing_labels not in labels" in err.message


def test_openai_wrappers_are_accepted():
    assert parse_grader({"grader": SC}, "validate-body.json").name == "s"
    job = {"model": "o4-mini", "method": {"type": "reinforcement", "reinforcement": {"grader": SC}}}
    assert parse_grader(job, "job.json").type == "string_check"


def test_json_syntax_error_names_line(tmp_path):
    path = tmp_path / "g.json"
    path.write_text('{\n  "type": "string_check",\n  "name": \n}\n')
    with pytest.raises(RftInputError) as err:
        load_grader(path)
    assert err.value.line == 4 and str(path) in str(err.value)


def test_yaml_grader_file(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("type: string_check\nname: s\ninput: '{{sample.output_text}}'\nreference: x\noperation: ilike\n")
    assert load_grader(path).operation == "ilike"


def test_cli_validate_exit_codes(tmp_path, cli):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(SC))
    bad.write_text(json.dumps({**SC, "input": "{{item}}"}))
    assert cli("grader", "validate", good)[0] == 0
    code, _, err = cli("grader", "validate", bad)
    assert code == 2 and "bad.json (field 'input')" in err and "name a field of the item" in err


def test_params_with_a_broken_inline_grader_is_refused(tmp_path):
    from rft.config import load_params

    path = tmp_path / "params.yaml"
    path.write_text("grader:\n  type: string_check\n  name: s\n  input: '{{x.y}}'\n  reference: a\n  operation: eq\n")
    with pytest.raises(RftInputError) as err:
        load_params(path)
    assert err.value.field == "grader.input"


def test_params_grader_from_a_file(tmp_path):
    from rft.config import load_params
    from rft.graders import grader_from_params

    (tmp_path / "graders").mkdir()
    (tmp_path / "graders" / "mine.json").write_text(json.dumps(SC))
    path = tmp_path / "params.yaml"
    path.write_text("grader: {file: graders/mine.json}\n")
    assert grader_from_params(load_params(path).grader, str(path)).name == "s"
