"""The gene demo's ranked_list grader, and its python twin in examples/graders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rft.graders import build_grader, grade_batch, load_grader, parse_grader

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "graders"


def ranked(max_rank=10, decay="linear", **extra):
    raw = {"type": "ranked_list", "name": "r", "max_rank": max_rank, "decay": decay, **extra}
    return build_grader(parse_grader(raw, "t"))


def one(grader, text, gene="KCNT1"):
    return grade_batch(grader, [text], [{"correct_gene": gene}])[0]


def answer(*genes):
    return json.dumps({"reasoning": "...", "genes": list(genes)})


@pytest.mark.parametrize("rank, linear, reciprocal, exponential", [
    (1, 1.0, 1.0, 1.0), (2, 0.9, 0.5, 0.5), (5, 0.6, 0.2, 0.0625), (10, 0.1, 0.1, 0.5 ** 9), (11, 0.0, 0.0, 0.0),
])
def test_decays_by_hand(rank, linear, reciprocal, exponential):
    genes = [f"G{i}" for i in range(1, rank)] + ["KCNT1"]
    for decay, expected in (("linear", linear), ("reciprocal", reciprocal), ("exponential", exponential)):
        assert one(ranked(decay=decay), answer(*genes)).reward == pytest.approx(expected)


def test_top_k_scores_and_top_at_max_beyond_max_rank():
    result = one(ranked(max_rank=3), answer("A", "B", "C", "D", "KCNT1"))
    assert result.reward == 0.0
    assert result.scores == {"top@1": 0.0, "top@5": 1.0, "top@max": 1.0, "rank": 5.0}


def test_normalisation_and_first_rank_of_duplicates():
    result = one(ranked(), answer("scn1a", "SCN1A", " kcnt1. "))
    assert result.scores["rank"] == 2.0 and result.reward == pytest.approx(0.9)


def test_aliases_map_previous_symbols(tmp_path):
    table = tmp_path / "aliases.tsv"
    table.write_text("SLACK\tKCNT1\nKIAA1422\tKCNT1\n")
    assert one(ranked(aliases=str(table)), answer("slack")).reward == 1.0
    assert one(ranked(aliases={"HNRPA2B1": "HNRNPA2B1"}), answer("HNRPA2B1"), gene="HNRNPA2B1").reward == 1.0


def test_free_text_with_a_json_list_is_read():
    text = 'Sure! Here is my answer:\n{"reasoning": "seizures", "genes": ["SCN1A", "KCNT1"]} hope it helps'
    assert one(ranked(), text).scores["rank"] == 2.0
    assert one(ranked(), "Candidates: [\"KCNT1\", \"SCN2A\"]").reward == 1.0


def test_no_list_is_a_sample_parse_error():
    result = one(ranked(), "I think it is KCNT1")
    assert result.reward == 0.0 and result.error_flags()["sample_parse_error"] is True


def test_several_acceptable_references():
    grader = ranked(reference="{{item.genes}}")
    assert grade_batch(grader, [answer("RAG1")], [{"genes": ["DCLRE1C", "RAG1"]}])[0].reward == 1.0


def test_python_example_is_the_json_examples_source():
    source = json.loads((EXAMPLES / "gene_rank_python.json").read_text())["source"]
    assert source == (EXAMPLES / "ranked_list.py").read_text()


SAMPLES = [answer("KCNT1"), answer("A", "B", "kcnt1"), answer("A"), "no list at all",
           'text then {"genes": ["X", "KCNT1"]}', answer(*[f"G{i}" for i in range(12)], "KCNT1"),
           answer("KCNT1", "KCNT1", "B"), "[]", answer({"gene": "KCNT1"})]


def test_python_twin_agrees_with_the_builtin_through_the_sandbox():
    builtin = build_grader(load_grader(EXAMPLES / "gene_rank.json"))
    twin = build_grader(load_grader(EXAMPLES / "gene_rank_python.json"))
    try:
        items = [{"correct_gene": "KCNT1"}] * len(SAMPLES)
        expected = [r.reward for r in grade_batch(builtin, SAMPLES, items)]
        got = [r.reward for r in grade_batch(twin, SAMPLES, items)]
    finally:
        twin.close()
    assert got == pytest.approx(expected)
    assert expected[:3] == pytest.approx([1.0, 0.8, 0.0])
