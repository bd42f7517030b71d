"""rft: open, self-hosted reinforcement fine-tuning in the OpenAI RFT formats."""

__version__ = "0.1.0"
