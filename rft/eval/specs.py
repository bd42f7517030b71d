"""Which models to evaluate: `base`, `baseline`, `adapter:PATH`, `endpoint:MODEL`, `answers:PATH`
(answers saved earlier, one per case: an eval's cases/LABEL.jsonl, or any JSONL with the case id and
a `completion`), each optionally named with `label=`, e.g. `tuned=adapter:runs/demo/best`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rft.errors import RftInputError

KINDS = ("base", "baseline", "adapter", "endpoint", "answers")
WITH_TARGET = ("adapter", "endpoint", "answers")


@dataclass(frozen=True)
class ModelSpec:
    label: str
    kind: str
    target: str | None = None  # the adapter folder or the endpoint's model name

    @property
    def text(self) -> str:
        return self.kind + (f":{self.target}" if self.target else "")


def _default_label(kind: str, target: str | None) -> str:
    if kind == "answers":
        return Path(target).stem
    if kind == "adapter":
        path = Path(target)
        # runs/demo/best -> demo; runs/demo/checkpoint-40 -> demo/checkpoint-40
        return path.parent.name if path.name == "best" else f"{path.parent.name}/{path.name}"
    return target if kind == "endpoint" else kind


def parse_spec(text: str, source: str = "--model") -> ModelSpec:
    label, sep, rest = text.partition("=")
    if not sep:
        label, rest = "", text
    kind, _, target = rest.partition(":")
    kind, target = kind.strip(), target.strip() or None
    if kind not in KINDS:
        raise RftInputError(source, f"unknown model kind '{kind}' in {text!r}; use one of: "
                            "base, baseline, adapter:PATH, endpoint:MODEL, answers:PATH", field="eval.models")
    if (kind in WITH_TARGET) != (target is not None):
        raise RftInputError(source, f"{kind} {'needs' if target is None else 'takes no'} a ':' part in {text!r}",
                            field="eval.models")
    return ModelSpec(label.strip() or _default_label(kind, target), kind, target)


def parse_specs(texts: list[str], source: str = "--model") -> list[ModelSpec]:
    specs = [parse_spec(t, source) for t in texts]
    labels = [s.label for s in specs]
    if len(set(labels)) != len(labels):
        raise RftInputError(source, f"two models share a label: {labels}; name them with label=spec",
                            field="eval.models")
    if not specs:
        raise RftInputError(source, "no model to evaluate", field="eval.models")
    return specs
