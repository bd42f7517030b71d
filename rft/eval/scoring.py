"""Grade each answer: its rank of the right answer (the ranking metrics) and the params' reward."""

from __future__ import annotations

from rft.eval.runners import Answers
from rft.graders import build_grader, grade_batch, grader_from_params, make_sample
from rft.graders.ranked_list import rank_flags
from rft.graders.result import GraderFault
from rft.train.rewards import NamedGrader, weighted


def ranking_grader(cfg):
    """A ranked_list grader built from eval settings, or None when the task has no ranked answer."""
    if cfg.answer is None:
        return None
    config = grader_from_params({"type": "ranked_list", "name": "eval_rank", "input": cfg.ranked,
                                 "reference": cfg.answer, "max_rank": 10_000, "top_k": cfg.top_k,
                                 "free_text_fallback": True}, "params: eval")
    return build_grader(config)


def score_answers(rows: list[dict], answers: Answers, ranker, graders: list[NamedGrader],
                  id_field: str = "case_id") -> list[dict]:
    """One record per case: its id, the answer's ranked list, the rank of the right answer (None: a
    miss), top@k flags, whether no list could be read, the reward, tokens and the raw answer."""
    rewards = {g.name: [r.reward for r in grade_batch(g.grader, answers.texts, rows)] for g in graders}
    total = weighted(rewards, graders) if graders else [0.0] * len(rows)
    records = []
    for i, (row, text) in enumerate(zip(rows, answers.texts)):
        record = {"case_id": str(row.get(id_field, i)), "reward": total[i],
                  **{f"reward/{name}": values[i] for name, values in rewards.items()},
                  "completion_tokens": answers.tokens[i], "error": answers.errors[i] if answers.errors else None,
                  "completion": text}
        if ranker is not None:
            record.update(_rank(ranker, text, row))
        records.append(record)
    return records


def _rank(ranker, text: str, row: dict) -> dict:
    sample = make_sample(text)
    answer = ranker.reference.value(sample, row)
    try:
        listed, rank = ranker.ranking(sample, row)
    except GraderFault:  # no list in the answer: a miss, counted as a parse error
        listed, rank, failed = [], None, True
    else:
        failed = False
    return {"answer": answer, "ranked": listed, "rank": rank, "parse_error": failed,
            **rank_flags(rank, ranker.config.top_k)}
