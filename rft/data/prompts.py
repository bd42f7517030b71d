"""Every prompt template, in one place; `prompt.template` in params.yaml picks one.

A prompt carries only what a clinician sees: sex, ages and phenotype labels. Never the gene,
the disease, the variant, the PMID or the phenopacket id (which often holds the PMID).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from string import Template

from rft.config import PromptConfig
from rft.data.candidates import Shortlist, candidates_block
from rft.data.case import Case

ANSWER_FORMAT = '{"reasoning": "...", "genes": ["GENE1", "GENE2", "..."]}'

GENE_RANKING_INSTRUCTIONS = (
    "List the genes that may be responsible for this patient's disease, most likely first, "
    "with a short reasoning. Use HGNC gene symbols. Answer with JSON only, in the form "
    + ANSWER_FORMAT
)


@dataclass(frozen=True)
class PromptTemplate:
    system: str | None
    user: Template


TEMPLATES: dict[str, PromptTemplate] = {
    # In the spirit of OpenAI's Dec 2024 demo: an expert persona and the full case report.
    "gene_ranking": PromptTemplate(
        system="You are an expert in clinical genetics and rare diseases.",
        user=Template(
            "Case report\n${facts}\n\nPresent phenotypes:\n${present}\n\n"
            "Excluded phenotypes (looked for and absent):\n${excluded}\n\n" + GENE_RANKING_INSTRUCTIONS
        ),
    ),
    # One user message and no persona: shorter, for small models with little context.
    "gene_ranking_compact": PromptTemplate(
        system=None,
        user=Template(
            "${facts}\nPresent: ${present_inline}\nAbsent: ${excluded_inline}\n" + GENE_RANKING_INSTRUCTIONS
        ),
    ),
}

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T.*)?$")
_UNITS = ("year", "month", "week", "day")


def humanize_age(value: str) -> str:
    """'P3Y6M' -> '3 years 6 months'; labels such as 'Congenital onset' pass through."""
    match = _DURATION.match(value)
    if not match or not any(match.groups()):
        return value
    parts = [f"{int(n)} {unit}{'s' if int(n) != 1 else ''}" for n, unit in zip(match.groups(), _UNITS) if n]
    return " ".join(parts) if parts else value


_SEX = {"MALE": "male", "FEMALE": "female", "OTHER_SEX": "other", "UNKNOWN_SEX": "unknown"}


def _facts(case: Case) -> str:
    lines = [f"Sex: {_SEX.get(case.sex, 'unknown')}"]
    if case.onset:
        lines.append(f"Age at onset: {humanize_age(case.onset)}")
    if case.age_last_encounter:
        lines.append(f"Age at last examination: {humanize_age(case.age_last_encounter)}")
    return "\n".join(lines)


def render_messages(case: Case, config: PromptConfig, candidates: Shortlist | None = None) -> list[dict]:
    if config.template not in TEMPLATES:
        raise KeyError(f"unknown prompt template '{config.template}'; known: {', '.join(sorted(TEMPLATES))}")
    template = TEMPLATES[config.template]
    present = [p.label for p in case.present][: config.max_present]
    excluded = [p.label for p in case.excluded][: config.max_excluded] if config.include_excluded else []
    user = template.user.substitute(
        facts=_facts(case),
        present="\n".join(f"- {label}" for label in present),
        excluded="\n".join(f"- {label}" for label in excluded) or "- none recorded",
        present_inline="; ".join(present),
        excluded_inline="; ".join(excluded) or "none recorded",
    )
    if candidates is not None:  # before the instructions, so the model reads them last
        head, sep, tail = user.rpartition(GENE_RANKING_INSTRUCTIONS)
        onset = humanize_age(case.onset) if case.onset else None
        user = head + candidates_block(candidates, len(case.present), _SEX.get(case.sex, "unknown"), onset) + sep + tail
    messages = [{"role": "system", "content": template.system}] if template.system else []
    return messages + [{"role": "user", "content": user}]


def reference_completion(case: Case, candidates: list[str] | None = None) -> str:
    """A well-formed answer for the supervised warm-up: the right gene first, then the tool's other
    candidates (hybrid) so the model learns to re-rank rather than to name one gene."""
    labels = ", ".join(p.label for p in case.present[:3])
    others = [g for g in (candidates or []) if g != case.gene][:4]
    return json.dumps({"reasoning": f"The phenotypes ({labels}) fit {case.gene} best.",
                       "genes": [case.gene, *others]})


def to_training_line(case: Case, config: PromptConfig, candidates: Shortlist | None = None) -> dict:
    """A line in the OpenAI RFT layout: `messages` plus the fields a grader reads as `item`."""
    line = {
        "messages": render_messages(case, config, candidates),
        "correct_gene": case.gene,
        "hgnc_id": case.hgnc_id,
        "case_id": case.id,
        "disease_id": case.disease_id,
        "present_hpo": [p.id for p in case.present],
        "excluded_hpo": [p.id for p in case.excluded],
    }
    if candidates is not None:
        line["candidates"] = candidates.genes
        line["candidate_ranks"] = candidates.ranks
        if candidates.scores:
            line["candidate_scores"] = [round(s, 3) for s in candidates.scores]
        if candidates.shown is not None:
            line["candidates_shown"] = [candidates.genes[i] for i in candidates.shown]
    if config.reference_completion:
        line["reference_completion"] = reference_completion(case, candidates.genes if candidates else None)
    return line
