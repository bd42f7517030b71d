"""Turn split files into the flat tables that the expectations run on.

Each row keeps `where` (file:line) so that a failed expectation can point at the lines.
Shapes that GX cannot see directly (a field's JSON type, the structure of `messages`) become
plain columns here.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

import pandas as pd

ROLES = {"system", "developer", "user", "assistant", "tool"}
HPO_ID = r"^HP:\d{7}$"


def json_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "str", list: "list", dict: "object", type(None): "null"}.get(type(value), "other")


def messages_shape(messages: object) -> str:
    """'ok', or a short reason the `messages` field is not a usable chat prompt."""
    if messages is None:
        return "missing"
    if not isinstance(messages, list):
        return f"not a list ({json_type(messages)})"
    if not messages:
        return "empty"
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            return f"message {i} is not an object"
        if msg.get("role") not in ROLES:
            return f"message {i} has role {msg.get('role')!r}"
        if not isinstance(msg.get("content"), (str, list)):
            return f"message {i} has no text content"
    return "ok"


def prompt_text(messages: object) -> str:
    """All text the model is shown; content parts of type text are joined."""
    if not isinstance(messages, list):
        return ""
    parts = []
    for msg in messages:
        content = msg.get("content") if isinstance(msg, dict) else None
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts += [p.get("text", "") for p in content if isinstance(p, dict)]
    return "\n".join(parts)


def answer_in_prompt(answer: object, prompt: str) -> bool:
    """The answer as a whole word of the prompt, in any case ("Gout" gives away "gout"), outside a hybrid
    prompt's candidates block."""
    from rft.data.candidates import strip_candidates

    if not isinstance(answer, str) or not answer.strip():
        return False
    prompt = strip_candidates(prompt)
    pattern = r"(?<![A-Za-z0-9_-])" + re.escape(answer.strip()) + r"(?![A-Za-z0-9_-])"
    return re.search(pattern, prompt, flags=re.IGNORECASE) is not None


def group_key(value: object) -> object:
    """How groups compare across splits, as the split compares them (rft.data.split.compare_form)."""
    from rft.data.split import compare_form

    key = _key(value)
    return compare_form(key) if isinstance(key, str) else key


def _key(value: object) -> object:
    """A comparable text form of a field value, None when absent (ids and keys may be numbers)."""
    if value is None:
        return None
    if isinstance(value, (str, int, float, bool)):
        return str(value)
    return json.dumps(value, sort_keys=True)


@dataclass
class Frames:
    lines: pd.DataFrame  # one row per line, every split
    hpo: pd.DataFrame  # one row per HPO id in any hpo field


def build_frames(splits: dict[str, list[tuple[str, dict]]], *, id_field: str, group_by: str | None,
                 link_by: list[str], answer_field: str | None, required: dict[str, str],
                 hpo_fields: list[str]) -> Frames:
    """`splits` maps a split name to (where, line) pairs."""
    rows, hpo_rows = [], []
    for split, items in splits.items():
        for where, line in items:
            messages = line.get("messages")
            prompt = prompt_text(messages)
            last = messages[-1] if isinstance(messages, list) and messages else None
            row = {
                "split": split,
                "where": where,
                "id": _key(line.get(id_field)),
                "group": _key(line.get(group_by)) if group_by else None,
                "group_key": group_key(line.get(group_by)) if group_by else None,
                "messages_shape": messages_shape(messages),
                "last_role": last.get("role") if isinstance(last, dict) else None,
                "prompt_sha": hashlib.sha1(prompt.encode("utf-8")).hexdigest(),
                "answer_in_prompt": answer_in_prompt(line.get(answer_field), prompt) if answer_field else False,
            }
            for field in required:
                row[f"type:{field}"] = json_type(line[field]) if field in line else "missing"
            for link in link_by:
                row[f"link:{link}"] = _key(line.get(link))
            rows.append(row)
            for field in hpo_fields:
                if field not in line:
                    continue
                values = line[field]
                if not isinstance(values, list):
                    values = [f"<{field} is a {json_type(values)}, not a list>"]
                hpo_rows += [{"where": where, "field": field, "hpo_id": str(v)} for v in values]
    return Frames(lines=pd.DataFrame(rows), hpo=pd.DataFrame(hpo_rows, columns=["where", "field", "hpo_id"]))
