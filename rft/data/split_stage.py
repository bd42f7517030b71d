"""Stage `split` on files: read cases or ready lines, split them, write every output atomically."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

from pydantic import ValidationError

from rft.config import PromptConfig, SplitConfig
from rft.data.candidates import CandidateEvidence, Shortlist, shuffled
from rft.data.case import Case
from rft.data.prompts import to_training_line
from rft.data.split import SplitResult, split_lines
from rft.errors import from_validation_error
from rft.fingerprint import fingerprint
from rft.jsonl import atomic_open, iter_numbered


def lines_from_cases(path: str | Path, prompt: PromptConfig) -> list[tuple[int, dict]]:
    """Render each case of cases.jsonl into a training line, checking it against the Case model."""
    numbered = []
    ranker = finder = None
    if prompt.candidates:  # hybrid prompts: the classical baseline proposes, the model re-ranks
        from rft.models.evidence import EvidenceFinder
        from rft.models.phenotype_ranker import PhenotypeRanker

        ranker = PhenotypeRanker.load()
        finder = EvidenceFinder(ranker) if prompt.evidence else None
    for number, obj in iter_numbered(path):
        try:
            case = Case.model_validate(obj)
        except ValidationError as err:
            raise from_validation_error(str(path), err, line=number) from err
        shortlist = _shortlist(case, ranker, finder, prompt) if ranker else None
        numbered.append((number, to_training_line(case, prompt, shortlist)))
    return numbered


def _shortlist(case: Case, ranker, finder, prompt: PromptConfig) -> Shortlist:
    ranked = ranker.rank([p.id for p in case.present], prompt.candidates)
    evidence = None
    if finder is not None:
        labels = {p.id: p.label for p in [*case.present, *case.excluded]}
        excluded = [p.id for p in case.excluded] if prompt.include_excluded else []
        found = [finder.find(g, [p.id for p in case.present], excluded) for g in ranked.genes]
        evidence = [CandidateEvidence([labels[t] for t in e.matched], e.shown_share, e.inheritance, e.onset,
                                      [labels[t] for t in e.excluded]) for e in found]
    order = shuffled(len(ranked.genes), case.id) if prompt.candidate_order == "shuffled" else None
    return Shortlist(ranked.genes, ranked.tie_ranks(), ranked.tied_beyond(), ranked.scores, evidence, order)


def lines_from_file(path: str | Path) -> list[tuple[int, dict]]:
    """A user's own dataset, already in the OpenAI RFT layout."""
    return list(iter_numbered(path, required=("messages",)))


def split_key(source: str | Path, cfg: SplitConfig, prompt: PromptConfig) -> str:
    """What a split depends on: the source's content and the split and prompt settings."""
    return fingerprint([source], [cfg.model_dump(), prompt.model_dump()])


def ensure_split(params) -> bool:
    """Split the params' lines (or cases) into split.out_dir unless it already holds this very split;
    True when it split. Drivers that need a split (rft ablate) call it, so a changed setting is never
    met with a stale split. OpenAI's two files (data.train, data.valid) are taken as they are."""
    from rft.data.given_split import given_key, take_given_files

    given = params.data.given()
    source = params.data.lines or params.data.cases
    key = given_key(given, params.validate_.id_field) if given else split_key(source, params.split, params.prompt)
    recorded = Path(params.split.out_dir) / "split.json"
    if recorded.is_file() and (Path(params.split.out_dir) / "train.jsonl").is_file():
        try:
            if json.loads(recorded.read_text(encoding="utf-8")).get("key") == key:
                return False
        except ValueError:  # an unreadable split.json: split again
            pass
    if given:
        take_given_files(params.split.out_dir, given, params.validate_.id_field)
        return True
    which = {"lines": params.data.lines} if params.data.lines else {"cases": params.data.cases}
    split_files(params.split.out_dir, params.split, params.prompt, **which)
    return True


def split_files(out_dir: str | Path, cfg: SplitConfig, prompt: PromptConfig,
                cases: str | Path | None = None, lines: str | Path | None = None) -> SplitResult:
    if (cases is None) == (lines is None):
        raise ValueError("give exactly one of cases= or lines=")
    source = str(cases if cases is not None else lines)
    numbered = lines_from_cases(cases, prompt) if cases is not None else lines_from_file(lines)
    result = split_lines(numbered, cfg, source)
    out_dir = Path(out_dir)
    # All files are renamed into place together, only once every one was written.
    with ExitStack() as stack:
        for name, rows in result.splits.items():
            fh = stack.enter_context(atomic_open(out_dir / f"{name}.jsonl"))
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        fh = stack.enter_context(atomic_open(out_dir / "split.json"))
        json.dump({"source": source, "group_by": cfg.group_by, "seed": cfg.seed,
                   "key": split_key(source, cfg, prompt), **result.summary()}, fh, indent=2)
    for stale in ({"train", "valid", "test"} - set(result.splits)):
        (out_dir / f"{stale}.jsonl").unlink(missing_ok=True)
    return result
