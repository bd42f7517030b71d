"""The graders a run is scored by, resolved once when params load: `train.graders` (each with a weight)
or the one `grader`, files read relative to the params file. Training, in-training validation and
evaluation all grade and weight through one `GraderSet`, so the three cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rft.errors import RftInputError
from rft.graders.base import Grader
from rft.graders.batch import grade_batch
from rft.graders.build import build_grader
from rft.graders.load import load_grader, parse_grader


@dataclass(frozen=True)
class GraderSpec:
    name: str
    config: Any  # a GraderConfig, typed and checked
    weight: float = 1.0
    file: Path | None = None  # where it was read from, when it was not inline


@dataclass
class NamedGrader:
    """A built grader (it may hold a worker pool or a loaded judge), with its name and weight."""

    name: str
    grader: Grader
    weight: float = 1.0


def _config(spec: Any, base: Path, source: str, prefix: str) -> tuple[Any, Path | None]:
    """An inline grader, or `{file: path}` / `path` read relative to `base` (the params file's folder)."""
    if isinstance(spec, str) or (isinstance(spec, dict) and set(spec) == {"file"}):
        file = Path(spec if isinstance(spec, str) else spec["file"])
        file = file if file.is_absolute() else base / file
        return load_grader(file), file
    return parse_grader(spec, source, prefix=prefix), None


@dataclass(frozen=True)
class GraderSet:
    specs: tuple[GraderSpec, ...]
    response_format: dict | None = None  # OpenAI's; every answer is checked against its schema

    @classmethod
    def resolve(cls, grader: Any, weighted: list | None, params_file: str | Path,
                response_format: dict | None = None) -> GraderSet:
        """`weighted` (train.graders) wins over the single `grader`; errors name the params file."""
        source, base = str(params_file), Path(params_file).parent
        if response_format is not None:
            from rft.graders.response_format import schema_of

            schema_of(response_format, source)  # refused now, by field, if it cannot work
        if not weighted:
            config, file = _config(grader, base, source, "grader")
            return cls((GraderSpec(config.name, config, 1.0, file),), response_format)
        specs = []
        for i, entry in enumerate(weighted):
            if not isinstance(entry, dict) or "grader" not in entry:
                raise RftInputError(source, "each entry needs 'grader' (and optionally 'weight')",
                                    field=f"train.graders.{i}")
            config, file = _config(entry["grader"], base, source, f"train.graders.{i}.grader")
            try:
                weight = float(entry.get("weight", 1.0))
            except (TypeError, ValueError):
                raise RftInputError(source, "weight must be a number", field=f"train.graders.{i}.weight") from None
            specs.append(GraderSpec(config.name, config, weight, file))
        if len({s.name for s in specs}) != len(specs):
            raise RftInputError(source, "grader names must be unique", field="train.graders")
        return cls(tuple(specs), response_format)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.specs]

    @property
    def files(self) -> list[Path]:
        return [s.file for s in self.specs if s.file is not None]

    def content(self) -> list[dict]:
        """What the graders are, files read: part of the cache key of every stage that grades."""
        return [{"name": s.name, "weight": s.weight, "config": s.config.model_dump(mode="json")} for s in self.specs] \
            + ([{"response_format": self.response_format}] if self.response_format is not None else [])

    def build(self) -> list[NamedGrader]:
        """Live graders; close each (`close(built)`) when done."""
        if self.response_format is None:
            return [NamedGrader(s.name, build_grader(s.config), s.weight) for s in self.specs]
        from rft.graders.response_format import SchemaChecked, schema_of

        schema = schema_of(self.response_format, "response_format")
        return [NamedGrader(s.name, SchemaChecked(build_grader(s.config), schema), s.weight) for s in self.specs]


def weighted(rewards: dict[str, list[float]], graders: list[NamedGrader]) -> list[float]:
    """Per-answer weighted sum of the graders' rewards, as TRL's default sum_then_normalize aggregates."""
    names = [g.name for g in graders if g.name in rewards]
    n = len(rewards[names[0]]) if names else 0
    return [sum(g.weight * rewards[g.name][i] for g in graders if g.name in rewards) for i in range(n)]


def grade_all(graders: list[NamedGrader], texts: list[str], items: list[dict]) -> tuple[dict[str, list], list[float]]:
    """Every grader's results on the answers, and the weighted total per answer."""
    results = {g.name: grade_batch(g.grader, texts, items) for g in graders}
    rewards = {name: [r.reward for r in rs] for name, rs in results.items()}
    return results, (weighted(rewards, graders) if graders else [0.0] * len(texts))


def close(graders: list[NamedGrader]) -> None:
    for g in graders:
        g.grader.close()
