"""Who writes the rollouts: the engine choice, its mapping onto TRL's GRPOConfig, and the check that
continuous batching answers exactly as plain generate does (same tokens, same logprobs, the LoRA
adapter's effect included), on a tiny model built from a config, and through a whole GRPO step."""

from __future__ import annotations

import json

import pytest
from helpers import DIGIT_GRADER, no_params, write_prompts

from rft.config import load_params
from rft.errors import RftInputError
from rft.models import backends
from rft.models.generate import generate
from rft.train import hyperparams


def settings(tmp_path, *overrides):
    return load_params(no_params(tmp_path), list(overrides)).train


# --- the choice -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("wanted", "on_gpu", "has_vllm", "expected"), [
    ("auto", False, False, "hf"), ("auto", False, True, "hf"),
    ("auto", True, False, "continuous"), ("auto", True, True, "vllm"),
    ("hf", True, True, "hf"), ("continuous", False, False, "continuous"), ("vllm", True, True, "vllm")])
def test_auto_takes_vllm_then_continuous_batching_on_a_gpu_and_plain_generate_on_a_cpu(
        monkeypatch, wanted, on_gpu, has_vllm, expected):
    # vLLM cannot be installed on this machine: whether it is installed is the one thing faked here.
    monkeypatch.setattr(backends, "vllm_installed", lambda: has_vllm)
    assert backends.choose(wanted, on_gpu, "train.generation") == expected


def test_vllm_without_vllm_or_without_a_gpu_is_refused_by_field(monkeypatch):
    monkeypatch.setattr(backends, "vllm_installed", lambda: False)
    with pytest.raises(RftInputError, match="not installed") as err:
        backends.choose("vllm", True, "train.generation")
    assert err.value.field == "train.generation"
    monkeypatch.setattr(backends, "vllm_installed", lambda: True)
    with pytest.raises(RftInputError, match="needs a GPU"):
        backends.choose("vllm", False, "train.generation")


def test_evaluation_takes_continuous_batching_on_a_gpu_and_refuses_vllm_when_read(tmp_path):
    assert backends.choose_for_eval("auto", True) == "continuous"
    assert backends.choose_for_eval("auto", False) == "hf"
    with pytest.raises(RftInputError, match="not available for evaluation") as err:
        load_params(no_params(tmp_path), ["eval.generation=vllm"])
    assert err.value.field == "eval.generation"


def test_the_old_vllm_switch_says_what_replaced_it(tmp_path):
    with pytest.raises(RftInputError, match="train.generation") as err:
        settings(tmp_path, "train.vllm=false")
    assert err.value.field.startswith("train.vllm")


# --- params -> GRPOConfig ---------------------------------------------------------------------------

def _config(tmp_path, train, generation: str, on_gpu: bool = False):
    from trl import GRPOConfig

    resolved = hyperparams.resolve(train, 20, on_gpu=False)
    kwargs = hyperparams.grpo_kwargs(train, resolved, on_gpu, generation, False, max_prompt_tokens=100)
    kwargs.update(use_cpu=True, bf16=False)  # TRL refuses bf16 without a GPU; the fields under test are others
    return GRPOConfig(output_dir=str(tmp_path / "out"), **kwargs)


def test_each_engine_sets_the_grpo_config_fields_that_select_it(tmp_path):
    train = settings(tmp_path)
    hf = _config(tmp_path, train, "hf")
    assert hf.use_vllm is False and hf.use_transformers_continuous_batching is False

    continuous = _config(tmp_path, train, "continuous")
    assert continuous.use_transformers_continuous_batching is True and continuous.use_vllm is False
    cache = continuous.transformers_continuous_batching_config  # sized to 8 sequences of 100 + 64 tokens
    assert cache["page_size"] == 64 and cache["num_blocks"] == 8 * 3 + 1
    assert _config(tmp_path, train, "continuous", on_gpu=True).transformers_continuous_batching_config == {
        "max_memory_percent": 0.5}

    colocate = _config(tmp_path, settings(tmp_path, "train.vllm.gpu_memory_utilization=0.5"), "vllm")
    assert (colocate.use_vllm, colocate.vllm_mode, colocate.vllm_gpu_memory_utilization) == (True, "colocate", 0.5)

    server = _config(tmp_path, settings(tmp_path, "train.vllm.mode=server",
                                        "train.vllm.server_url=http://10.0.0.2:8000"), "vllm")
    assert (server.use_vllm, server.vllm_mode, server.vllm_server_base_url) == (True, "server", "http://10.0.0.2:8000")
    assert server.use_transformers_continuous_batching is False


def test_a_users_own_cache_settings_win(tmp_path):
    train = settings(tmp_path, 'train.grpo.transformers_continuous_batching_config={"num_blocks": 99}')
    cache = _config(tmp_path, train, "continuous").transformers_continuous_batching_config
    assert cache["num_blocks"] == 99 and cache["page_size"] == 64


# --- the same answers -------------------------------------------------------------------------------

