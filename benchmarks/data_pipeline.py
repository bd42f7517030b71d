"""Wall time of import -> split -> validate on the shipped archive, with Great Expectations apart.

Run: `.venv/bin/python benchmarks/data_pipeline.py [--repeat N]`. Aim: the three under 20 s on 2 cores.
Run it in a fresh process: the first GX import (seconds) is part of what a user waits for.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("RFT_NO_PROGRESS", "1")
ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--archive", default=str(ROOT / "data/phenopacket-store-dev.tar.gz"))
    parser.add_argument("--repeat", type=int, default=1, help="repeat import and split (validate runs once)")
    args = parser.parse_args()

    from rft.config import Params
    from rft.data.import_phenopackets import import_phenopackets
    from rft.data.split_stage import split_files
    from rft.data.validate import validate_files

    p = Params()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        imports, splits = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            summary = import_phenopackets(args.archive, tmp / "cases.jsonl")
            imports.append(time.perf_counter() - t)
            t = time.perf_counter()
            split_files(tmp / "splits", p.split, p.prompt, cases=tmp / "cases.jsonl")
            splits.append(time.perf_counter() - t)
        t = time.perf_counter()
        report = validate_files({"train": tmp / "splits/train.jsonl", "valid": tmp / "splits/valid.jsonl"},
                                p.validate_, p.split.group_by, p.split.link_by,
                                report_path=tmp / "validation.json", docs_dir=tmp / "docs")
        validate = time.perf_counter() - t

    best_import, best_split = min(imports), min(splits)
    gx = report.seconds["gx_import"] + report.seconds["gx_run"]
    total = best_import + best_split + validate
    print(f"archive: {args.archive} ({summary.files} phenopackets -> {summary.cases} cases, {summary.genes} genes)")
    print(f"cpu cores: {os.cpu_count()}")
    print(f"{'stage':<28}{'seconds':>9}")
    print(f"{'import':<28}{best_import:>9.2f}   ({summary.files / best_import:,.0f} files/s)")
    print(f"{'split (render + split)':<28}{best_split:>9.2f}")
    print(f"{'validate':<28}{validate:>9.2f}")
    print(f"{'  of which GX import':<28}{report.seconds['gx_import']:>9.2f}")
    print(f"{'  of which GX suites + docs':<28}{report.seconds['gx_run']:>9.2f}")
    print(f"{'  of which reading + tables':<28}{report.seconds['read_and_prepare']:>9.2f}")
    print(f"{'  of which shortcut audit':<28}{report.seconds['audit']:>9.2f}")
    print(f"{'total':<28}{total:>9.2f}   (aim: < 20 s; GX share {gx / total:.0%})")


if __name__ == "__main__":
    main()
