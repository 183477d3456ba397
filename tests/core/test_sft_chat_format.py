"""Label masks: exactly the assistant tokens are trained under the SFT loss, every token under LM."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from mammoth_assets.core.sft.chat_format import (
    IGNORE_INDEX,
    ChatFormatError,
    apply_chat_template_choice,
    encode,
)

CONVERSATION = [
    {"role": "system", "content": "Answer briefly."},
    {"role": "user", "content": "What is 12 + 30?"},
    {"role": "assistant", "content": "12 + 30 = 42. The answer is 42."},
    {"role": "user", "content": "And 2 * 21?"},
    {"role": "assistant", "content": "Also 42.\nThe answer is 42."},
]


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    return AutoTokenizer.from_pretrained(tiny_model)


def trained_runs(labels: list[int]) -> list[list[int]]:
    """Maximal runs of consecutive trained label ids."""
    runs, current = [], []
    for label in labels:
        if label == IGNORE_INDEX:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(label)
    return runs + ([current] if current else [])


def test_sft_mask_trains_exactly_the_assistant_turns(tokenizer):
    example = encode(tokenizer, CONVERSATION, max_length=1024, loss="sft")

    decoded = [tokenizer.decode(run) for run in trained_runs(example.labels)]

    eos = tokenizer.eos_token
    assert decoded == [
        f"12 + 30 = 42. The answer is 42.{eos}\n",
        f"Also 42.\nThe answer is 42.{eos}\n",
    ]
    untrained = tokenizer.decode([t for t, l in zip(example.input_ids, example.labels) if l == IGNORE_INDEX])
    assert "What is 12 + 30?" in untrained and "Answer briefly." in untrained
    assert "The answer is" not in untrained


def test_lm_loss_trains_every_token(tokenizer):
    example = encode(tokenizer, CONVERSATION, max_length=1024, loss="lm")

    assert example.labels == example.input_ids
    assert tokenizer.decode(example.labels) == tokenizer.apply_chat_template(CONVERSATION, tokenize=False)


def test_fallback_template_for_a_base_model_without_one(tiny_model):
    base = AutoTokenizer.from_pretrained(tiny_model)
    base.chat_template = None

    assert apply_chat_template_choice(base, "auto") == "fallback"
    example = encode(base, CONVERSATION[1:3], max_length=1024)

    assert tokenizer_text(base, example.input_ids).startswith("<|user|>\nWhat is 12 + 30?\n<|assistant|>\n")
    assert [base.decode(r) for r in trained_runs(example.labels)] == [f"12 + 30 = 42. The answer is 42.{base.eos_token}\n"]


def test_alpaca_template_masks_the_instruction(tiny_model):
    tok = AutoTokenizer.from_pretrained(tiny_model)
    apply_chat_template_choice(tok, "alpaca")

    example = encode(tok, CONVERSATION[1:3], max_length=1024)

    text = tokenizer_text(tok, example.input_ids)
    assert text.startswith("Below is an instruction") and "### Response:\n12 + 30" in text
    assert [tok.decode(r) for r in trained_runs(example.labels)] == [f"12 + 30 = 42. The answer is 42.{tok.eos_token}\n\n"]


def test_truncation_keeps_the_prefix_and_flags_it(tokenizer):
    full = encode(tokenizer, CONVERSATION, max_length=1024)
    short = encode(tokenizer, CONVERSATION, max_length=20)

    assert short.truncated and not full.truncated
    assert short.input_ids == full.input_ids[:20] and short.labels == full.labels[:20]
    assert short.trained_tokens == 0  # the answer lies past token 20: nothing to learn from


def test_unknown_template_choice_is_an_error(tokenizer):
    with pytest.raises(ChatFormatError):
        apply_chat_template_choice(tokenizer, "no-such-template")


def tokenizer_text(tokenizer, ids: list[int]) -> str:
    return tokenizer.decode(ids)
