"""`rft data split`: disjoint by a group key, linked groups together, deterministic for a seed."""

from __future__ import annotations

import json

import pytest

from rft.config import Params, PromptConfig, SplitConfig
from rft.data.split import split_lines
from rft.data.split_stage import split_files
from rft.errors import RftInputError
from rft.jsonl import read_jsonl


def _lines(spec: list[tuple[str, str | None]]) -> list[tuple[int, dict]]:
    """(group, link) pairs -> numbered RFT lines."""
    return [(i + 1, {"messages": [{"role": "user", "content": f"q{i}"}], "topic": g, "family": link, "id": i})
            for i, (g, link) in enumerate(spec)]


def test_real_split_sizes_and_disjoint_genes(real_split):
    train, valid = read_jsonl(real_split / "train.jsonl"), read_jsonl(real_split / "valid.jsonl")
    assert len(train) == 1100 and len(valid) == 200
    assert not {r["correct_gene"] for r in train} & {r["correct_gene"] for r in valid}
    assert not {r["disease_id"] for r in train} & {r["disease_id"] for r in valid}
    for rows in (train, valid):
        counts: dict[str, int] = {}
        for r in rows:
            counts[r["correct_gene"]] = counts.get(r["correct_gene"], 0) + 1
        assert max(counts.values()) <= 5
    summary = json.loads((real_split / "split.json").read_text())
    assert summary["sizes"] == {"valid": 200, "train": 1100}
    assert ["DCLRE1C", "RAG1"] in summary["linked_groups"]


def test_genes_sharing_a_disease_stay_together(real_split):
    sides = {}
    for name in ("train", "valid"):
        for r in read_jsonl(real_split / f"{name}.jsonl"):
            sides.setdefault(r["correct_gene"], set()).add(name)
    if "RAG1" in sides and "DCLRE1C" in sides:
        assert sides["RAG1"] == sides["DCLRE1C"]


def test_same_seed_same_files_other_seed_other_genes(tmp_path, real_cases, real_split):
    p = Params()
    split_files(tmp_path / "again", p.split, p.prompt, cases=real_cases)
    for name in ("train.jsonl", "valid.jsonl"):
        assert (tmp_path / "again" / name).read_bytes() == (real_split / name).read_bytes()
    other = split_files(tmp_path / "seed2", p.split.model_copy(update={"seed": 2}), p.prompt, cases=real_cases)
    assert set(other.groups["valid"]) != set(json.loads((real_split / "split.json").read_text())
                                             ["group_values"]["valid"])


def test_linking_merges_groups_across_a_shared_field():
    spec = [("a", "f1"), ("b", "f1"), ("c", "f2"), ("d", None), ("e", None), ("f", None)] * 2
    cfg = SplitConfig(group_by="topic", link_by=["family"], valid_size=2, train_size=None, per_group_cap=None)
    for seed in range(20):
        result = split_lines(_lines(spec), cfg.model_copy(update={"seed": seed}), "mem")
        valid_groups, train_groups = set(result.groups["valid"]), set(result.groups["train"])
        assert not valid_groups & train_groups
        assert {"a", "b"} <= valid_groups or not {"a", "b"} & valid_groups
    assert result.components_merged == [["a", "b"]]


def test_cap_and_sizes():
    spec = [("big", None)] * 50 + [(f"g{i}", None) for i in range(30)]
    cfg = SplitConfig(group_by="topic", link_by=[], valid_size=5, test_size=5, train_size=10, per_group_cap=3)
    result = split_lines(_lines(spec), cfg, "mem")
    assert result.dropped_by_cap == 47
    assert {k: len(v) for k, v in result.splits.items()} == {"valid": 5, "test": 5, "train": 10}
    assert sum(1 for rows in result.splits.values() for r in rows if r["topic"] == "big") <= 3


def test_missing_group_key_names_the_line():
    lines = _lines([("a", None), ("b", None)])
    del lines[1][1]["topic"]
    with pytest.raises(RftInputError) as err:
        split_lines(lines, SplitConfig(group_by="topic"), "mine.jsonl")
    assert err.value.line == 2 and err.value.field == "topic" and "mine.jsonl:2" in str(err.value)


def test_too_few_groups_is_an_error():
    cfg = SplitConfig(group_by="topic", link_by=[], valid_size=5, per_group_cap=None)
    with pytest.raises(RftInputError, match="not enough data to fill the train split: 3 lines, 1 groups of 'topic'") \
            as err:
        split_lines(_lines([("a", None)] * 3), cfg, "mem")
    assert "split.valid_size (now 5)" in str(err.value) and "split.group_by" in str(err.value)  # what to change


def test_users_own_dataset_split_by_any_field(tmp_path, cli):
    data = tmp_path / "mine.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"Is clause {i} risky?"}], "label": "yes" if i % 2 else "no",
             "contract": f"c{i % 7}"} for i in range(40)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    params = tmp_path / "params.yaml"
    params.write_text("split:\n  valid_size: 10\n  train_size: null\n  per_group_cap: null\n  link_by: []\n")
    code, out, err = cli("data", "split", "--lines", data, "--out-dir", tmp_path / "out", "--group-by", "contract",
                         "--params", params)
    assert code == 0, err
    train, valid = read_jsonl(tmp_path / "out/train.jsonl"), read_jsonl(tmp_path / "out/valid.jsonl")
    assert not {r["contract"] for r in train} & {r["contract"] for r in valid}
    assert len(valid) == 10 and "groups of contract" in out


def test_split_of_a_bad_file_writes_nothing(tmp_path, cli):
    data = tmp_path / "mine.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "x"}], "label": "a"}\n["not", "an", "object"]\n')
    out = tmp_path / "out"
    out.mkdir()
    (out / "train.jsonl").write_text("old train\n")
    code, _, err = cli("data", "split", "--lines", data, "--out-dir", out, "--group-by", "label")
    assert code == 2 and "mine.jsonl:2" in err and "expected a JSON object" in err
    assert sorted(p.name for p in out.iterdir()) == ["train.jsonl"]
    assert (out / "train.jsonl").read_text() == "old train\n"


def test_line_without_messages_is_named(tmp_path, cli):
    data = tmp_path / "mine.jsonl"
    data.write_text('{"prompt": "x", "label": "a"}\n')
    code, _, err = cli("data", "split", "--lines", data, "--out-dir", tmp_path / "out", "--group-by", "label")
    assert code == 2 and "mine.jsonl:1" in err and "'messages'" in err


def test_non_utf8_line_is_named(tmp_path, cli):
    data = tmp_path / "mine.jsonl"
    data.write_bytes(b'{"messages": [], "label": "a"}\n{"label": "caf\xe9"}\n')
    code, _, err = cli("data", "split", "--lines", data, "--out-dir", tmp_path / "out", "--group-by", "label")
    assert code == 2 and "mine.jsonl:2" in err and "not UTF-8" in err


def test_bad_case_line_names_field(tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps({"id": "x", "present": [{"id": "HP:1", "label": "y"}], "gene": "G",
                                 "hgnc_id": "HGNC:1"}) + "\n")
    with pytest.raises(RftInputError) as err:
        split_files(tmp_path / "out", SplitConfig(), PromptConfig(), cases=cases)
    assert err.value.line == 1 and err.value.field == "present.0.id"
