"""Read a grader from a JSON or YAML file, or from params.yaml, with errors that say where.

Accepted as they come from OpenAI: a bare grader, the body of graders/validate (`{"grader": ...}`),
or a whole fine-tuning job (`{"method": {"reinforcement": {"grader": ...}}}`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from rft.errors import RftInputError
from rft.graders.schema import GraderConfig

_ADAPTER: TypeAdapter = TypeAdapter(GraderConfig)
_TYPE_TAGS = {"string_check", "text_similarity", "python", "score_model", "label_model", "endpoint",
              "reward_model", "ranked_list", "multi"}


def _unwrap(raw: Any) -> Any:
    if isinstance(raw, dict) and "type" not in raw:
        if isinstance(raw.get("grader"), dict):
            return raw["grader"]
        reinforcement = (raw.get("method") or {}).get("reinforcement") if isinstance(raw.get("method"), dict) else None
        if isinstance(reinforcement, dict) and isinstance(reinforcement.get("grader"), dict):
            rest = sorted({*(k for k in raw if k != "method"), *(k for k in reinforcement if k != "grader")})
            if rest:  # said, not dropped in silence: only `rft run --job` reads the rest of a job
                print(f"warning: only the grader of this job is read here; {', '.join(rest)} are not "
                      "(`rft run --job FILE` reads the whole job)", file=sys.stderr)
            return reinforcement["grader"]
    return raw


def _where(loc: tuple) -> str:
    """pydantic's location without the union tags it inserts: graders.name.input."""
    return ".".join(str(p) for i, p in enumerate(loc) if not (isinstance(p, str) and p in _TYPE_TAGS and
                                                               (i == 0 or loc[i - 1] not in ("graders",))))


def parse_grader(raw: Any, source: str, prefix: str = ""):
    raw = _unwrap(raw)
    if not isinstance(raw, dict):
        raise RftInputError(source, "a grader is a JSON object with a 'type'", field=prefix or None)
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(filter(None, [prefix, _where(first["loc"])]))
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "union_tag_invalid":
            message = f"unknown grader type {first['input'].get('type')!r}" if isinstance(first["input"], dict) \
                else message
        raise RftInputError(source, message, field=where or None) from err


def read_grader_file(path: str | Path) -> Any:
    path = Path(path)
    if not path.is_file():
        raise RftInputError(str(path), "grader file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise RftInputError(str(path), f"not UTF-8 ({err.reason} at byte {err.start})") from err
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            return YAML(typ="safe", pure=True).load(text)
        except YAMLError as err:
            raise RftInputError(str(path), f"not valid YAML: {err}") from err
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise RftInputError(str(path), f"not valid JSON: {err.msg} at column {err.colno}", line=err.lineno) from err


def load_grader(path: str | Path):
    return parse_grader(read_grader_file(path), str(path))


def grader_from_params(spec: Any, params_path: str = "params.yaml"):
    """`grader:` in params.yaml: an inline grader, or `{file: path}` (relative to the params file)."""
    if isinstance(spec, str) or (isinstance(spec, dict) and set(spec) == {"file"}):
        file = Path(spec if isinstance(spec, str) else spec["file"])
        if not file.is_absolute():
            file = Path(params_path).parent / file
        return load_grader(file)
    return parse_grader(spec, params_path, prefix="grader")
