"""The gene demo's ranked-list grader as an OpenAI `python` grader: the pattern to copy.

Paste this file's text as the `source` of a {"type": "python"} grader (gene_rank_python.json holds
exactly that). It runs in OpenAI's grader image and in rft's sandbox alike: standard library only.
Scores as rft's built-in `ranked_list` with its defaults: 1.0 when the right gene is first, falling
linearly to 0 past rank 10.
"""

import json
import re

MAX_RANK = 10
STRAY = " \t\r\n\"'`*.,;:()[]{}"


def normalise(symbol):
    if isinstance(symbol, dict):
        symbol = symbol.get("gene") or symbol.get("symbol") or symbol.get("name") or ""
    return "".join(str(symbol).strip(STRAY).split()).upper()


def find_list(text):
    """The "genes" list of a JSON answer, or the first JSON list found in free text."""
    decoder = json.JSONDecoder()
    match = re.search(r'"genes"\s*:\s*\[', text)
    starts = ([match.end() - 1] if match else []) + [m.start() for m in re.finditer(r"\[", text)][:20]
    for start in starts:
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            continue
        if isinstance(value, list) and value:
            return value
    return []


def grade(sample, item):
    answer = sample.get("output_json")
    genes = answer.get("genes") if isinstance(answer, dict) else None
    if not isinstance(genes, list):
        genes = find_list(sample.get("output_text") or "")
    ranked = []
    for gene in genes:
        key = normalise(gene)
        if key and key not in ranked:
            ranked.append(key)
    target = normalise(item["correct_gene"])
    if target not in ranked:
        return 0.0
    rank = ranked.index(target) + 1
    return 1.0 - (rank - 1) / MAX_RANK if rank <= MAX_RANK else 0.0
