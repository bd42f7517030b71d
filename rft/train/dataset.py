"""Training lines -> a TRL dataset: the chat `prompt`, and the whole line kept as the grader's item.

A prompt that does not fit the context (with room for the answer) is reported by file and line,
never silently truncated; `drop_long_prompts` drops such lines instead and counts them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rft.errors import RftInputError
from rft.jsonl import iter_numbered


@dataclass
class Lines:
    path: str
    numbers: list[int]
    rows: list[dict]
    dropped_long: int = 0
    longest_prompt: int = 0  # tokens, known once check_context has measured them

    def __len__(self) -> int:
        return len(self.rows)


def read_lines(path: str | Path) -> Lines:
    numbered = list(iter_numbered(path, required=("messages",)))
    if not numbered:
        raise RftInputError(str(path), "no lines")
    for number, row in numbered:
        messages = row["messages"]
        if not isinstance(messages, list) or not messages or not isinstance(messages[-1], dict) \
                or messages[-1].get("role") != "user":
            raise RftInputError(str(path), "messages must be a non-empty list ending with a user message",
                                line=number, field="messages")
    return Lines(str(path), [n for n, _ in numbered], [r for _, r in numbered])


def prompt_tokens(tokenizer, messages: list[dict]) -> int:
    # return_dict=False: transformers 5 otherwise returns a BatchEncoding, whose len() is its key count
    return len(tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False))


def check_context(lines: Lines, tokenizer, max_prompt: int, drop: bool) -> Lines:
    """Lines whose prompt fits in `max_prompt` tokens; the others are an error unless `drop`."""
    keep_numbers, keep_rows, long, longest = [], [], [], 0
    for number, row in zip(lines.numbers, lines.rows):
        n = prompt_tokens(tokenizer, row["messages"])
        if n > max_prompt:
            long.append((number, n))
        else:
            keep_numbers.append(number)
            keep_rows.append(row)
            longest = max(longest, n)
    if long and not drop:
        first = ", ".join(f"line {num} ({n} tokens)" for num, n in long[:5])
        raise RftInputError(lines.path, f"{len(long)} prompts do not fit the context of {max_prompt} prompt tokens "
                            f"(context minus max_completion_length): {first}; shorten them, raise "
                            "model.max_context, or set train.drop_long_prompts", field="messages")
    if not keep_rows:
        raise RftInputError(lines.path, "no prompt fits the context")
    return Lines(lines.path, keep_numbers, keep_rows, dropped_long=len(long), longest_prompt=longest)


def to_dataset(lines: Lines):
    """Columns: `prompt` (chat messages, for TRL) and `item` (the line as JSON, for graders)."""
    from datasets import Dataset

    return Dataset.from_dict({
        "prompt": [[{"role": m["role"], "content": m["content"]} for m in r["messages"]] for r in lines.rows],
        "item": [json.dumps(r, ensure_ascii=False) for r in lines.rows],
    })
