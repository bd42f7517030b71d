"""`ranked_list` (ours, for the gene demo): reward by the rank of the right answer in a list.

Decay, with r the 1-based rank of the reference and M = max_rank (0 when absent or r > M):
  linear       1 - (r - 1) / M      1.0 at rank 1, 1/M at rank M
  reciprocal   1 / r
  exponential  0.5 ** (r - 1)
Scores beside the reward: top@k for each k in top_k (1 or 0), top@max (the answer anywhere in the
list) and rank. Symbols are compared after normalising case, spaces and stray punctuation, then
mapping through an alias table (for genes: previous symbols to current HGNC symbols).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import NamedTuple

from rft.graders.base import Grader, Scored
from rft.graders.result import GraderFault
from rft.graders.templates import Template

_STRAY = " \t\r\n\"'`*.,;:()[]{}"
_GENES_KEY = re.compile(r'"genes"\s*:\s*\[')
_DECODER = json.JSONDecoder()


def load_aliases(spec: dict[str, str] | str | None) -> dict[str, str]:
    """Alias -> canonical symbol, keys and values normalised; a str is a .json or .tsv file."""
    if spec is None:
        return {}
    if isinstance(spec, str):
        path = Path(spec)
        if path.suffix == ".json":
            spec = json.loads(path.read_text(encoding="utf-8"))
        else:
            with path.open(encoding="utf-8") as fh:
                spec = {row[0]: row[1] for row in csv.reader(fh, delimiter="\t") if len(row) >= 2}
    return {normalise(k): normalise(v) for k, v in spec.items()}


def normalise(symbol: object) -> str:
    if isinstance(symbol, dict):  # [{"gene": "KCNT1", ...}] is a list of genes too
        symbol = symbol.get("gene") or symbol.get("symbol") or symbol.get("name") or ""
    return "".join(str(symbol).strip(_STRAY).split()).upper()


def find_list(text: str) -> list | None:
    """A JSON list in free text: the value of "genes" first, else the first list that parses."""
    match = _GENES_KEY.search(text)
    starts = [match.end() - 1] if match else []
    starts += [m.start() for m in re.finditer(r"\[", text)][:20]
    for start in starts:
        try:
            value, _ = _DECODER.raw_decode(text, start)
        except ValueError:
            continue
        if isinstance(value, list) and value:
            return value
    return None


def rank_reward(rank: int | None, max_rank: int, decay: str) -> float:
    if rank is None or rank > max_rank:
        return 0.0
    if decay == "linear":
        return 1.0 - (rank - 1) / max_rank
    if decay == "reciprocal":
        return 1.0 / rank
    return 0.5 ** (rank - 1)


def rank_flags(rank: int | None, top_k: list[int]) -> dict[str, float]:
    """top@k for each k (1 or 0), and top@max: the answer anywhere in the list."""
    return {**{f"top@{k}": float(rank is not None and rank <= k) for k in top_k}, "top@max": float(rank is not None)}


class Ranking(NamedTuple):
    listed: list[str]  # canonical symbols, each once, in the answer's order
    rank: int | None  # 1-based rank of the reference in `listed`; None: absent
    firsts: list[int]  # where each listed symbol first occurs in the answer's raw list
    repeats: int  # names given more than once (their later occurrences are ignored)


class RankedListGrader(Grader):
    type = "ranked_list"

    def __init__(self, config):
        super().__init__(config)
        self.input = Template(config.input)
        self.reference = Template(config.reference)
        self.aliases = load_aliases(config.aliases)

    def canonical(self, symbol: object) -> str:
        key = normalise(symbol)
        return self.aliases.get(key, key)

    def ranked(self, sample: dict, item: dict) -> list:
        try:
            value = self.input.value(sample, item)
        except GraderFault as fault:
            if fault.flag != "sample_parse_error" or not self.config.free_text_fallback:
                raise
            value = find_list(sample.get("output_text") or "")
            if value is None:
                raise
        if isinstance(value, str):
            parsed = find_list(value)
            if parsed is None:
                raise GraderFault("sample_parse_error", "no JSON list in the answer")
            value = parsed
        if not isinstance(value, list):
            raise GraderFault("sample_parse_error", f"expected a list, got {type(value).__name__}")
        return value

    def ranking(self, sample: dict, item: dict) -> Ranking:
        """The answer's list, canonical and without repeats, and the rank of the reference in it.
        Raises GraderFault when the answer holds no list."""
        reference = self.reference.value(sample, item)
        answers = {self.canonical(r) for r in (reference if isinstance(reference, list) else [reference])}
        seen: dict[str, int] = {}
        named = 0
        for position, symbol in enumerate(self.ranked(sample, item)):
            key = self.canonical(symbol)
            if key:
                named += 1
                seen.setdefault(key, position)  # a repeated symbol keeps its first rank
        listed = list(seen)
        rank = next((i for i, key in enumerate(listed, start=1) if key in answers), None)
        return Ranking(listed, rank, list(seen.values()), named - len(listed))

    def score(self, sample: dict, item: dict) -> Scored:
        rank = self.ranking(sample, item).rank
        scores = {**rank_flags(rank, self.config.top_k), "rank": float(rank or 0)}
        return Scored(rank_reward(rank, self.config.max_rank, self.config.decay), scores=scores)
