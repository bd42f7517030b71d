"""`text_similarity`: fuzzy_match, bleu, gleu, meteor, rouge_1..5, rouge_l and cosine.

Libraries as the field uses them: rapidfuzz (fuzzy_match = WRatio with default processing, the
graders guide's own example), nltk (bleu with method-1 smoothing so short answers are not all 0,
gleu, meteor) and rouge-score (F-measure). Text is split into word and punctuation tokens without
nltk's punkt data, which cannot be downloaded offline. METEOR's synonym stage needs WordNet: it is
used when nltk's wordnet corpus is installed, otherwise METEOR matches exact words and stems.
cosine needs a local embedding model (RFT_EMBEDDING_MODEL, a folder); without one the grader is
refused when it is built, with that reason.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

from rft.graders.base import Grader, Scored
from rft.graders.templates import Template

_WORDS = re.compile(r"\w+|[^\w\s]")


def tokens(text: str) -> list[str]:
    return _WORDS.findall(text)


class _NoWordNet:
    """Stands in for WordNet when its corpus is not installed: no synonyms, exact and stem matches stay."""

    def synsets(self, *args, **kwargs) -> list:
        return []


@lru_cache(maxsize=1)
def _wordnet():
    import nltk

    try:
        nltk.data.find("corpora/wordnet")
    except LookupError:
        return _NoWordNet()
    from nltk.corpus import wordnet

    return wordnet


@lru_cache(maxsize=8)
def _rouge(kind: str):
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer([kind])


def fuzzy_match(text: str, reference: str) -> float:
    from rapidfuzz import fuzz, utils

    return fuzz.WRatio(text, reference, processor=utils.default_process) / 100.0


def bleu(text: str, reference: str) -> float:
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

    hyp, ref = tokens(text), tokens(reference)
    if not hyp or not ref:
        return 0.0
    return float(sentence_bleu([ref], hyp, smoothing_function=SmoothingFunction().method1))


def gleu(text: str, reference: str) -> float:
    from nltk.translate.gleu_score import sentence_gleu

    hyp, ref = tokens(text), tokens(reference)
    return float(sentence_gleu([ref], hyp)) if hyp and ref else 0.0


def meteor(text: str, reference: str) -> float:
    from nltk.translate.meteor_score import meteor_score

    hyp, ref = tokens(text), tokens(reference)
    return float(meteor_score([ref], hyp, wordnet=_wordnet())) if hyp and ref else 0.0


def rouge(kind: str, text: str, reference: str) -> float:
    return float(_rouge(kind).score(reference, text)[kind].fmeasure)


METRICS = {
    "fuzzy_match": fuzzy_match, "bleu": bleu, "gleu": gleu, "meteor": meteor,
    **{f"rouge_{n}": (lambda t, r, k=f"rouge{n}": rouge(k, t, r)) for n in range(1, 6)},
    "rouge_l": lambda t, r: rouge("rougeL", t, r),
}


class CosineUnavailable(RuntimeError):
    pass


def embedding_model_path() -> str:
    path = os.environ.get("RFT_EMBEDDING_MODEL")
    if not path:
        raise CosineUnavailable("evaluation_metric 'cosine' is not available: no local embedding model is "
                                "configured (set RFT_EMBEDDING_MODEL to a folder with a transformers encoder)")
    if not os.path.isdir(path):
        raise CosineUnavailable(f"RFT_EMBEDDING_MODEL={path} is not a folder")
    return path


class TextSimilarityGrader(Grader):
    type = "text_similarity"

    def __init__(self, config):
        super().__init__(config)
        self.input = Template(config.input)
        self.reference = Template(config.reference)
        if config.evaluation_metric == "cosine":
            from rft.graders.embeddings import Embedder

            self.metric = Embedder(embedding_model_path()).cosine
        else:
            self.metric = METRICS[config.evaluation_metric]

    def score(self, sample: dict, item: dict) -> float | Scored:
        value = self.metric(self.input.render(sample, item), self.reference.render(sample, item))
        if self.config.pass_threshold is None:
            return value
        return Scored(value, scores={"passed": float(value >= self.config.pass_threshold)})
