"""OpenAI's two files and job bodies go in unchanged: ids made where absent, a random split when there is
no group, split errors that name the settings, group and answer checks in any case, every job field used
or named, and no silent defaults (a missing params file, run or job is an error that deletes nothing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import no_params

from rft.config import SplitConfig, load_params
from rft.data.given_split import content_id, take_given_files
from rft.data.split import split_lines
from rft.data.validate import validate_files
from rft.errors import RftInputError
from rft.openai_files import openai_files_overrides
from rft.openai_job import read_job

GRADER = {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
          "reference": "{{item.reference_answer}}", "operation": "eq"}


def _lines(n: int, start: int = 0) -> list[dict]:
    return [{"messages": [{"role": "user", "content": f"What is {i} plus {i}? Answer with the number only."}],
             "reference_answer": str(2 * i)} for i in range(start, start + n)]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_two_files_without_ids_get_stable_ids_and_pass_validation(tmp_path):
    train, valid = _write(tmp_path / "t.jsonl", _lines(12)), _write(tmp_path / "v.jsonl", _lines(4, 100))
    grader = tmp_path / "g.json"
    grader.write_text(json.dumps(GRADER))
    p = load_params(no_params(tmp_path), openai_files_overrides(train, valid, grader, "mine"))
    assert p.data.given() == {"train": str(train), "valid": str(valid)} and p.split.group_by is None
    summary = take_given_files(tmp_path / "split", p.data.given(), p.validate_.id_field)
    assert summary["sizes"] == {"train": 12, "valid": 4} and summary["ids_added"] == {"train": 12, "valid": 4}
    written = [json.loads(x) for x in (tmp_path / "split/train.jsonl").read_text().splitlines()]
    assert [w["id"] for w in written] == [content_id(r) for r in _lines(12)]  # from the content: stable
    assert all(w["messages"] == r["messages"] for w, r in zip(written, _lines(12)))
    files = {n: tmp_path / "split" / f"{n}.jsonl" for n in ("train", "valid")}
    report = validate_files(files, p.validate_, p.split.group_by, p.split.link_by)
    assert report.success, report.lines()


def test_lines_that_carry_ids_keep_them(tmp_path):
    rows = [{**r, "id": f"q{i}"} for i, r in enumerate(_lines(3))]
    files = {"train": _write(tmp_path / "t.jsonl", rows), "valid": _write(tmp_path / "v.jsonl", _lines(2, 50))}
    summary = take_given_files(tmp_path / "out", files, "id")
    assert summary["ids_added"] == {"train": 0, "valid": 2}
    assert [json.loads(x)["id"] for x in (tmp_path / "out/train.jsonl").read_text().splitlines()] == ["q0", "q1", "q2"]


def test_no_group_is_a_seeded_random_split(tmp_path):
    numbered = list(enumerate(_lines(30), 1))
    cfg = SplitConfig(group_by=None, link_by=[], train_size=None, valid_size=6, per_group_cap=None)
    a, b = split_lines(numbered, cfg, "x.jsonl"), split_lines(numbered, cfg, "x.jsonl")
    assert a.summary()["sizes"] == {"valid": 6, "train": 24} and a.splits == b.splits
    other = split_lines(numbered, cfg.model_copy(update={"seed": 99}), "x.jsonl")
    assert other.splits["valid"] != a.splits["valid"]


def test_groups_compare_in_any_case():
    rows = [{"messages": [], "gene": g} for g in ["KCNT1", "kcnt1 ", "Kcnt1", "SCN1A", "STXBP1", "NF1"]]
    cfg = SplitConfig(group_by="gene", link_by=[], train_size=None, valid_size=1, per_group_cap=None)
    result = split_lines(list(enumerate(rows, 1)), cfg, "x.jsonl")
    sides = {side for side, lines in result.splits.items() for line in lines if line["gene"].strip().upper() == "KCNT1"}
    assert len(sides) == 1  # the three spellings are one gene, on one side
    assert sum(result.summary()["groups"].values()) == 4


def test_a_split_too_small_names_the_settings_and_the_counts():
    rows = [{"messages": [], "gene": g} for g in ["A", "A", "B"]]
    cfg = SplitConfig(group_by="gene", link_by=[], valid_size=3, per_group_cap=None)
    with pytest.raises(RftInputError) as err:
        split_lines(list(enumerate(rows, 1)), cfg, "mine.jsonl")
    message = str(err.value)
    assert "3 lines, 2 groups of 'gene'" in message and "split.valid_size (now 3)" in message
    assert "split.train_size: null" in message and "split.group_by" in message and "mine.jsonl" in message


def test_the_leak_checks_read_any_case_on_word_boundaries(tmp_path):
    def line(i, gene, text):
        return {"messages": [{"role": "user", "content": text}], "gene": gene, "id": str(i)}

    files = {"train": _write(tmp_path / "t.jsonl", [line(1, "KCNT1", "seizures"), line(2, "SCN1A", "fever")]),
             "valid": _write(tmp_path / "v.jsonl", [line(3, "kcnt1", "a rash"), line(4, "TP53", "tp53 was seen"),
                                                    line(5, "MAX", "maximal growth")])}
    p = load_params(None, ["validate.required={}", "validate.answer_field=gene", "validate.hpo_fields=[]",
                           "validate.shortcut_audit=null", "validate.id_field=id"])
    report = validate_files(files, p.validate_, "gene", [])
    failed = {c.check: c for c in report.checks if not c.success}
    overlap = next(c for name, c in failed.items() if "group overlap" in name)
    assert overlap.failed_rows == 1  # kcnt1 in valid is KCNT1 of train
    leak = next(c for name, c in failed.items() if "does not occur in its prompt" in name)
    assert leak.failed_rows == 1  # "tp53" gives away TP53; "maximal" does not give away MAX


def test_a_job_body_maps_every_field_or_names_it(tmp_path):
    train, valid = _write(tmp_path / "train.jsonl", _lines(4)), _write(tmp_path / "valid.jsonl", _lines(2, 9))
    job = {"model": "o4-mini-2025-04-16", "training_file": "train.jsonl", "validation_file": "valid.jsonl",
           "suffix": "phrases", "seed": 7, "metadata": {"team": "a"},
           "integrations": [{"type": "wandb", "wandb": {"project": "rft-demo", "tags": ["x"]}}],
           "method": {"type": "reinforcement", "reinforcement": {
               "grader": GRADER, "response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": {}}},
               "hyperparameters": {"n_epochs": 2, "batch_size": 4, "eval_interval": 3, "reasoning_effort": "low"}}}}
    (tmp_path / "job.json").write_text(json.dumps(job))
    settings = read_job(tmp_path / "job.json")
    assert settings.train_file == train and settings.valid_file == valid and settings.suffix == "phrases"
    p = load_params(no_params(tmp_path), settings.overrides)
    h = p.train.hyperparameters
    assert (h.n_epochs, h.batch_size, h.eval_interval, p.train.seed) == (2, 4, 3, 7)
    assert p.graders.specs[0].config.model_dump(exclude_none=True) == GRADER
    assert p.tracking.wandb and p.tracking.project == "rft-demo"
    said = "\n".join(settings.warnings)
    for field in ("reasoning_effort", "response_format", "o4-mini", "metadata", "tags"):
        assert field in said


@pytest.mark.parametrize(("change", "field"), [
    ({"training_file": "file-abc123"}, "training_file"),
    ({"learning_rate": 0.1}, "learning_rate"),
    ({"method": {"type": "supervised", "supervised": {}}}, "method.type"),
    ({"method": {"type": "reinforcement", "reinforcement": {"grader": {**GRADER, "operation": "regex"}}}},
     "method.reinforcement.grader.operation"),
    ({"method": {"type": "reinforcement", "reinforcement": {"grader": GRADER, "hyperparameters": {"lr": 1}}}},
     "method.reinforcement.hyperparameters.lr"),
])
def test_a_bad_job_is_refused_by_field(tmp_path, change, field):
    _write(tmp_path / "train.jsonl", _lines(2))
    job = {"model": "x", "training_file": "train.jsonl",
           "method": {"type": "reinforcement", "reinforcement": {"grader": GRADER}}, **change}
    (tmp_path / "job.json").write_text(json.dumps(job))
    with pytest.raises(RftInputError) as err:
        read_job(tmp_path / "job.json")
    assert err.value.field == field


def test_a_missing_params_file_exits_2_and_deletes_nothing(tmp_path, cli):
    run = tmp_path / "runs" / "pipeline"
    (run / "best").mkdir(parents=True)
    (run / "summary.json").write_text("{}")
    code, _, err = cli("run", "--params", tmp_path / "my_params.yaml", cwd=tmp_path)
    assert code == 2 and "my_params.yaml" in err and "no such params file" in err
    assert (run / "best").is_dir() and (run / "summary.json").read_text() == "{}"


def test_a_report_of_a_missing_run_exits_2(tmp_path, cli):
    ROOT = Path(__file__).resolve().parents[1]
    code, _, err = cli("report", "--eval", ROOT / "docs/results/gene-ranking/hybrid", "--run", tmp_path / "nope",
                       "--out", tmp_path / "r.html", "--params", no_params(tmp_path))
    assert code == 2 and "nope" in err and "no training run here" in err
    assert not (tmp_path / "r.html").exists()


def test_response_format_checks_every_answer_against_its_schema(tmp_path):
    from rft.graders.grader_set import grade_all

    fmt = {"type": "json_schema", "json_schema": {"name": "answer", "strict": True, "schema": {
        "type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"],
        "additionalProperties": False}}}
    contains = {"type": "string_check", "name": "has", "input": "{{sample.output_text}}",
                "reference": "{{item.reference_answer}}", "operation": "like"}
    p = load_params(no_params(tmp_path), [f"grader={json.dumps(contains)}", f"response_format={json.dumps(fmt)}"])
    graders = p.graders.build()
    try:
        texts = ['{"answer": "4"}', "4", '{"answer": 4}', '{"answer": "4", "why": "sum"}']
        results, total = grade_all(graders, texts, [{"reference_answer": "4"}] * 4)
    finally:
        for g in graders:
            g.grader.close()
    assert total == [1.0, 0.0, 0.0, 0.0]  # the bare "4" contains the answer, but is not the required JSON
    flags = [r.errors or {} for r in results["has"]]
    assert not flags[0] and all(f.get("sample_parse_error") for f in flags[1:])
    assert "not JSON" in flags[1]["details"] and "answer" in flags[2]["details"]
    assert {"response_format": fmt} in p.graders.content()  # part of every grading stage's cache key


def test_a_response_format_that_cannot_work_is_refused_by_field(tmp_path):
    with pytest.raises(RftInputError) as err:
        load_params(no_params(tmp_path), [('response_format={"type": "json_schema", "json_schema": '
                                           '{"name": "a", "schema": {"type": "objet"}}}')])
    assert err.value.field == "response_format.json_schema.schema"
