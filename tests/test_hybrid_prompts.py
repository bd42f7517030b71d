"""Hybrid prompts (the baseline's candidates in each prompt) and the warm-up's reference answers,
on real cases."""

from __future__ import annotations

import json

from rft.config import Params
from rft.data.prompts import CANDIDATES_HEADING, Shortlist, candidates_block, strip_candidates
from rft.data.split_stage import split_files
from rft.data.validate import validate_files
from rft.eval.stage import prompt_mode
from rft.jsonl import read_jsonl


def test_hybrid_split_lists_the_baselines_candidates_and_still_validates(real_cases, tmp_path):
    subset = tmp_path / "cases.jsonl"
    subset.write_text("".join(real_cases.read_text().splitlines(keepends=True)[:400]))
    p = Params.model_validate({"prompt": {"candidates": 5}, "split": {"train_size": 60, "valid_size": 20}})
    split_files(tmp_path / "splits", p.split, p.prompt, cases=subset)
    rows = read_jsonl(tmp_path / "splits" / "valid.jsonl") + read_jsonl(tmp_path / "splits" / "train.jsonl")
    assert all(0 < len(r["candidates"]) <= 5 for r in rows)
    assert all(r["candidate_ranks"] == sorted(r["candidate_ranks"]) and r["candidate_ranks"][0] == 1 for r in rows)
    for row in rows:  # the block lists each rank once, tied genes on its line
        prompt = row["messages"][-1]["content"]
        for rank in dict.fromkeys(row["candidate_ranks"]):
            tied = [g for g, r in zip(row["candidates"], row["candidate_ranks"]) if r == rank]
            assert f"\n{rank}. {', '.join(tied)}" in prompt
    prompt = rows[0]["messages"][-1]["content"]
    assert CANDIDATES_HEADING + "\n1. " in prompt
    assert prompt.index(CANDIDATES_HEADING) < prompt.index("Answer with JSON only")
    # The tool finds the right gene in some prompts: that is the point, not a leak...
    assert any(r["correct_gene"] in r["candidates"] for r in rows)
    report = validate_files({"train": tmp_path / "splits" / "train.jsonl", "valid": tmp_path / "splits" / "valid.jsonl"},
                            p.validate_, p.split.group_by, p.split.link_by, report_path=tmp_path / "v.json",
                            docs_dir=None)
    assert report.success, report.lines()
    assert prompt_mode(rows) == "hybrid, top-5 baseline candidates"


def test_tied_candidates_share_a_line_and_unlisted_ties_are_counted():
    block = candidates_block(Shortlist(["KCNT1", "SCN1A", "SCN2A", "CDKL5"], [1, 2, 2, 4], more_tied=3))
    assert block == (f"{CANDIDATES_HEADING}\n1. KCNT1\n2. SCN1A, SCN2A\n4. CDKL5 (and 3 more tied, not listed)\n\n")
    assert candidates_block(Shortlist([], [])).endswith("none found\n\n")


def test_a_gene_outside_the_candidates_block_is_still_a_leak():
    prompt = f"Case\nSex: male\n\n{CANDIDATES_HEADING}\n1. FBN1\n2. TGFBR2\n\nHe has FBN1 written on his chart."
    stripped = strip_candidates(prompt)
    assert "TGFBR2" not in stripped and "FBN1 written" in stripped


def test_reference_completion_names_the_right_gene_first(real_split):
    rows = read_jsonl(real_split / "train.jsonl")[:50]
    for row in rows:
        answer = json.loads(row["reference_completion"])
        assert answer["genes"][0] == row["correct_gene"] and answer["reasoning"]
    assert prompt_mode(rows) == "plain"
