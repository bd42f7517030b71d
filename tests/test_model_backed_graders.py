"""reward_model and the cosine metric on real transformers models built small from configs.

No trained reward or embedding model can be downloaded here, so the models have random weights:
the code path (tokenizer, forward pass, pooling, mapping to 0..1) is real, the judgement is not.
"""

from __future__ import annotations

import pytest

from rft.graders import build_grader, grade_batch, parse_grader

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "gene", "is", "kcnt1", "scn1a", "answer", "a", "cat",
         "paris", "capital", "of", "france", "question", "what"]


def _tokenizer(path):
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    core.pre_tokenizer = Whitespace()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]", pad_token="[PAD]",
                                  cls_token="[CLS]", sep_token="[SEP]")
    tok.save_pretrained(path)
    return tok


@pytest.fixture(scope="module")
def reward_model_dir(tmp_path_factory):
    import torch
    from transformers import LlamaConfig, LlamaForSequenceClassification

    path = tmp_path_factory.mktemp("reward_model")
    _tokenizer(path)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(WORDS), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, num_labels=1, pad_token_id=0)
    LlamaForSequenceClassification(config).save_pretrained(path)
    return path


def test_reward_model_scores_in_unit_interval_and_is_consistent(reward_model_dir):
    raw = {"type": "reward_model", "name": "rm", "model": str(reward_model_dir),
           "prompt": "question {{item.q}}", "batch_size": 2}
    grader = build_grader(parse_grader(raw, "t"))
    samples = ["the gene is kcnt1", "the gene is scn1a", "a cat", "paris"]
    items = [{"q": "what gene"}] * 4
    batch = [r.reward for r in grade_batch(grader, samples, items)]
    single = [grade_batch(grader, [s], [i])[0].reward for s, i in zip(samples, items)]
    assert all(0.0 < r < 1.0 for r in batch)
    assert batch == pytest.approx(single, abs=1e-5)  # padding in a batch does not change a score
    assert len({round(r, 6) for r in batch}) > 1


def test_reward_model_missing_template_variable_is_flagged(reward_model_dir):
    raw = {"type": "reward_model", "name": "rm", "model": str(reward_model_dir), "prompt": "{{item.q}}"}
    result = grade_batch(build_grader(parse_grader(raw, "t")), ["a"], [{}])[0]
    assert result.error_flags()["invalid_variable_error"] is True


def test_reward_model_folder_must_hold_a_model(tmp_path):
    with pytest.raises(ValueError, match="not a transformers model folder"):
        build_grader(parse_grader({"type": "reward_model", "name": "rm", "model": str(tmp_path)}, "t"))


@pytest.fixture(scope="module")
def embedding_dir(tmp_path_factory):
    import torch
    from transformers import BertConfig, BertModel

    path = tmp_path_factory.mktemp("embedder")
    _tokenizer(path)
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=len(WORDS), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2)).save_pretrained(path)
    return path


def test_cosine_with_a_local_embedding_model(embedding_dir, monkeypatch):
    monkeypatch.setenv("RFT_EMBEDDING_MODEL", str(embedding_dir))
    raw = {"type": "text_similarity", "name": "cos", "input": "{{sample.output_text}}", "reference": "{{item.ref}}",
           "evaluation_metric": "cosine"}
    grader = build_grader(parse_grader(raw, "t"))
    same, other = grade_batch(grader, ["paris capital of france", "the cat"], [{"ref": "paris capital of france"}] * 2)
    assert same.reward == pytest.approx(1.0, abs=1e-5)
    assert -1.0 <= other.reward < same.reward
