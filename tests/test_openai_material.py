"""OpenAI's own RFT material goes in unchanged: the cookbook's medical-phrase task has a `multi` grader
with no top-level name (OpenAI's jobs accept it), two python graders in the layout the cookbook builds
(`type`, `name`, `image_tag`, `source`), and prints the scores it gives; ours must be the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rft.graders import build_grader, load_grader, make_sample

GRADER = Path(__file__).resolve().parents[1] / "examples" / "openai-cookbook" / "phrase_grader.json"

# (the model's phrase, the reference, the combined score the cookbook printed for it)
PRINTED = [
    ("acute anterior uveitis", "recurring eye redness and pain", 0.3596153846153846),
    ("390 meq", "150 meq", 0.6071428571428571),
    ("adamts13 deficiency", "decreased adamts13 activity in serum", 0.5037037037037037),
    ("todd paralysis", "seizure", 0.16190476190476194),
    ("hypokalemia", "hypomagnesemia", 0.612),
]


def test_the_cookbook_multi_grader_without_a_name_validates():
    raw = json.loads(GRADER.read_text())
    assert "name" not in raw
    config = load_grader(GRADER)
    assert config.type == "multi" and set(config.graders) == {"clinical_phrase", "clinical_phrase_binary"}


@pytest.fixture(scope="module")
def phrase_grader():
    grader = build_grader(load_grader(GRADER))
    yield grader
    grader.close()


@pytest.mark.parametrize(("answer", "reference", "printed"), PRINTED, ids=[p[0] for p in PRINTED])
def test_the_cookbook_grader_scores_as_the_notebook_printed(phrase_grader, answer, reference, printed):
    result = phrase_grader.grade(make_sample(answer), {"reference_answer": reference})
    assert result.errors is None
    assert result.reward == pytest.approx(printed, abs=1e-12)


def test_an_exact_phrase_scores_one(phrase_grader):
    assert phrase_grader.grade(make_sample("gout"), {"reference_answer": "gout"}).reward == pytest.approx(1.0)
