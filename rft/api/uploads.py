"""An uploaded fine-tuning file, checked line by line as `rft data` and training read it, before it is kept.

A bad file is refused whole (400, OpenAI's error shape) naming the upload, the line and the field; nothing
of it is stored. Size and line caps are settings (`UploadLimits`), checked before any parsing.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from rft.api.errors import ApiError
from rft.errors import RftInputError


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 512 * 2**20
    max_lines: int = 200_000


def check_upload(data: bytes, filename: str, limits: UploadLimits) -> int:
    """The number of lines of a valid file; ApiError 400 otherwise."""
    if len(data) > limits.max_bytes:
        raise ApiError(413, f"{filename}: {len(data)} bytes, over the limit of {limits.max_bytes}", param="file",
                       code="file_too_large")
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    if lines > limits.max_lines:
        raise ApiError(400, f"{filename}: {lines} lines, over the limit of {limits.max_lines}", param="file",
                       code="too_many_lines")
    from rft.train.dataset import read_lines

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(filename).name
        path.write_bytes(data)
        try:
            return len(read_lines(path))
        except RftInputError as err:  # names the upload, not the temporary copy
            where = filename + (f", line {err.line}" if err.line is not None else "")
            raise ApiError(400, f"{where}: {err.message}", param=err.field or "file",
                           code="invalid_file") from None
