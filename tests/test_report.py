"""`rft report`: the self-contained HTML report, rendered in headless Chromium (Debian's chromium,
installed by `make setup`) with a screenshot; and the W&B Report, built offline as an object."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import no_params

from rft.report.collect import collect

ROOT = Path(__file__).resolve().parents[1]
# The H100 run of README: Evaluation, its saved answers scored again (docs/results/gene-ranking/restate.py)
REAL_RUN = ROOT / "docs" / "results" / "gene-ranking" / "hybrid"


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed; `make setup` installs Debian's chromium")
    return found


def _events(path: Path) -> Path:
    """A run's events as training writes them: validation at steps 2 and 4."""
    with path.open("w") as fh:
        for step in range(1, 5):
            scores = {"train_reward_mean": step / 10, "graders": [{"name": "gene_rank", "type": "ranked_list",
                                                                   "train_reward_mean": step / 10}]}
            if step % 2 == 0:
                scores["valid_reward_mean"] = step / 8
            fh.write(json.dumps({"type": "metrics", "data": {"step": step, "scores": scores}}) + "\n")
    return path


def test_report_of_the_real_run_renders_in_chromium(tmp_path, cli):
    run = tmp_path / "run"
    run.mkdir()
    _events(run / "events.jsonl")
    (run / "run.json").write_text(json.dumps({"graders": [{"name": "gene_rank", "type": "ranked_list"}]}))
    out = tmp_path / "report.html"
    code, stdout, err = cli("report", "--eval", REAL_RUN, "--run", run, "--out", out, "--params", no_params(tmp_path))
    assert code == 0, err
    assert "800 answers of 4 models" in stdout
    page = out.read_text()
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page  # self-contained
    assert page.count("data:image/png;base64,") == 3  # the eval chart, the paired differences, the reward curve
    assert "Paired differences" in page and "tuned − tool as shown" in page and "0 / 2" in page

    chromium = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,2400"]
    shot = tmp_path / "report.png"
    subprocess.run([*chromium, f"--screenshot={shot}", out.as_uri()], capture_output=True, timeout=120, check=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    # The per-case table is built by the page's script: rows in the rendered DOM prove it ran.
    dom = subprocess.run([*chromium, "--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    assert dom.count('class="case-row"') == 800
    assert "800 of 800 answers" in dom
    assert "<td>tuned</td>" in dom and "38.5% (25.5–52.1)" in dom


def test_report_rows_say_pass_fail_and_carry_reasoning():
    data = collect(REAL_RUN)
    tuned = [c for c in data.cases if c["model"] == "tuned"]
    assert len(tuned) == 200
    assert sum(c["passed"] for c in tuned) == 77  # 38.5% of 200, as in the metrics
    assert all(c["reasoning"].startswith("The phenotypes") for c in tuned)
    assert all(c["passed"] == (c["ranked"][:1] == [c["answer"]]) for c in tuned)


def test_wandb_report_is_built_offline_and_not_published_without_a_key(monkeypatch):
    from rft.config import Params
    from rft.report.wandb_report import build_wandb_report, publish

    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    evaluation = json.loads((REAL_RUN / "metrics.json").read_text())
    report = build_wandb_report(evaluation, Params().tracking, ["gene_rank"])
    assert report.project == "rft" and report.title == "rft: results"
    grids = [b for b in report.blocks if type(b).__name__ == "PanelGrid"]
    ys = [y for panel in grids[0].panels for y in panel.y]
    assert "valid/reward/gene_rank" in ys and "train/reward_mean" in ys
    assert any("| tuned | 38.5%" in getattr(b, "text", "") for b in report.blocks)
    assert publish(report) is None


def test_report_without_an_evaluation_is_refused(tmp_path, cli):
    code, _, err = cli("report", "--eval", tmp_path, "--params", no_params(tmp_path))
    assert code == 2 and "metrics.json" in err and "rft eval" in err


def test_the_verdict_states_the_paired_difference_and_the_copying():
    from rft.report.verdict import copying_note, model_notes, verdict

    evaluation = json.loads((REAL_RUN / "metrics.json").read_text())
    said = verdict(evaluation)
    assert said.startswith("tuned beats base by 38.5 points top@1 (interval +25.5 to +52.1, 77 cases fixed, 0 broken)")
    assert "97.5%" in copying_note(evaluation)  # what looks like learning is the tool's list, and the report says so
    assert "adapter" in model_notes(evaluation)["tuned"] and "no language model" in model_notes(evaluation)[
        "classical baseline"]


@pytest.mark.parametrize(("lo", "hi", "start"), [(-0.02, 0.05, "No difference detected between tuned and base"),
                                                 (0.01, 0.05, "tuned beats base by 0.030 mean reward"),
                                                 (-0.05, -0.01, "tuned falls behind base by 0.030")])
def test_the_verdict_claims_a_difference_only_when_its_interval_excludes_zero(lo, hi, start):
    from rft.report.verdict import verdict

    value = 0.03 if lo > 0 else -0.03 if hi < 0 else 0.01
    evaluation = {"cases": 40, "models": {"base": {}, "tuned": {}}, "comparisons": [
        {"a": "tuned", "b": "base", "metrics": {"reward_mean": {"value": value, "lo": lo, "hi": hi}}}]}
    assert verdict(evaluation).startswith(start)


def test_the_html_leads_with_the_verdict_labels_smoke_runs_and_explains_rows(tmp_path):
    from rft.report.html import render_html

    data = collect(REAL_RUN, profile="smoke")
    page = render_html(data)
    assert page.index("id='verdict'") < page.index("<h2>Results</h2>")
    assert "Smoke run." in page and "What each row is" in page and "It copies its prompt" in page
