"""How much of a model's answer is copied from the candidates its prompt listed (hybrid prompts).

A model that repeats the tool's list scores what the tool scores and looks as if it had learned to
rank; these figures tell the two apart:
- first_is_tools_first: the answer's first item is the tool's first candidate (any of them, when the
  tool's first place is a tie);
- copies_tools_order: the answer follows the tool's order for as long as both lists run (tied
  candidates may come in any order among themselves);
- copies_shown_order: the same for the order the prompt listed them in, when it was not the tool's
  (shuffled candidates);
- names_outside_candidates: share of the answer's names that the prompt did not list;
- invented_names: names that are neither in the prompt's list nor a known symbol.
Rates are over all cases; an answer without a list copies nothing.
"""

from __future__ import annotations

from collections.abc import Callable


def _slots(candidates: list[str], ranks: list[int] | None) -> list[set[str]]:
    """For each position of the tool's list, the candidates that may stand there (its tie group)."""
    ranks = ranks if ranks and len(ranks) == len(candidates) else list(range(1, len(candidates) + 1))
    groups: dict[int, set[str]] = {}
    for gene, rank in zip(candidates, ranks):
        groups.setdefault(rank, set()).add(gene)
    return [groups[r] for r in ranks]


def follows(listed: list[str], slots: list[set[str]]) -> bool:
    n = min(len(listed), len(slots))
    return n > 0 and all(listed[i] in slots[i] for i in range(n))


def copy_stats(rows: list[dict], records: list[dict], canonical: Callable[[str], str], known: set[str]) -> dict | None:
    """The figures above for one model's records; None when no prompt listed candidates."""
    if not any(isinstance(r.get("candidates"), list) for r in rows):
        return None
    first = ordered = as_shown = outside = named = invented = invented_cases = 0
    reordered = any(isinstance(r.get("candidates_shown"), list) for r in rows)
    for row, record in zip(rows, records):
        candidates = [canonical(g) for g in row.get("candidates") or []]
        listed = record.get("ranked") or []
        if not candidates or not listed:
            continue
        slots = _slots(candidates, row.get("candidate_ranks"))
        first += listed[0] in slots[0]
        ordered += follows(listed, slots)
        if reordered:
            as_shown += follows(listed, [{canonical(g)} for g in row.get("candidates_shown") or []])
        shown = set(candidates)
        new = [g for g in listed if g not in shown]
        made_up = [g for g in new if g not in known]
        named += len(listed)
        outside += len(new)
        invented += len(made_up)
        invented_cases += bool(made_up)
    n = len(records) or 1
    return {"first_is_tools_first": first / n, "copies_tools_order": ordered / n,
            **({"copies_shown_order": as_shown / n} if reordered else {}),
            "names_outside_candidates": outside / named if named else 0.0,
            "invented_names": invented, "cases_with_invented_names": invented_cases / n}
