"""`rft run --train-file T --valid-file V --grader G` end to end, as a team moving from OpenAI runs it:
messages-only lines with no ids, a grader JSON, real Prefect, the real default model, shrunk; and the
report the flow writes for a task that is not a ranking, rendered in headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
RFT = str(Path(sys.executable).parent / "rft")


def test_openai_files_run_through_to_an_evaluation(tmp_path):
    def lines(start: int, n: int) -> str:
        return "".join(json.dumps({"messages": [{"role": "user", "content": f"Say the word number {i}."}],
                                   "reference_answer": f"number {i}"}) + "\n" for i in range(start, start + n))

    (tmp_path / "train.jsonl").write_text(lines(0, 6))
    (tmp_path / "valid.jsonl").write_text(lines(100, 3))
    (tmp_path / "grader.json").write_text(json.dumps({
        "type": "text_similarity", "name": "close", "input": "{{sample.output_text}}",
        "reference": "{{item.reference_answer}}", "evaluation_metric": "fuzzy_match"}))
    tiny = {"profile": None, "tracking": {"wandb": False},
            "train": {"max_steps": 1, "max_valid_cases": 1, "hyperparameters": {"batch_size": 1, "eval_interval": 1},
                      "grpo": {"num_generations": 2, "max_completion_length": 8}},
            "eval": {"max_new_tokens": 8, "bootstrap": 50}}
    (tmp_path / "params.yaml").write_text(json.dumps(tiny))
    done = subprocess.run([RFT, "run", "--train-file", "train.jsonl", "--valid-file", "valid.jsonl",
                           "--grader", "grader.json", "--run-name", "moved"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    split = [json.loads(x) for x in (tmp_path / "runs/moved-data/valid.jsonl").read_text().splitlines()]
    assert len(split) == 3 and all(line["id"].startswith("line-") for line in split)
    metrics = json.loads((tmp_path / "runs/moved-eval/metrics.json").read_text())
    assert list(metrics["models"]) == ["base", "tuned"] and metrics["cases"] == 3
    for model in metrics["models"].values():  # not a ranking: the grader's reward, no top@k
        assert "reward_mean" in model["metrics"] and "top@1" not in model["metrics"]
    assert (tmp_path / "runs/moved/best").is_dir()
    assert not (tmp_path / "data").exists() and not (tmp_path / "reports").exists()  # nothing of the demo's

    # The flow's last stage wrote the report: rewards, sub-scores and references, no gene columns.
    report = tmp_path / "runs/moved-eval/report.html"
    assert report.is_file() and "report runs/moved-eval/report.html" in done.stdout
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "`make setup` installs Debian's chromium"
    browser = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,1800"]
    dom = subprocess.run([*browser, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    assert dom.count('class="case-row"') == 6  # 3 cases x base and tuned
    assert "<th>reference</th>" in dom and "<th>reward</th>" in dom and "<th>sub-scores</th>" in dom
    assert "ranked genes" not in dom and "number 100" in dom and "close " in dom
    assert "No difference detected" in dom or " beats " in dom or "falls behind" in dom
    shot = tmp_path / "report.png"
    subprocess.run([*browser, f"--screenshot={shot}", report.as_uri()], capture_output=True, timeout=120, check=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
