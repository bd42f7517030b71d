"""`rft eval` end to end on real validation lines: a tiny local model with and without a real LoRA
adapter, the classical baseline, and an endpoint model served by a scripted OpenAI-compatible HTTP
server on 127.0.0.1 (no hosted model is reachable here, so its answers are scripted)."""

from __future__ import annotations

import json

import pytest
from helpers import LocalServer, save_tiny_base_and_adapter

from rft.jsonl import read_jsonl

CASES = 6


@pytest.fixture(scope="module")
def tiny_base_and_adapter(tmp_path_factory):
    return save_tiny_base_and_adapter(tmp_path_factory.mktemp("tiny"))


def _endpoint(gene_of):
    """Names the right gene first for every other case, and nothing parseable otherwise."""
    def respond(body, headers):
        prompt = body["messages"][-1]["content"]
        gene = gene_of.get(prompt)
        text = json.dumps({"genes": [gene, "TTN"]}) if gene else "no idea"
        return 200, {"choices": [{"message": {"role": "assistant", "content": text}}],
                     "usage": {"completion_tokens": 7}}
    return respond


def test_eval_compares_local_adapter_baseline_and_endpoint(cli, tmp_path, real_split, tiny_base_and_adapter):
    base, adapter = tiny_base_and_adapter
    rows = read_jsonl(real_split / "valid.jsonl")[:CASES]
    gene_of = {r["messages"][-1]["content"]: r["correct_gene"] for r in rows[::2]}
    with LocalServer(_endpoint(gene_of)) as server:
        code, out, err = cli("eval", "--split", real_split / "valid.jsonl", "--out", tmp_path / "eval",
                             "-m", "base", "-m", f"tuned=adapter:{adapter}", "-m", "baseline",
                             "-m", "api=endpoint:some-model", "--set", f"model.name_or_path={base}",
                             "--set", f"eval.max_cases={CASES}", "--set", "eval.max_new_tokens=6",
                             "--set", f"eval.endpoint_url={server.url}", "--set", "tracking.wandb=false",
                             "--params", tmp_path / "none.yaml")
        assert code == 0, err
    assert len(server.requests) == CASES and server.requests[0]["body"]["model"] == "some-model"
    report = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert list(report["models"]) == ["base", "tuned", "baseline", "api"]
    api = report["models"]["api"]["metrics"]
    assert api["top@1"]["value"] == pytest.approx(3 / CASES)
    assert api["parse_error_rate"]["value"] == pytest.approx(3 / CASES)
    assert api["completion_tokens_mean"]["value"] == 7
    # The random tiny models write no gene list: all misses, all parse errors.
    for label in ("base", "tuned"):
        assert report["models"][label]["metrics"]["top@max"]["value"] == 0
        assert report["models"][label]["metrics"]["parse_error_rate"]["value"] == 1
    assert report["models"]["tuned"]["path"] == str(adapter)
    cases = read_jsonl(tmp_path / "eval" / "cases" / "baseline.jsonl")
    assert [c["case_id"] for c in cases] == [r["case_id"] for r in rows]
    assert all(c["rank"] is None or c["ranked"][c["rank"] - 1] == c["answer"] for c in cases)
    assert (tmp_path / "eval" / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| api | 50.0%" in out and "| baseline |" in out
    csv_lines = (tmp_path / "eval" / "topk.csv").read_text().splitlines()
    assert csv_lines[0] == "model,metric,label,value,lo,hi" and len(csv_lines) == 1 + 4 * 3


def test_an_adapter_for_another_base_is_refused_before_loading(cli, tmp_path, real_split, tiny_base_and_adapter):
    _, adapter = tiny_base_and_adapter
    code, _, err = cli("eval", "--split", real_split / "valid.jsonl", "--out", tmp_path / "eval",
                       "-m", f"adapter:{adapter}", "--set", "model.name_or_path=Qwen/Qwen2.5-0.5B-Instruct",
                       "--params", tmp_path / "none.yaml")
    assert code == 2
    assert "adapter_config.json" in err and "not on the base model 'Qwen/Qwen2.5-0.5B-Instruct'" in err
    assert not (tmp_path / "eval").exists()


def test_an_unreachable_endpoint_fails_with_its_address(cli, tmp_path, real_split):
    code, _, err = cli("eval", "--split", real_split / "valid.jsonl", "--out", tmp_path / "eval",
                       "-m", "endpoint:m", "--set", "eval.endpoint_url=http://127.0.0.1:9", "--set",
                       "eval.max_cases=2", "--params", tmp_path / "none.yaml")
    assert code == 2 and "http://127.0.0.1:9" in err and "answered no case" in err
    assert not (tmp_path / "eval").exists()


def test_baseline_needs_phenotype_ids(cli, tmp_path):
    lines = tmp_path / "lines.jsonl"
    lines.write_text(json.dumps({"messages": [{"role": "user", "content": "x"}], "correct_gene": "A"}) + "\n")
    code, _, err = cli("eval", "--split", lines, "--out", tmp_path / "eval", "-m", "baseline",
                       "--params", tmp_path / "none.yaml")
    assert code == 2 and "lines.jsonl:1" in err and "present_hpo" in err
