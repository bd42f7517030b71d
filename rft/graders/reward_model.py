"""`reward_model` (ours): a trained sequence-classification model scores the answer, mapped to 0..1.

For teams whose signal is preference data rather than a checkable answer. The text scored is the
item's chat (`messages`) followed by the answer, through the model's chat template when it has one;
or `prompt` (a template) and the answer. One logit: sigmoid; several: the last class's probability.
"""

from __future__ import annotations

import threading
from pathlib import Path

from rft.graders.base import Grader
from rft.graders.result import GradeResult, GraderFault, fault_errors
from rft.graders.templates import Template


class RewardModelGrader(Grader):
    type = "reward_model"

    def __init__(self, config):
        super().__init__(config)
        if not (Path(config.model) / "config.json").is_file():
            raise ValueError(f"reward_model: {config.model} is not a transformers model folder (no config.json)")
        self.input = Template(config.input)
        self.prompt = Template(config.prompt) if config.prompt else None
        self.lock = threading.Lock()
        self.loaded = None

    def _load(self):
        if self.loaded is None:
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(self.config.model)
            model = AutoModelForSequenceClassification.from_pretrained(self.config.model).eval()
            if tokenizer.pad_token is None:
                tokenizer.pad_token = tokenizer.eos_token
            model.config.pad_token_id = tokenizer.pad_token_id
            self.loaded = (model, tokenizer)
        return self.loaded

    def text(self, sample: dict, item: dict, tokenizer) -> str:
        answer = self.input.render(sample, item)
        if self.prompt is not None:
            return self.prompt.render(sample, item) + "\n" + answer
        messages = item.get("messages")
        if isinstance(messages, list) and getattr(tokenizer, "chat_template", None):
            return tokenizer.apply_chat_template([*messages, {"role": "assistant", "content": answer}], tokenize=False)
        return answer

    def grade_many(self, samples: list[dict], items: list[dict]) -> list[GradeResult]:
        import time

        import torch

        with self.lock:
            model, tokenizer = self._load()
            results: list[GradeResult] = []
            size = self.config.batch_size
            for start in range(0, len(samples), size):
                began = time.perf_counter()
                texts, faults = [], {}
                for i, (sample, item) in enumerate(zip(samples[start:start + size], items[start:start + size])):
                    try:
                        texts.append(self.text(sample, item, tokenizer))
                    except GraderFault as fault:
                        faults[i] = fault
                        texts.append("")
                ok = [i for i in range(len(texts)) if i not in faults]
                probs: dict[int, float] = {}
                if ok:
                    # an empty answer still needs one token for the model to read
                    chunk = [texts[i] or (tokenizer.eos_token or tokenizer.unk_token or " ") for i in ok]
                    batch = tokenizer(chunk, padding=True, truncation=True, max_length=self.config.max_length,
                                      return_tensors="pt")
                    with torch.no_grad():
                        logits = model(**batch).logits.float()
                    scored = torch.sigmoid(logits[:, 0]) if logits.shape[1] == 1 else torch.softmax(logits, -1)[:, -1]
                    probs = dict(zip(ok, scored.tolist()))
                each = (time.perf_counter() - began) / max(1, len(texts))
                for i in range(len(texts)):
                    if i in faults:
                        results.append(GradeResult(0.0, self.name, self.type, each, errors=fault_errors(faults[i])))
                    else:
                        results.append(GradeResult(float(probs[i]), self.name, self.type, each))
            return results

    def grade(self, sample: dict, item: dict) -> GradeResult:
        return self.grade_many([sample], [item])[0]
