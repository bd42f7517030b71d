"""One rare-disease case report, as `rft data import` writes it to cases.jsonl."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Phenotype(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^HP:\d{7}$")
    label: str


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    sex: str = "UNKNOWN_SEX"
    age_last_encounter: str | None = None
    onset: str | None = None
    present: list[Phenotype] = Field(min_length=1)
    excluded: list[Phenotype] = []
    gene: str
    hgnc_id: str
    disease_id: str | None = None
    disease_label: str | None = None
    pmid: str | None = None
