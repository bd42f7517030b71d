"""TRL's GRPOTrainer, timed (how long each step spends generating and grading), and without a hook leak
that slowed every step a little more than the last."""

from __future__ import annotations

import time

from trl import GRPOTrainer

# transformers' hook (and PEFT's) that makes the input embeddings' output require grad, for gradient
# checkpointing with an adapter.
_REQUIRE_GRAD_HOOKS = {"make_inputs_require_grads", "make_inputs_require_grad"}


def drop_stale_input_hooks(model) -> int:
    """Keep one input-embedding require-grad hook; return how many were dropped.

    With gradient checkpointing, TRL turns checkpointing off for each generation and on again after it.
    Turning it on registers a new hook on the input embeddings; turning it off removes none when the
    adapter is PEFT's (transformers removes them only for its own adapter integration). So every step
    added two hooks, and all of them ran on every forward pass, every generated token included: the
    sampling of step 300 ran 600 of them per token. Each does the same thing, so one is kept.
    """
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    embeddings = base.get_input_embeddings() if hasattr(base, "get_input_embeddings") else None
    hooks = getattr(embeddings, "_forward_hooks", None)
    if not hooks:
        return 0
    same = [key for key, fn in hooks.items() if getattr(fn, "__name__", "") in _REQUIRE_GRAD_HOOKS]
    for key in same[:-1]:  # the newest stays: it is the one transformers holds a handle to
        del hooks[key]
    return max(0, len(same) - 1)


class TimedGRPOTrainer(GRPOTrainer):
    """Adds `step_timings[step] = seconds in _generate_and_score_completions` (sampling + grading)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.step_timings: dict[int, float] = {}

    def _generate_and_score_completions(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return super()._generate_and_score_completions(*args, **kwargs)
        finally:
            drop_stale_input_hooks(self.accelerator.unwrap_model(self.model))
            step = self.state.global_step + 1
            self.step_timings[step] = self.step_timings.get(step, 0.0) + time.perf_counter() - started
