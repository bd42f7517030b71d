"""A registered adapter as a W&B model artifact (offline: staged, uploaded by `wandb sync`).

Linking into the W&B model registry needs a server and an API key; it is attempted only with
WANDB_API_KEY set, and otherwise the artifact alone is logged.
"""

from __future__ import annotations

import os
from pathlib import Path


def log_model_artifact(tracking, adapter_dir: Path, entry: dict) -> str | None:
    """The artifact's name, or None with tracking off."""
    if not tracking.wandb:
        return None
    import wandb

    run = wandb.init(project=tracking.project, entity=tracking.entity, name=f"register-{entry['name']}-v{entry['version']}",
                     job_type="register", tags=tracking.tags, reinit="finish_previous",
                     config={"registry_location": entry["location"], "base_model": entry["base_model"]})
    try:
        artifact = wandb.Artifact(entry["name"], type="model", metadata={
            k: entry[k] for k in ("version", "location", "base_model", "run_name", "gate", "git", "data_versions")})
        artifact.add_dir(str(adapter_dir))
        run.log_artifact(artifact, aliases=[f"v{entry['version']}", "latest"])
        if os.environ.get("WANDB_API_KEY") and os.environ.get("WANDB_MODE", "offline") == "online":
            run.link_artifact(artifact, f"wandb-registry-model/{entry['name']}")
    finally:
        run.finish()
    return entry["name"]
