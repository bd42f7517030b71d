"""Training lines in the OpenAI RFT layout; prompts never carry the answer or an identifier."""

from __future__ import annotations

import re

import pytest

from rft.config import PromptConfig
from rft.data.case import Case
from rft.data.prompts import TEMPLATES, humanize_age, render_messages, to_training_line
from rft.jsonl import read_jsonl


def _case(**overrides) -> Case:
    base = {"id": "PMID_123_P1", "sex": "FEMALE", "onset": "Congenital onset", "age_last_encounter": "P3Y6M",
            "present": [{"id": "HP:0001250", "label": "Seizure"}, {"id": "HP:0000252", "label": "Microcephaly"}],
            "excluded": [{"id": "HP:0001263", "label": "Global developmental delay"}],
            "gene": "SCN1A", "hgnc_id": "HGNC:10585", "disease_id": "OMIM:607208",
            "disease_label": "Dravet syndrome", "pmid": "PMID:123"}
    return Case.model_validate({**base, **overrides})


@pytest.mark.parametrize("raw, human", [
    ("P3Y6M", "3 years 6 months"), ("P1D", "1 day"), ("P6M", "6 months"), ("P1Y", "1 year"),
    ("P10W", "10 weeks"), ("Congenital onset", "Congenital onset"), ("gestational 30w", "gestational 30w"),
])
def test_humanize_age(raw, human):
    assert humanize_age(raw) == human


def test_training_line_layout():
    line = to_training_line(_case(), PromptConfig())
    assert set(line) >= {"messages", "correct_gene", "hgnc_id", "case_id"}
    assert line["correct_gene"] == "SCN1A" and line["hgnc_id"] == "HGNC:10585" and line["case_id"] == "PMID_123_P1"
    assert line["messages"][-1]["role"] == "user"
    assert line["present_hpo"] == ["HP:0001250", "HP:0000252"] and line["excluded_hpo"] == ["HP:0001263"]


def test_prompt_holds_the_case_report_and_the_answer_format():
    user = render_messages(_case(), PromptConfig())[-1]["content"]
    for text in ("Sex: female", "Age at onset: Congenital onset", "Age at last examination: 3 years 6 months",
                 "- Seizure", "- Microcephaly", "- Global developmental delay", '"genes"', '"reasoning"',
                 "most likely first"):
        assert text in user


def test_prompt_never_names_gene_disease_pmid_or_id():
    user = render_messages(_case(), PromptConfig())[-1]["content"]
    for secret in ("SCN1A", "HGNC:10585", "OMIM:607208", "Dravet", "PMID", "123"):
        assert secret not in user


def test_no_real_prompt_leaks_its_case(real_cases):
    config = PromptConfig()
    for raw in read_jsonl(real_cases):
        case = Case.model_validate(raw)
        text = "\n".join(m["content"] for m in render_messages(case, config))
        assert not re.search(rf"(?<![A-Za-z0-9-]){re.escape(case.gene)}(?![A-Za-z0-9-])", text), case.id
        assert case.id not in text and case.hgnc_id not in text
        if case.pmid:
            assert case.pmid.split(":")[1] not in text, case.id
        if case.disease_id:
            assert case.disease_id not in text


def test_compact_template_and_limits():
    config = PromptConfig(template="gene_ranking_compact", max_present=1, include_excluded=False)
    messages = render_messages(_case(), config)
    assert [m["role"] for m in messages] == ["user"]
    assert "Present: Seizure\n" in messages[0]["content"]
    assert "Microcephaly" not in messages[0]["content"]
    assert "Absent: none recorded" in messages[0]["content"]


def test_every_template_renders():
    for name in TEMPLATES:
        messages = render_messages(_case(), PromptConfig(template=name))
        assert messages[-1]["role"] == "user" and "Seizure" in messages[-1]["content"]


def test_unknown_template_lists_the_known_ones():
    with pytest.raises(KeyError, match="gene_ranking_compact"):
        render_messages(_case(), PromptConfig(template="nope"))
