"""A trained adapter folder, checked before anything loads it: its files, and that it was trained on
the base model it is about to be attached to."""

from __future__ import annotations

import json
from pathlib import Path

from rft.errors import RftInputError

WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")


def _same_model(trained_on: str, base: str) -> bool:
    """Paths differ between machines (the de-quantized GGUF lives in each user's cache), so a folder
    matches by its last component; hub ids must match exactly."""
    from rft.models.loading import ModelNotAvailable, local_folder

    if trained_on == base:
        return True
    try:
        resolved = str(local_folder(base))
    except (ModelNotAvailable, OSError):  # an unavailable base is reported when it is loaded
        resolved = base
    return trained_on == resolved or Path(trained_on).name == Path(resolved).name


def check_adapter(folder: str | Path, base: str) -> dict:
    """The adapter's config, or RftInputError with the reason it cannot be used on `base`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RftInputError(str(folder), "adapter folder not found")
    config_path = folder / "adapter_config.json"
    if not config_path.is_file():
        raise RftInputError(str(folder), "not an adapter: adapter_config.json is missing")
    if not any((folder / w).is_file() for w in WEIGHTS):
        raise RftInputError(str(folder), f"adapter weights are missing (expected {' or '.join(WEIGHTS)})")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise RftInputError(str(config_path), f"not valid JSON: {err}") from err
    trained_on = config.get("base_model_name_or_path")
    if not trained_on:
        raise RftInputError(str(config_path), "names no base model", field="base_model_name_or_path")
    if not _same_model(str(trained_on), base):
        raise RftInputError(str(config_path), f"this adapter was trained on '{trained_on}', not on the base "
                            f"model '{base}' (set model.name_or_path to its base)", field="base_model_name_or_path")
    return config
