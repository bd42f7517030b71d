"""Stage `split` on files: read cases or ready lines, split them, write every output atomically."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

from pydantic import ValidationError

from rft.config import PromptConfig, SplitConfig
from rft.data.case import Case
from rft.data.prompts import Shortlist, to_training_line
from rft.data.split import SplitResult, split_lines
from rft.errors import from_validation_error
from rft.jsonl import atomic_open, iter_numbered


def lines_from_cases(path: str | Path, prompt: PromptConfig) -> list[tuple[int, dict]]:
    """Render each case of cases.jsonl into a training line, checking it against the Case model."""
    numbered = []
    ranker = None
    if prompt.candidates:  # hybrid prompts: the classical baseline proposes, the model re-ranks
        from rft.eval.baseline import PhenotypeRanker

        ranker = PhenotypeRanker.load()
    for number, obj in iter_numbered(path):
        try:
            case = Case.model_validate(obj)
        except ValidationError as err:
            raise from_validation_error(str(path), err, line=number) from err
        shortlist = None
        if ranker:
            ranked = ranker.rank([p.id for p in case.present], prompt.candidates)
            shortlist = Shortlist(ranked.genes, ranked.tie_ranks(), ranked.tied_beyond())
        numbered.append((number, to_training_line(case, prompt, shortlist)))
    return numbered


def lines_from_file(path: str | Path) -> list[tuple[int, dict]]:
    """A user's own dataset, already in the OpenAI RFT layout."""
    return list(iter_numbered(path, required=("messages",)))


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
        json.dump({"source": source, "group_by": cfg.group_by, "seed": cfg.seed, **result.summary()},
                  fh, indent=2)
    for stale in ({"train", "valid", "test"} - set(result.splits)):
        (out_dir / f"{stale}.jsonl").unlink(missing_ok=True)
    return result
