"""Stage `split`: lines -> train / valid (/ test), disjoint by a group key.

Groups are values of `group_by` (the causative gene by default), compared in any case ("KCNT1" and
"kcnt1" are one group). Values that share any `link_by` field (a disease) are merged into one
component, and a component never straddles two splits. Everything is deterministic for a seed.
`group_by: null` makes every line its own group: a seeded random split, with nothing guarding
against leaks between lines that belong together.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

from rft.config import SplitConfig
from rft.errors import RftInputError

SPLIT_ORDER = ("valid", "test", "train")  # held-out splits are filled first, from shuffled components


@dataclass
class SplitResult:
    splits: dict[str, list[dict]]
    groups: dict[str, list[str]]
    dropped_by_cap: int = 0
    dropped_to_size: int = 0
    components_merged: list[list[str]] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "sizes": {name: len(rows) for name, rows in self.splits.items()},
            "groups": {name: len(values) for name, values in self.groups.items()},
            "dropped_by_cap": self.dropped_by_cap,
            "dropped_to_size": self.dropped_to_size,
            "linked_groups": self.components_merged,
            "group_values": self.groups,
        }


def compare_form(text: str) -> str:
    """How group values compare, in the split and in the leak check: "KCNT1" and " kcnt1" are one group."""
    return text.strip().casefold()


def _group_value(line: dict, key: str | None, source: str, number: int) -> tuple[str, str]:
    """(how it compares, how it is shown)."""
    if key is None:
        return f"line {number}", f"line {number}"
    value = line.get(key)
    if value is None or value == "":
        raise RftInputError(source, "group key is missing or empty", line=number, field=key)
    if not isinstance(value, (str, int, bool)):
        raise RftInputError(source, f"group key must be a string or number, got {type(value).__name__}",
                            line=number, field=key)
    return compare_form(str(value)), str(value)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def linked_groups(rows: list[dict], group_by: str, link_by: list[str]) -> list[str | None]:
    """Each line's group as the split sees it: its `group_by` value, joined with every value it shares
    a `link_by` field with (None where the line has no group value)."""
    uf = _UnionFind()
    first_with_link: dict[tuple[str, str], str] = {}
    values = [None if row.get(group_by) in (None, "") else str(row[group_by]) for row in rows]
    for value, row in zip(values, rows):
        if value is None:
            continue
        uf.find(value)
        for link in link_by:
            linked = row.get(link)
            if linked not in (None, ""):
                uf.union(value, first_with_link.setdefault((link, str(linked)), value))
    return [None if value is None else uf.find(value) for value in values]


def _too_few(name: str, cfg: SplitConfig, splits: dict[str, list[dict]], lines: int, groups: int,
             components: int, capped: int) -> str:
    """Which settings to change, with the counts that decide it."""
    what = f"{groups} groups of '{cfg.group_by}'" if cfg.group_by else f"{lines} lines"
    if cfg.group_by and components < groups:
        what += f" ({components} once linked by {', '.join(cfg.link_by)})"
    filled = ", ".join(f"{n} {len(r)} lines" for n, r in splits.items())
    return (f"not enough data to fill the {name} split: {lines} lines, {what}; filled {filled}"
            + (f"; {capped} lines over split.per_group_cap={cfg.per_group_cap} left out" if capped else "")
            + f". Lower split.valid_size (now {cfg.valid_size})"
            + (f" or split.test_size (now {cfg.test_size})" if cfg.test_size else "")
            + (", set split.train_size: null (every remaining line)" if cfg.train_size is not None else "")
            + (", or group by a finer field (split.group_by)" if cfg.group_by else ""))


def split_lines(numbered: list[tuple[int, dict]], cfg: SplitConfig, source: str) -> SplitResult:
    """Split (line number, line) pairs; line numbers are only for error messages."""
    by_group: dict[str, list[dict]] = defaultdict(list)
    uf = _UnionFind()
    first_with_link: dict[tuple[str, str], str] = {}
    shown: dict[str, str] = {}  # the first spelling met names a group in the summary
    for number, line in numbered:
        value, spelled = _group_value(line, cfg.group_by, source, number)
        shown.setdefault(value, spelled)
        by_group[value].append(line)
        uf.find(value)
        for link in cfg.link_by:
            linked = line.get(link)
            if linked in (None, ""):
                continue
            other = first_with_link.setdefault((link, compare_form(str(linked))), value)
            uf.union(value, other)

    rng = random.Random(cfg.seed)
    dropped_by_cap = 0
    components: dict[str, list[str]] = defaultdict(list)
    for value in sorted(by_group):
        rows = by_group[value]
        if cfg.per_group_cap is not None and len(rows) > cfg.per_group_cap:
            keep = sorted(rng.sample(range(len(rows)), cfg.per_group_cap))
            dropped_by_cap += len(rows) - len(keep)
            by_group[value] = [rows[i] for i in keep]
        components[uf.find(value)].append(value)

    order = sorted(components)
    rng.shuffle(order)
    targets = {"valid": cfg.valid_size, "test": cfg.test_size, "train": cfg.train_size}
    splits: dict[str, list[dict]] = {name: [] for name in SPLIT_ORDER if targets[name] != 0}
    groups: dict[str, list[str]] = {name: [] for name in splits}
    dropped_to_size = 0
    names = iter(splits)
    current = next(names)
    for root in order:
        rows = [row for value in components[root] for row in by_group[value]]
        while current is not None and targets[current] is not None and len(splits[current]) >= targets[current]:
            current = next(names, None)
        if current is None:
            dropped_to_size += len(rows)
            continue
        room = len(rows) if targets[current] is None else targets[current] - len(splits[current])
        splits[current].extend(rows[:room])
        dropped_to_size += max(0, len(rows) - room)
        groups[current].extend(sorted(shown[v] for v in components[root]))

    for name, rows in splits.items():
        if not rows:
            raise RftInputError(source, _too_few(name, cfg, splits, len(numbered), len(by_group), len(components),
                                                 dropped_by_cap))
    merged = sorted(sorted(shown[v] for v in vs) for vs in components.values() if len(vs) > 1)
    return SplitResult(splits=splits, groups={k: sorted(v) for k, v in groups.items()},
                       dropped_by_cap=dropped_by_cap, dropped_to_size=dropped_to_size,
                       components_merged=merged)
