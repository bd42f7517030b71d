"""The typed configuration: `params.yaml` read into pydantic models.

Read with ruamel (YAML 1.2), not PyYAML: `dvc exp run -S lr=2e-5` writes `2e-05`, which
PyYAML would read as a string.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from rft.ablate.config import AblateConfig
from rft.errors import RftInputError, from_validation_error
from rft.eval.config import EvalConfig
from rft.registry.config import RegistryConfig
from rft.train.config import ModelSettings, TrackingSettings, TrainSettings


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataConfig(_Section):
    # Your own lines in the OpenAI RFT layout: the pipeline splits these and skips the phenopacket import.
    lines: str | None = None
    # Or OpenAI's two files, already split: taken as they are (an id is added where a line has none).
    train: str | None = None
    valid: str | None = None
    source: str = "data/phenopacket-store-dev.tar.gz"
    cases: str = "data/cases.jsonl"
    skip_bad_files: bool = False
    max_file_mb: float = Field(16, gt=0, description="largest phenopacket file read (archives can hide gigabytes)")
    max_total_mb: float = Field(4096, gt=0, description="most bytes read from a source in all")

    @model_validator(mode="after")
    def _one_source(self) -> DataConfig:
        if (self.train is None) != (self.valid is None):
            raise ValueError("give both data.train and data.valid (OpenAI's two files), or neither")
        if self.train is not None and self.lines is not None:
            raise ValueError("give data.lines (split here) or data.train and data.valid (split already), not both")
        return self

    def given(self) -> dict[str, str] | None:
        """The user's own train and valid files, when the data come split."""
        return {"train": self.train, "valid": self.valid} if self.train is not None else None


class PromptConfig(_Section):
    template: str = "gene_ranking"
    include_excluded: bool = True
    max_present: int | None = Field(None, ge=1, description="keep at most this many present phenotypes")
    max_excluded: int | None = Field(None, ge=0)
    # Hybrid prompts: list the classical baseline's top-k genes in each prompt (0: off), so the model
    # re-ranks what a phenotype-matching tool proposes.
    candidates: int = Field(0, ge=0, le=100)
    # With candidates: what the HPO annotations say about each one (phenotypes it explains, the share of
    # its phenotypes the patient shows, inheritance, onset, and with include_excluded the phenotypes
    # recorded as absent that it causes), so a model can re-rank by reading instead of copying.
    evidence: bool = False
    # The candidates' order in the prompt: the tool's, or drawn from the case id (the score is shown).
    candidate_order: Literal["tool", "shuffled"] = "tool"
    # Add `reference_completion` (a JSON answer naming the right gene) for the supervised warm-up.
    reference_completion: bool = True


class SplitConfig(_Section):
    out_dir: str = "data/splits"
    seed: int = 13
    # null: every line its own group, a seeded random split (nothing then guards against leaks).
    group_by: str | None = "correct_gene"
    # Groups that share a value of any of these fields go to the same side (RAG1 and DCLRE1C
    # both cause Omenn syndrome, so a gene-disjoint split keeps them together).
    link_by: list[str] = ["disease_id"]
    train_size: int | None = Field(1100, ge=1, description="None: every remaining line")
    valid_size: int = Field(200, ge=1)
    test_size: int = Field(0, ge=0)
    per_group_cap: int | None = Field(5, ge=1, description="at most this many lines per group value")


class AuditConfig(_Section):
    """The shortcut audit beside validation (rft/data/audit.py): which list fields hold the present and
    the excluded phenotypes, and whether to compare excluded terms with the HPO annotations."""
    present: str = "present_hpo"
    excluded: str = "excluded_hpo"
    annotations: bool = True


class ValidateConfig(_Section):
    id_field: str = "case_id"
    answer_field: str | None = "correct_gene"
    # Fields every line must have, with their JSON type (str, number, bool, list, object).
    required: dict[str, Literal["str", "number", "bool", "list", "object"]] = {
        "correct_gene": "str", "hgnc_id": "str", "case_id": "str"}
    hpo_fields: list[str] = ["present_hpo", "excluded_hpo"]
    report: str = "reports/validation.json"
    data_docs: str | None = "reports/validation_docs"
    examples: int = Field(5, ge=1, le=100)
    # Present/excluded phenotype counts per case and group, and what the excluded list gives away;
    # skipped for lines without both fields; null: off.
    shortcut_audit: AuditConfig | None = AuditConfig()


class ReportConfig(_Section):
    """The stakeholder report the pipeline's last stage writes (rft/report)."""
    out: str = "reports/report.html"
    title: str = "rft: reinforcement fine-tuning report"
    # For tasks that are not rankings: an answer passes at this reward. None: the grader's own
    # pass_threshold where it has one, else no pass/fail column (the reward is shown either way).
    pass_threshold: float | None = None


DEMO_GRADER = {
    "type": "ranked_list", "name": "gene_rank", "input": "{{sample.output_json.genes}}",
    "reference": "{{item.correct_gene}}", "max_rank": 10, "decay": "linear", "top_k": [1, 5],
}


