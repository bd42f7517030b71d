"""Honest evaluation on record sets built by hand, where every expected figure can be derived on
paper: tie-aware top@k, group-bootstrap intervals against case-bootstrap ones, micro and macro
figures, paired differences with fixes and breaks, copy statistics, and the interval-based gate."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rft.errors import RftInputError
from rft.eval.compare import compare, pairs
from rft.eval.config import EvalConfig
from rft.eval.copying import copy_stats
from rft.eval.metrics import GroupBootstrap, Grouping, summarize_records
from rft.eval.runners import Answers
from rft.eval.scoring import expected_hits, ranking_grader, score_answers, spans_from_scores
from rft.registry.config import GateConfig
from rft.registry.gate import check_gate


def _row(i: int, gene: str, **extra) -> dict:
    return {"case_id": f"c{i}", "correct_gene": gene, "messages": [{"role": "user", "content": "?"}], **extra}


def test_a_tie_is_scored_by_its_expected_rank_with_bounds():
    # Case 0: the right gene shares positions 1-4 with three others: top@1 = 1/4, top@5 = 1.
    # Case 1: it shares positions 4-7: top@1 = 0, top@5 = 2/4 (positions 4 and 5 of 4..7).
    # Case 2: a strict list, right gene second. Case 3: listed 3 genes; the right gene is unlisted
    # but tied with the third one over positions 3-6, so it is in the list with chance 1/4 and in
    # the top 5 with chance 3/4.
    rows = [_row(0, "C"), _row(1, "G"), _row(2, "B"), _row(3, "Z")]
    texts = [json.dumps({"genes": g}) for g in (["A", "B", "C", "D"], list("ABCDEFG"), ["A", "B"], ["A", "B", "Y"])]
    spans = [{g: (1, 4) for g in "ABCD"}, {"A": (1, 1), "B": (2, 2), "C": (3, 3), **{g: (4, 7) for g in "DEFG"}},
             None, {"A": (1, 1), "B": (2, 2), **{g: (3, 6) for g in "YXZW"}}]
    answers = Answers(texts, [0] * 4, 0.0, [None] * 4, spans=[s or {} for s in spans])
    records = score_answers(rows, answers, ranking_grader(EvalConfig(top_k=[1, 5])), [])
    assert [r["top@1"] for r in records] == [0.25, 0.0, 0.0, 0.0]
    assert [r["top@5"] for r in records] == [1.0, 0.5, 1.0, 0.75]
    assert [r["top@max"] for r in records] == [1.0, 1.0, 1.0, 0.25]
    assert [(r["rank_lo"], r["rank_hi"]) for r in records] == [(1, 4), (4, 7), (2, 2), (3, 6)]
    m = summarize_records(records, ["top@1", "top@5", "top@max"], 0)
    assert m["top@1"]["value"] == pytest.approx(0.25 / 4)
    assert (m["top@1"]["optimistic"], m["top@1"]["pessimistic"]) == (0.25, 0.0)
    assert (m["top@5"]["optimistic"], m["top@5"]["pessimistic"]) == (1.0, 0.5)  # case 1: 4 <= 5 < 7
    assert m["top@max"]["optimistic"] == 1.0 and m["top@max"]["pessimistic"] == 0.75


def test_expected_hits_and_spans_from_a_models_scores():
    assert expected_hits(3, 3, {"top@1": 1, "top@5": 5}) == {"top@1": 0.0, "top@5": 1.0}
    assert expected_hits(None, None, {"top@1": 1}) == {"top@1": 0.0}
    assert spans_from_scores([0.9, 0.5, 0.5, 0.1]) == [(1, 1), (2, 3), (2, 3), (4, 4)]
    cfg = EvalConfig(top_k=[1, 2], scores="{{sample.output_json.scores}}")
    text = json.dumps({"genes": ["A", "B", "C"], "scores": [0.5, 0.5, 0.2]})
    record = score_answers([_row(0, "B")], Answers([text], [3], 0.0, [None]), ranking_grader(cfg), [], cfg=cfg)[0]
    assert (record["rank"], record["rank_lo"], record["rank_hi"]) == (2, 1, 2)
    assert (record["top@1"], record["top@2"]) == (0.5, 1.0)
    unusable = json.dumps({"genes": ["A", "B"], "scores": ["x", 1]})  # unreadable scores: a strict order
    record = score_answers([_row(0, "B")], Answers([unusable], [3], 0.0, [None]), ranking_grader(cfg), [], cfg=cfg)[0]
    assert (record["rank_lo"], record["top@1"]) == (2, 0.0)


def test_repeated_names_keep_their_first_rank_and_are_counted():
    text = json.dumps({"genes": ["KCNT1", "kcnt1", "FBN1", "KCNT1 "]})
    record = score_answers([_row(0, "FBN1")], Answers([text], [1], 0.0, [None]),
                           ranking_grader(EvalConfig()), [])[0]
    assert record["ranked"] == ["KCNT1", "FBN1"] and record["rank"] == 2 and record["duplicates"] == 2


def _clustered(groups: int = 10, size: int = 10) -> tuple[list[dict], list[str]]:
    """Half the groups answer every case right, half none: cases inside a group are perfectly alike."""
    records, keys = [], []
    for g in range(groups):
        for _ in range(size):
            records.append({"top@1": float(g % 2)})
            keys.append(f"g{g}")
    return records, keys


def test_group_bootstrap_is_wider_than_case_bootstrap_on_clustered_data():
    records, keys = _clustered()
    by_case = summarize_records(records, ["top@1"], 4000, seed=3)["top@1"]
    by_group = summarize_records(records, ["top@1"], 4000, seed=3, grouping=Grouping.of(keys, "gene"))["top@1"]
    assert by_case["value"] == by_group["value"] == 0.5
    # On paper: the case bootstrap's sd is sqrt(.25/100) = 0.05; resampling 10 whole groups gives
    # sqrt(.25/10) = 0.158, so the interval is about sqrt(10) = 3.2 times wider.
    case_width, group_width = by_case["hi"] - by_case["lo"], by_group["hi"] - by_group["lo"]
    assert case_width == pytest.approx(2 * 1.96 * 0.05, rel=0.2)
    assert group_width == pytest.approx(2 * 1.96 * np.sqrt(0.25 / 10), rel=0.2)
    assert group_width / case_width > 2.5


def test_micro_counts_cases_and_macro_counts_groups():
    # Group A: 4 cases, all right; group B: 1 case, wrong. Micro 4/5, macro (1 + 0) / 2.
    records = [{"top@1": 1.0}] * 4 + [{"top@1": 0.0}]
    m = summarize_records(records, ["top@1"], 500, seed=1, grouping=Grouping.of(list("AAAAB"), "gene"))["top@1"]
    assert m["value"] == pytest.approx(0.8) and m["macro"] == pytest.approx(0.5)
    assert m["lo"] <= m["value"] <= m["hi"] and m["macro_lo"] <= m["macro"] <= m["macro_hi"]


def test_no_group_field_falls_back_to_cases_and_says_so():
    grouping = Grouping.of([None, None, None], "correct_gene")
    assert grouping.count == 3 and grouping.method["resample"] == "cases"
    assert "no 'correct_gene' field" in grouping.method["note"]
    partial = Grouping.of(["A", None, "A"], "correct_gene")
    assert partial.count == 2 and "1 cases without 'correct_gene'" in partial.method["note"]


def test_paired_difference_fixes_and_breaks():
    a = [{"case_id": f"c{i}", "top@1": v} for i, v in enumerate([1, 1, 0, 0, 1, 1])]
    b = [{"case_id": f"c{i}", "top@1": v} for i, v in enumerate([1, 0, 1, 0, 0, 0.5])]
    boot = GroupBootstrap(Grouping.of(list("xxyyzz"), "gene"), 2000, 7)
    out = compare(a, b, ["top@1"], boot)
    # Fixes: cases 1 and 4, plus half of case 5 (B is right there half the time); breaks: case 2.
    assert out["fixes"]["top@1"] == pytest.approx(2.5) and out["breaks"]["top@1"] == 1.0
    assert out["metrics"]["top@1"]["value"] == pytest.approx((4 - 2.5) / 6)
    assert out["metrics"]["top@1"]["lo"] < out["metrics"]["top@1"]["value"] < out["metrics"]["top@1"]["hi"]
    same = compare(a, a, ["top@1"], boot)["metrics"]["top@1"]
    assert (same["value"], same["lo"], same["hi"]) == (0.0, 0.0, 0.0)  # paired: no noise left
    with pytest.raises(ValueError):
        compare(a, b[::-1], ["top@1"], boot)


def test_a_paired_interval_is_narrower_than_the_two_separate_ones_when_models_agree():
    """Two models that agree on most cases: their separate intervals overlap widely, while the paired
    difference is clearly above zero."""
    rng = np.random.default_rng(0)
    base = rng.random(200) < 0.4
    better = base | (rng.random(200) < 0.12)  # fixes about 7% of cases, breaks none
    a = [{"case_id": str(i), "top@1": float(v)} for i, v in enumerate(better)]
    b = [{"case_id": str(i), "top@1": float(v)} for i, v in enumerate(base)]
    boot = GroupBootstrap(Grouping.of([str(i // 4) for i in range(200)], "gene"), 2000, 1)
    ma, mb = (boot.summary(np.array([[r["top@1"] for r in x]]), ["top@1"])["top@1"] for x in (a, b))
    diff = compare(a, b, ["top@1"], boot)["metrics"]["top@1"]
    assert ma["lo"] < mb["hi"]  # read separately: overlapping intervals
    assert diff["lo"] > 0  # read paired: a gain


def test_pairs_put_the_base_and_the_baseline_second():
    kinds = {"base": "base", "tuned": "adapter", "baseline": "baseline", "other": "endpoint"}
    got = pairs(kinds)
    assert ("tuned", "base") in got and ("baseline", "base") in got and ("tuned", "baseline") in got
    assert ("other", "tuned") in got and len(got) == 6
    assert got[:3] == [("tuned", "base"), ("baseline", "base"), ("other", "base")]


def test_copy_statistics_respect_tied_candidates():
    rows = [_row(i, "C", candidates=["A", "B", "C", "D"], candidate_ranks=[1, 2, 2, 4]) for i in range(5)]
    listed = [["A", "C", "B"],  # the tool's order (B and C are tied): a copy
              ["B", "A"],  # re-ordered
              ["A", "QQQ1"],  # follows for one item, then a name nobody knows
              ["A", "FBN1"],  # outside the list, but a real symbol
              []]  # no list
    records = [{"ranked": x} for x in listed]
    c = copy_stats(rows, records, str.upper, known={"A", "B", "C", "D", "FBN1"})
    assert c["first_is_tools_first"] == pytest.approx(3 / 5)
    assert c["copies_tools_order"] == pytest.approx(1 / 5)  # case 0 only
    assert c["names_outside_candidates"] == pytest.approx(2 / 9)
    assert c["invented_names"] == 1 and c["cases_with_invented_names"] == pytest.approx(1 / 5)
    assert copy_stats([_row(0, "C")], [{"ranked": ["C"]}], str.upper, set()) is None  # plain prompts


def _report(tuned: float, base: float, lo: float, hi: float) -> dict:
    metrics = {"top@1": {"value": tuned, "lo": 0, "hi": 1}}
    models = {"base": {"kind": "base", "path": None, "metrics": {"top@1": {"value": base, "lo": 0, "hi": 1}}},
              "tuned": {"kind": "adapter", "path": "runs/x/best", "metrics": metrics}}
    return {"models": models, "comparisons": [{"a": "tuned", "b": "base", "metrics": {
        "top@1": {"value": tuned - base, "lo": lo, "hi": hi}}, "fixes": {}, "breaks": {}}]}


def test_the_gate_can_judge_by_the_lower_end_of_the_paired_interval(tmp_path):
    from pathlib import Path

    run = Path("runs/x")
    point = check_gate(_report(0.30, 0.25, -0.02, 0.12), run, GateConfig(min_gain=0.01), "m.json")
    assert point.passed  # +5 points by the point difference
    strict = check_gate(_report(0.30, 0.25, -0.02, 0.12), run, GateConfig(min_gain=0.01, use_interval=True), "m.json")
    assert not strict.passed and "starts at -2.0 points" in "\n".join(strict.lines())
    assert check_gate(_report(0.30, 0.25, 0.02, 0.08), run, GateConfig(min_gain=0.01, use_interval=True), "m").passed
    report = _report(0.3, 0.25, 0.02, 0.08)
    report["comparisons"] = []
    with pytest.raises(RftInputError, match="no paired comparison"):
        check_gate(report, run, GateConfig(use_interval=True), "m.json")
