"""`rft grader run`: OpenAI's graders/run response from the command line."""

from __future__ import annotations

import json
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "graders"


def test_run_prints_the_graders_run_response(cli, tmp_path):
    answer = tmp_path / "answer.txt"
    answer.write_text('{"reasoning": "seizures", "genes": ["SCN1A", "KCNT1"]}')
    item = tmp_path / "item.json"
    item.write_text('{"correct_gene": "KCNT1"}')
    code, out, err = cli("grader", "run", EXAMPLES / "gene_rank.json", "--sample", f"@{answer}", "--item", f"@{item}")
    assert code == 0, err
    response = json.loads(out)
    assert response["reward"] == 0.9
    assert response["metadata"]["type"] == "ranked_list" and response["metadata"]["scores"]["rank"] == 2.0
    assert set(response["metadata"]["errors"]) >= {"invalid_variable_error", "sample_parse_error",
                                                   "python_grader_runtime_error_details"}
    assert response["metadata"]["execution_time"] >= 0


def test_run_uses_the_params_grader_by_default(cli):
    root = Path(__file__).resolve().parents[1]
    code, out, _ = cli("grader", "run", "--sample", '{"genes": ["KCNT1"]}', "--item", '{"correct_gene": "KCNT1"}',
                       "--params", root / "params.yaml")
    assert code == 0 and json.loads(out)["metadata"]["name"] == "gene_rank"


def test_run_with_a_bad_item_names_it(cli):
    code, _, err = cli("grader", "run", EXAMPLES / "gene_rank.json", "--sample", "x", "--item", "{not json")
    assert code == 2 and "--item" in err and "not JSON" in err


def test_run_reports_flags_not_a_crash(cli):
    code, out, _ = cli("grader", "run", EXAMPLES / "gene_rank.json", "--sample", "no list", "--item",
                       '{"correct_gene": "KCNT1"}')
    response = json.loads(out)
    assert code == 0 and response["reward"] == 0.0 and response["metadata"]["errors"]["sample_parse_error"] is True
