"""What a benchmark ran on, in one line: the GPU's name, or the CPU's cores."""

from __future__ import annotations

import os
import platform


def describe(device: str | None = None) -> str:
    """`device`: "cuda" or "cpu"; None: the GPU if torch sees one."""
    import torch

    if device == "cuda" or (device is None and torch.cuda.is_available()):
        return torch.cuda.get_device_name(0)
    return f"CPU, {os.cpu_count()} cores ({platform.machine()})"
