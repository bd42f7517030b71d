"""The model card: README.md uploaded beside the adapter, in the Hugging Face card layout."""

from __future__ import annotations

import json

from rft.eval.table import markdown_table


def model_card(entry: dict, report: dict, run: dict, gate_lines: list[str]) -> str:
    front = {"base_model": entry["base_model"], "library_name": "peft", "tags": ["rft", "grpo", "lora"]}
    data = "\n".join(f"- `{path}`: md5 `{md5}`" for path, md5 in entry["data_versions"].items()) or "- (no dvc.lock)"
    git = entry["git"]
    return "\n".join([
        "---", *(f"{k}: {json.dumps(v)}" for k, v in front.items()), "---", "",
        f"# {entry['name']} v{entry['version']}", "",
        (f"A LoRA adapter for `{entry['base_model']}`, reinforcement fine-tuned with GRPO by rft "
         f"(run `{entry['run_name']}`, best step {entry['best_step']})."), "",
        "## Evaluation", "", markdown_table(report).strip(), "", "```", *gate_lines, "```", "",
        "## Training", "",
        f"- graders: {', '.join(g['name'] + ' (' + g['type'] + ')' for g in run.get('graders', []))}",
        f"- resolved hyperparameters: `{json.dumps(run.get('resolved', {}))}`",
        f"- LoRA: `{json.dumps(run.get('lora', {}))}`",
        f"- device: {run.get('device', '?')}", "",
        "## Data", "", data, "",
        "## Provenance", "",
        f"- git commit: `{git.get('commit')}`" + (" (uncommitted changes)" if git.get("dirty") else ""),
        f"- registered: {entry['created']}",
        f"- location: `{entry['location']}`", "",
        "## Use", "", "```python",
        "from peft import PeftModel",
        "from rft.models.loading import load_causal_lm",
        f"model, tokenizer = load_causal_lm({entry['base_model']!r})",
        "model = PeftModel.from_pretrained(model, 'adapter')  # from `rft registry download`",
        "```", ""])