def _lively_model(tokenizer, seed: int = 0):
    """A 2-layer Llama with wide random weights, so greedy answers vary from prompt to prompt."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=512,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True, initializer_range=0.5)
    return LlamaForCausalLM(config).eval()


def _with_adapter(model, seed: int = 1):
    """A LoRA adapter whose B matrices are not zero, so it changes the answers."""
    import torch
    from peft import LoraConfig, get_peft_model

    peft = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM"))
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, weight in peft.named_parameters():
            if "lora_B" in name:
                weight.normal_(0.0, 0.5)
    return peft.eval()


PROMPTS = [[{"role": "user", "content": f"Say some numbers, please ({i})" + " and more" * i}] for i in range(5)]


def test_continuous_batching_gives_plain_generates_greedy_answers_with_and_without_an_adapter():
    from rft.models.loading import load_tokenizer

    tokenizer = load_tokenizer()
    base = _lively_model(tokenizer)
    plain = generate(base, tokenizer, PROMPTS, 1, 12, 1.0, 2, 7, "hf")
    assert len(set(plain[0])) == len(PROMPTS)  # the answers differ, so equality below means something
    assert generate(base, tokenizer, PROMPTS, 1, 12, 1.0, 2, 7, "continuous") == plain

    tuned = _with_adapter(base)
    tuned_plain = generate(tuned, tokenizer, PROMPTS, 1, 12, 1.0, 2, 7, "hf")
    assert tuned_plain[0] != plain[0]  # the adapter's effect ...
    assert generate(tuned, tokenizer, PROMPTS, 1, 12, 1.0, 2, 7, "continuous") == tuned_plain  # ... in both


def test_sampled_answers_come_back_grouped_by_prompt_and_reproducible():
    from rft.models.loading import load_tokenizer

    tokenizer = load_tokenizer()
    model = _lively_model(tokenizer)
    texts, lengths = generate(model, tokenizer, PROMPTS[:2], 3, 8, 1.0, 2, 5, "continuous")
    assert len(texts) == 6 and all(0 < n <= 8 for n in lengths)
    assert generate(model, tokenizer, PROMPTS[:2], 3, 8, 1.0, 2, 5, "continuous") == (texts, lengths)
    # Each group's answers start from its own prompt: at temperature ~0 a group is its greedy answer, 3 times.
    cold = generate(model, tokenizer, PROMPTS[:2], 3, 8, 1e-4, 2, 5, "continuous")[0]
    greedy = generate(model, tokenizer, PROMPTS[:2], 1, 8, 1.0, 2, 5, "hf")[0]
    assert cold == [greedy[0]] * 3 + [greedy[1]] * 3


def test_continuous_batchings_logprobs_are_the_models_own():
    """The engine's per-token logprobs equal a forward pass's over the same tokens (TRL recomputes them
    for the loss; vLLM's would feed importance sampling)."""
    import torch
    from transformers.generation import ContinuousBatchingConfig

    from rft.models.loading import load_tokenizer

    tokenizer = load_tokenizer()
    model = _with_adapter(_lively_model(tokenizer))
    ids = tokenizer.apply_chat_template(PROMPTS[3], add_generation_prompt=True, tokenize=True, return_dict=False)
    config = model.generation_config
    config.update(max_new_tokens=10, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    out = next(iter(model.generate_batch([ids], generation_config=config, continuous_batching_config=
                                         ContinuousBatchingConfig(return_logprobs=True, num_blocks=4, page_size=64,
                                                                  max_batch_tokens=512)).values()))
    tokens = list(out.generated_tokens)
    with torch.no_grad():
        logits = model(torch.tensor([ids + tokens])).logits[0, len(ids) - 1:-1]
    forward = torch.log_softmax(logits.float(), -1).gather(1, torch.tensor(tokens)[:, None])[:, 0]
    assert len(out.logprobs) == len(tokens) == 10
    assert torch.allclose(torch.tensor(out.logprobs), forward, atol=1e-4)


def test_a_grpo_step_samples_the_same_rollouts_with_either_engine(tmp_path):
    """The whole training path (TRL's trainer, our reward functions and recording): at a temperature near
    zero both engines must produce the same completions, token counts and rewards, with the adapter on."""
    import pandas as pd

    from rft.models.loading import load_tokenizer
    from rft.train.stage import train

    tokenizer = load_tokenizer()
    train_path, valid_path = write_prompts(tmp_path / "data", train=4, valid=2)
    rollouts = {}
    for engine in ("hf", "continuous"):
        params = load_params(no_params(tmp_path), [
            f"grader={json.dumps(DIGIT_GRADER)}", "train.max_steps=2", "train.device=cpu", "tracking.wandb=false",
            f"train.generation={engine}", "train.hyperparameters.batch_size=2", "train.grpo.num_generations=2",
            "train.grpo.max_completion_length=8", "train.grpo.temperature=0.0001", "train.max_valid_cases=2",
            "train.hyperparameters.eval_interval=2"])
        model = _with_adapter(_lively_model(tokenizer)).train()
        run = train(params, train_path, valid_path, tmp_path / engine, model=model, tokenizer=tokenizer)
        assert json.loads((run / "run.json").read_text())["generation"] == engine
        rollouts[engine] = pd.read_parquet(run / "rollouts.parquet").sort_values(["step", "split", "prompt"],
                                                                                 kind="stable")
    hf, continuous = rollouts["hf"], rollouts["continuous"]
    assert len(hf) == len(continuous) == 2 * 4 + 2  # two steps of 2 prompts x 2 answers, one validation of 2
    for column in ("prompt", "completion", "completion_tokens", "reward"):
        assert hf[column].tolist() == continuous[column].tolist(), column
    assert hf["completion"].str.len().gt(0).all()
