"""The parts of `rft eval`: model specs, adapter checks, scoring, bootstrap intervals, the table."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rft.errors import RftInputError
from rft.eval.adapters import check_adapter
from rft.eval.config import EvalConfig
from rft.eval.metrics import metric_names, summarize_records
from rft.eval.runners import Answers
from rft.eval.scoring import ranking_grader, score_answers
from rft.eval.specs import parse_spec, parse_specs
from rft.eval.table import markdown_table


def test_specs_parse_kinds_targets_and_labels():
    assert parse_spec("base").label == "base"
    tuned = parse_spec("adapter:runs/demo/best")
    assert (tuned.kind, tuned.target, tuned.label) == ("adapter", "runs/demo/best", "demo")
    assert parse_spec("adapter:runs/demo/checkpoint-40").label == "demo/checkpoint-40"
    named = parse_spec("gpt=endpoint:gpt-4o-mini")
    assert (named.label, named.kind, named.target) == ("gpt", "endpoint", "gpt-4o-mini")


@pytest.mark.parametrize(("text", "reason"), [("bigmodel", "unknown model kind"), ("adapter", "needs"),
                                              ("base:x", "takes no")])
def test_bad_specs_are_refused_with_the_reason(text, reason):
    with pytest.raises(RftInputError, match=reason):
        parse_spec(text)


def test_two_models_with_one_label_are_refused():
    with pytest.raises(RftInputError, match="share a label"):
        parse_specs(["adapter:a/best", "adapter:b/x/../a/best"])


def _adapter(folder, base="/cache/models/SmolLM2-135M-Instruct.Q4_1", weights=True):
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": base}))
    if weights:
        (folder / "adapter_model.safetensors").write_bytes(b"x")
    return folder


def test_adapter_missing_files_or_base_is_refused(tmp_path):
    with pytest.raises(RftInputError, match="not found"):
        check_adapter(tmp_path / "nope", "base")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RftInputError, match="adapter_config.json is missing"):
        check_adapter(tmp_path / "empty", "base")
    with pytest.raises(RftInputError, match="weights are missing"):
        check_adapter(_adapter(tmp_path / "noweights", weights=False), "base")


def test_adapter_trained_on_another_base_is_refused(tmp_path):
    folder = _adapter(tmp_path / "a", base="Qwen/Qwen2.5-0.5B-Instruct")
    with pytest.raises(RftInputError, match="trained on 'Qwen/Qwen2.5-0.5B-Instruct'") as err:
        check_adapter(folder, "HuggingFaceTB/SmolLM2-360M-Instruct")
    assert err.value.field == "base_model_name_or_path"
    assert check_adapter(folder, "Qwen/Qwen2.5-0.5B-Instruct")["base_model_name_or_path"]


def test_adapter_on_the_default_gguf_matches_across_machines(tmp_path):
    """The de-quantized default lives in each user's cache; the folder name is what must match."""
    folder = _adapter(tmp_path / "a", base="/home/someone/.cache/rft/models/SmolLM2-135M-Instruct.Q4_1")
    check_adapter(folder, "smollm2-135m-instruct")


ROWS = [{"case_id": f"c{i}", "correct_gene": gene, "messages": [{"role": "user", "content": "?"}]}
        for i, gene in enumerate(["FBN1", "SCN1A", "NF1", "KCNT1"])]
TEXTS = ['{"genes": ["FBN1", "TGFBR2"]}',  # rank 1
         'Probably ```json\n{"genes": ["KCNQ2", "scn1a"]}\n``` I think',  # rank 2, fenced, lower case
         '{"genes": ["TSC2"]}',  # a list without the answer: a miss, parsed
         "I cannot tell."]  # no list at all: a miss and a parse error


def test_scoring_ranks_answers_and_counts_parse_errors():
    ranker = ranking_grader(EvalConfig(top_k=[1, 5]))
    records = score_answers(ROWS, Answers(TEXTS, [5, 6, 7, 8], 1.0, [None] * 4), ranker, [])
    assert [r["rank"] for r in records] == [1, 2, None, None]
    assert [r["top@1"] for r in records] == [1.0, 0.0, 0.0, 0.0]
    assert [r["top@5"] for r in records] == [1.0, 1.0, 0.0, 0.0]
    assert [r["parse_error"] for r in records] == [False, False, False, True]
    assert records[1]["ranked"] == ["KCNQ2", "SCN1A"]
    assert records[3]["answer"] == "KCNT1"


def test_no_answer_template_means_no_ranking_metrics():
    assert ranking_grader(EvalConfig(answer=None)) is None
    assert metric_names([1], ranked=False) == ["reward_mean", "completion_tokens_mean"]


def test_bootstrap_interval_brackets_the_mean_and_repeats_with_the_seed():
    records = [{"top@1": float(i % 3 == 0), "parse_error": False, "reward": i / 10, "completion_tokens": i}
               for i in range(60)]
    names = ["top@1", "reward_mean"]
    first = summarize_records(records, names, 500, seed=1)
    assert first == summarize_records(records, names, 500, seed=1)
    assert first["top@1"]["value"] == pytest.approx(20 / 60)
    for m in first.values():
        assert m["lo"] < m["value"] < m["hi"]
    # The interval of a proportion is about ±1.96·sqrt(p(1-p)/n).
    half = 1.96 * np.sqrt((1 / 3) * (2 / 3) / 60)
    assert first["top@1"]["hi"] - first["top@1"]["lo"] == pytest.approx(2 * half, rel=0.25)


def test_no_resampling_gives_a_point_interval():
    m = summarize_records([{"reward": 0.5, "completion_tokens": 1}], ["reward_mean"], 1000)["reward_mean"]
    assert m == {"value": 0.5, "lo": 0.5, "hi": 0.5, "macro": 0.5, "macro_lo": 0.5, "macro_hi": 0.5}


def test_markdown_table_shows_percent_and_intervals():
    m = {"top@1": {"value": 0.395, "lo": 0.33, "hi": 0.465, "macro": 0.41, "macro_lo": 0.3, "macro_hi": 0.52,
                   "optimistic": 0.45, "pessimistic": 0.38},
         "reward_mean": {"value": 0.5, "lo": 0.4, "hi": 0.6, "macro": 0.5, "macro_lo": 0.4, "macro_hi": 0.6}}
    report = {"split": "valid.jsonl", "cases": 200, "prompt_mode": "plain",
              "interval": {"resample": "groups", "group_by": "correct_gene", "groups": 49, "resamples": 1000},
              "models": {"baseline": {"metric_names": ["top@1", "reward_mean"], "metrics": m}},
              "comparisons": []}
    table = markdown_table(report)
    assert "| baseline | 39.5% (33.0–46.5) | 0.500 (0.400–0.600) |" in table
    assert "200 cases" in table and "resample the 49 groups of `correct_gene`" in table
    assert "| baseline | 41.0% (30.0–52.0) | 0.500 (0.400–0.600) |" in table  # the macro table
    assert "| baseline | 45.0% / 38.0% |" in table  # right answer first / last among its ties
