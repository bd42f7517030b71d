"""`{{ item.x }}` / `{{ sample.output_json.genes[0] }}` templates, compiled once and rendered fast.

Only the `item` and `sample` namespaces exist. A reference that does not resolve is an
`invalid_variable_error`; a reference into `sample.output_json` of an answer that is not JSON is a
`sample_parse_error` (the answer, not the grader, is at fault).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from rft.graders.result import GraderFault

SAMPLE_FIELDS = ("output_text", "output_json", "output_tools", "choices", "output_audio")
_REF = re.compile(r"\{\{\s*(.*?)\s*\}\}")
_TOKEN = re.compile(r"""\.?([A-Za-z_][A-Za-z0-9_\-]*)|\[\s*(-?\d+)\s*\]|\[\s*['"]([^'"]*)['"]\s*\]""")


class TemplateError(ValueError):
    """A template that can never resolve: found when a grader is validated."""


@dataclass(frozen=True, slots=True)
class Reference:
    text: str
    path: tuple  # namespace first, then keys (str) and indexes (int)

    def resolve(self, sample: dict, item: dict) -> object:
        namespace, *rest = self.path
        node: object = sample if namespace == "sample" else item
        for i, key in enumerate(rest):
            if namespace == "sample" and i == 1 and rest[0] == "output_json" and node is None:
                raise GraderFault("sample_parse_error", f"the answer is not JSON, so {{{{{self.text}}}}} is empty")
            try:
                node = node[key]  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                raise GraderFault("invalid_variable_error", f"{{{{{self.text}}}}} does not exist") from None
        if namespace == "sample" and rest == ["output_json"] and node is None:
            raise GraderFault("sample_parse_error", "the answer is not JSON")
        return node


def parse_reference(text: str) -> Reference:
    pos, path = 0, []
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise TemplateError(f"cannot parse '{{{{{text}}}}}' at '{text[pos:]}'")
        name, index, quoted = match.groups()
        path.append(name if name is not None else int(index) if index is not None else quoted)
        pos = match.end()
    if not path or path[0] not in ("item", "sample"):
        raise TemplateError(f"'{{{{{text}}}}}': the namespace must be 'item' or 'sample'")
    if path[0] == "sample" and (len(path) < 2 or path[1] not in SAMPLE_FIELDS):
        raise TemplateError(f"'{{{{{text}}}}}': sample has only {', '.join(SAMPLE_FIELDS)}")
    if path[0] == "item" and len(path) < 2:
        raise TemplateError(f"'{{{{{text}}}}}': name a field of the item, as in {{{{item.answer}}}}")
    return Reference(text=text, path=tuple(path))


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False)


class Template:
    """A string with references; `value` keeps a lone reference's raw value (a list stays a list)."""

    __slots__ = ("lone", "parts", "source")

    def __init__(self, source: str):
        if not isinstance(source, str):
            raise TemplateError(f"a template must be a string, got {type(source).__name__}")
        self.source = source
        self.parts: list[str | Reference] = []
        pos = 0
        for match in _REF.finditer(source):
            if match.start() > pos:
                self.parts.append(source[pos:match.start()])
            self.parts.append(parse_reference(match.group(1)))
            pos = match.end()
        if pos < len(source):
            self.parts.append(source[pos:])
        self.lone = self.parts[0] if len(self.parts) == 1 and isinstance(self.parts[0], Reference) else None

    @property
    def references(self) -> list[Reference]:
        return [p for p in self.parts if isinstance(p, Reference)]

    def render(self, sample: dict, item: dict) -> str:
        if self.lone is not None:
            return _text(self.lone.resolve(sample, item))
        return "".join(p if isinstance(p, str) else _text(p.resolve(sample, item)) for p in self.parts)

    def value(self, sample: dict, item: dict) -> object:
        if self.lone is not None:
            return self.lone.resolve(sample, item)
        return self.render(sample, item)
