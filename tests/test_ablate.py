"""`rft ablate` on the CPU example (examples/price-lookup) with the real default model and a tiny budget:
every variant trained alike and compared on held-out categories, the table and both charts written; a
second run keeps what the first finished; refusals and failures are reported per variant."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rft.ablate.stage import VariantRun, _eval_specs
from rft.jsonl import read_jsonl

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "price-lookup"
PARAMS = "examples/price-lookup/params.yaml"
# The smoke profile, shrunk further.
TINY = ["profile=smoke", "train.max_steps=1", "train.max_valid_cases=2", "train.hyperparameters.batch_size=1",
        "train.hyperparameters.eval_interval=1", "train.grpo.num_generations=2", "train.grpo.max_completion_length=4",
        "train.warmup.epochs=0.01", "eval.max_cases=4", "eval.max_new_tokens=4", "eval.bootstrap=50"]
VARIANTS = "base,sft,grpo,sft+grpo"  # sft-long trains like sft, only longer


def _sets(values: list[str]) -> list[str]:
    return [arg for value in values for arg in ("--set", value)]


@pytest.fixture
def project(tmp_path, monkeypatch):
    shutil.copytree(EXAMPLE, tmp_path / "examples" / "price-lookup")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.slow
def test_ablation_trains_every_variant_and_compares_them_on_held_out_data(project, cli):
    code, out, err = cli("ablate", "--params", PARAMS, "--variants", VARIANTS, *_sets(TINY))
    assert code == 0, err
    folder = project / "runs/price-lookup-ablate"
    result = json.loads((folder / "ablation.json").read_text())
    statuses = {r["variant"]: r["status"] for r in result["runs"]["13"]}
    assert statuses == {"base": "untrained", "sft": "done", "grpo": "done", "sft+grpo": "done"}
    # Compared on the test split: categories that neither training nor its validation saw.
    assert result["split"].endswith("test.jsonl") and result["note"] is None
    split = project / "runs/price-lookup-data"
    held_out = {r["category"] for r in read_jsonl(split / "test.jsonl")}
    seen = {r["category"] for name in ("train", "valid") for r in read_jsonl(split / f"{name}.jsonl")}
    assert held_out and not held_out & seen
    evaluation = json.loads((folder / "seed-13/eval/metrics.json").read_text())
    assert list(evaluation["models"]) == ["base", "sft", "grpo", "sft+grpo"]
    assert evaluation["models"]["sft+grpo"]["path"].endswith("sft-grpo/final")  # the final adapter, not best/
    assert evaluation["interval"]["group_by"] == "category"
    assert {(p["a"], p["b"]) for p in result["paired"]} >= {("sft+grpo", "sft"), ("sft", "base"), ("grpo", "base")}
    assert result["metric"] == "reward_mean" and "sft+grpo − sft" in (folder / "table.md").read_text()
    for picture in ("chart.png", "curve.png"):
        assert (folder / picture).read_bytes()[:4] == b"\x89PNG"
    for variant in ("sft", "grpo", "sft-grpo"):
        assert (folder / "seed-13" / variant / "final" / "adapter_config.json").is_file()
    curve = [json.loads(line) for line in (folder / "seed-13/grpo/events.jsonl").read_text().splitlines()]
    assert any(e.get("data", {}).get("scores", {}).get("valid_reward_mean") is not None for e in curve)
    assert "[3/3] sft+grpo, seed 13" in out and "sft+grpo − sft" in out

    # Run again, with a setting of the ablation itself changed: what the first run finished is kept (the
    # runs' inputs are unchanged), and only the comparison is redone.
    code, out, err = cli("ablate", "--params", PARAMS, "--variants", VARIANTS,
                         *_sets([*TINY, "ablate.metric=reward_mean"]))
    assert code == 0, err
    again = json.loads((folder / "ablation.json").read_text())
    assert {r["variant"]: r["status"] for r in again["runs"]["13"]} == {
        "base": "untrained", "sft": "reused", "grpo": "reused", "sft+grpo": "reused"}


@pytest.mark.slow
def test_refused_and_failed_variants_are_named_and_the_rest_still_run(project, cli):
    """Lines with no reference answers: the warm-up variants are refused by name. A context too short for
    the prompts: GRPO fails with that reason. The base model is still evaluated."""
    lines = project / "examples/price-lookup/lines.jsonl"
    rows = [{k: v for k, v in r.items() if k != "reference_completion"} for r in read_jsonl(lines)]
    lines.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, out, err = cli("ablate", "--params", PARAMS, "--variants", VARIANTS,
                       *_sets([*TINY, "model.max_context=24"]))
    assert code == 0, err
    result = json.loads((project / "runs/price-lookup-ablate/ablation.json").read_text())
    runs = {r["variant"]: r for r in result["runs"]["13"]}
    assert runs["sft"]["status"] == runs["sft+grpo"]["status"] == "refused"
    assert "reference_completion" in runs["sft"]["reason"]
    assert runs["grpo"]["status"] == "failed" and "context" in runs["grpo"]["reason"]
    assert "sft, seed 13: refused" in out and "failed:" in out
    assert list(json.loads((project / "runs/price-lookup-ablate/seed-13/eval/metrics.json").read_text())["models"]) == ["base"]
    table = (project / "runs/price-lookup-ablate/table.md").read_text()
    assert "refused: no 'reference_completion'" in table and "failed:" in table


def test_models_named_in_also_are_evaluated_beside_the_trained_variants():
    runs = [VariantRun("base", 13, "runs/a/seed-13/base", "untrained"),
            VariantRun("sft", 13, "runs/a/seed-13/sft", "done"),
            VariantRun("grpo", 13, "runs/a/seed-13/grpo", "failed", "boom")]
    assert _eval_specs(runs, None, ["baseline"]) == ["base", "sft=adapter:runs/a/seed-13/sft/final", "baseline"]
    # The second seed reuses the base model's greedy answers; a seed with nothing to compare evaluates nothing.
    assert _eval_specs(runs[:1], Path("b.jsonl"), []) == ["base=answers:b.jsonl"]
    assert _eval_specs(runs[2:], None, ["baseline"]) == []
