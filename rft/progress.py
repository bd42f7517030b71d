"""Progress bars for long work: shown on a terminal, silent in logs and CI."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def quiet() -> bool:
    """RFT_NO_PROGRESS=1 silences progress everywhere (tests, scripted runs)."""
    return os.environ.get("RFT_NO_PROGRESS") == "1"


def progress(items: Iterable[T], desc: str, unit: str = "it", total: int | None = None) -> Iterator[T]:
    disable = not sys.stderr.isatty() or quiet()
    if disable:
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc=desc, unit=unit, total=total, leave=False, dynamic_ncols=True)