class Params(_Section):
    # A named set of overrides from configs/profiles/NAME.yaml (smoke: minutes on a CPU), merged over
    # this file; --set wins over both. None: this file as written.
    profile: str | None = None
    data: DataConfig = DataConfig()
    prompt: PromptConfig = PromptConfig()
    split: SplitConfig = SplitConfig()
    validate_: ValidateConfig = Field(ValidateConfig(), alias="validate")
    # An inline grader in OpenAI's JSON schema, or {file: path}; checked by rft.graders.load.
    grader: dict[str, Any] | str = DEMO_GRADER
    # OpenAI's response_format ({type: json_schema, json_schema: {name, schema}}): answers that do not
    # match the schema score 0 with sample_parse_error (sampling here is not constrained to it).
    response_format: dict[str, Any] | None = None
    model: ModelSettings = ModelSettings()
    train: TrainSettings = TrainSettings()
    eval: EvalConfig = EvalConfig()
    registry: RegistryConfig = RegistryConfig()
    tracking: TrackingSettings = TrackingSettings()
    ablate: AblateConfig = AblateConfig()
    report: ReportConfig = ReportConfig()

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    _graders: Any = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:  # the settings, not whether graders were resolved yet
        return isinstance(other, Params) and self.model_dump() == other.model_dump()

    __hash__ = None

    @property
    def graders(self):
        """The graders, typed and weighted (a `GraderSet`), resolved once: by `load_params` relative to the
        params file, or here relative to the working folder for params built in code."""
        if self._graders is None:
            from rft.graders.grader_set import GraderSet

            self._graders = GraderSet.resolve(self.grader, self.train.graders, DEFAULT_PARAMS, self.response_format)
        return self._graders


def apply_overrides(raw: dict, overrides: list[str], source: str = "--set") -> dict:
    """`train.hyperparameters.batch_size=4`: dotted keys, values read as YAML (4 is a number)."""
    for override in overrides:
        key, sep, text = override.partition("=")
        if not sep or not key.strip():
            raise RftInputError(source, f"expected key=value, got {override!r}")
        try:
            value = YAML(typ="safe", pure=True).load(text) if text.strip() else ""
        except YAMLError as err:
            raise RftInputError(source, f"cannot read the value of {key}: {err}", field=key) from err
        node = raw
        parts = key.strip().split(".")
        for part in parts[:-1]:
            if not isinstance(node.setdefault(part, {}), dict):
                raise RftInputError(source, f"{part} is not a section", field=key)
            node = node[part]
        node[parts[-1]] = value
    return raw


PROFILES = Path(__file__).resolve().parents[1] / "configs" / "profiles"


def profile_path(name: str, params_path: Path) -> Path:
    """A .yaml path, or NAME in configs/profiles beside the params file (else beside the package)."""
    if name.endswith((".yaml", ".yml")):
        return Path(name)
    for folder in (params_path.parent / "configs" / "profiles", PROFILES):
        if (folder / f"{name}.yaml").is_file():
            return folder / f"{name}.yaml"
    known = sorted(p.stem for p in PROFILES.glob("*.yaml"))
    raise RftInputError(str(params_path), f"unknown profile '{name}'; known: {', '.join(known)}", field="profile")


def deep_merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        out[key] = deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _read_yaml(path: Path) -> dict:
    try:
        raw = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8")) or {}
    except (YAMLError, UnicodeDecodeError, OSError) as err:
        raise RftInputError(str(path), f"not valid YAML: {err}") from err
    if not isinstance(raw, dict):
        raise RftInputError(str(path), "expected a mapping at the top level")
    return raw


DEFAULT_PARAMS = Path("params.yaml")


def load_params(path: str | Path | None = DEFAULT_PARAMS, overrides: list[str] | None = None,
                apply_profile: bool = True) -> Params:
    """Parse a params file, merge its profile, apply --set overrides; a bad file names the field.
    None, or the default params.yaml where there is none, gives the defaults; any other missing
    file is an error (a mistyped --params must not train on defaults)."""
    if path is None:
        path, raw = Path("(defaults)"), {}
    else:
        path = Path(path)
        if not path.exists() and path != DEFAULT_PARAMS:
            raise RftInputError(str(path), "no such params file")
        raw = _read_yaml(path) if path.exists() else {}
    raw = apply_overrides(raw, overrides or [])  # first, so that --set profile=NAME picks the profile
    if apply_profile and raw.get("profile"):
        where = profile_path(str(raw["profile"]), path)
        raw = apply_overrides(deep_merge(raw, _read_yaml(where)), overrides or [])
    try:
        params = Params.model_validate(raw)
    except ValidationError as err:
        raise from_validation_error(str(path), err) from err
    from rft.graders.grader_set import GraderSet

    # Resolved here, once: a broken grader is refused with the params file, and files are read relative to it.
    params._graders = GraderSet.resolve(params.grader, params.train.graders, path, params.response_format)
    return params
