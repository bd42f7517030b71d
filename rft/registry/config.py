"""Typed settings for the model registry (`registry:` in params.yaml)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class GateConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric: str = "top@1"
    # The tuned model must beat its base by at least this much (absolute, 0.02 = 2 points).
    min_gain: float = Field(0.01, ge=0)
    # Also refuse a model scoring below the classical baseline on the same metric.
    vs_baseline: bool = False
    # Judge by the lower end of the paired 95% interval of each difference (tuned - base, and tuned -
    # baseline), not by the point difference: a gain that the data cannot tell from noise is refused.
    use_interval: bool = False


class RegistryConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bucket: str = "rft-models"
    prefix: str = "models"
    # S3-compatible server; null: AWS, or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL from the environment.
    endpoint_url: str | None = None
    region: str = "us-east-1"
    retries: int = Field(5, ge=0, description="attempts after the first, with exponential back-off")
    timeout_s: float = Field(10.0, gt=0)
    gate: GateConfig = GateConfig()
