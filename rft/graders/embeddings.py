"""A local sentence embedder (mean-pooled transformer encoder) for the cosine metric."""

from __future__ import annotations

import threading


class Embedder:
    def __init__(self, path: str):
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval()
        self.lock = threading.Lock()  # one forward at a time; graders may be called from threads

    def embed(self, texts: list[str]):
        with self.lock, self.torch.no_grad():
            batch = self.tokenizer(texts, padding=True, truncation=True, max_length=512, return_tensors="pt")
            hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
            return self.torch.nn.functional.normalize(pooled, dim=-1)

    def cosine(self, text: str, reference: str) -> float:
        a, b = self.embed([text, reference])
        return float((a * b).sum().clamp(-1.0, 1.0))
