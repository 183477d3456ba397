"""Chat rendering and tokenization with response-only labels.

The model's own chat template is used when it has one (`chat_template: auto`). A base model
without one (Mistral-7B, Llama-3-8B base, LLaMA-7B) gets the documented fallback below, which is
saved with the checkpoint's tokenizer so evaluation renders prompts exactly as training did:

    <|system|>\n{system}\n<|user|>\n{question}\n<|assistant|>\n{answer}{eos}\n

`alpaca` selects the Stanford Alpaca prompt ("Below is an instruction ...", the AlpaGasus recipe).

Labels: under the SFT loss only assistant tokens are trained; everything else is -100. A token is
an assistant token when its character span lies inside an assistant turn's rendered content,
i.e. between render(messages[:i], add_generation_prompt=True) and render(messages[:i+1]). The
template's end-of-turn token after the answer falls inside that span, so the model learns to stop.
Under the LM loss every token is trained.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

IGNORE_INDEX = -100

FALLBACK_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\n' + message['content'] }}"
    "{% if message['role'] == 'assistant' %}{{ eos_token }}{% endif %}"
    "{{ '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)

ALPACA_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'user' %}"
    "{{ 'Below is an instruction that describes a task. Write a response that appropriately "
    "completes the request.\n\n### Instruction:\n' + message['content'] + '\n\n### Response:\n' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + '\n\n' }}"
    "{% endif %}"
    "{% endfor %}"
)

NAMED_TEMPLATES = {"fallback": FALLBACK_CHAT_TEMPLATE, "alpaca": ALPACA_CHAT_TEMPLATE}


class ChatFormatError(ValueError):
    pass


def apply_chat_template_choice(tokenizer: Any, choice: str) -> str:
    """Set `tokenizer.chat_template` from the recipe's choice; return which template is in use."""
    if choice == "auto":
        if getattr(tokenizer, "chat_template", None):
            return "model"
        choice = "fallback"
    if choice in NAMED_TEMPLATES:
        tokenizer.chat_template = NAMED_TEMPLATES[choice]
        return choice
    path = Path(choice)
    if path.suffix == ".jinja" and path.exists():
        tokenizer.chat_template = path.read_text()
        return str(path)
    raise ChatFormatError(f"chat_template must be auto, fallback, alpaca or a .jinja file: {choice!r}")


def render(tokenizer: Any, messages: list[dict[str, str]], add_generation_prompt: bool = False) -> str:
    return tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=add_generation_prompt
    )


def assistant_char_spans(tokenizer: Any, messages: list[dict[str, str]]) -> tuple[str, list[tuple[int, int]]]:
    """The rendered text and the [start, end) character span of every assistant turn."""
    text = render(tokenizer, messages)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prompt = render(tokenizer, messages[:i], add_generation_prompt=True) if i else ""
        upto = render(tokenizer, messages[: i + 1])
        start, end = len(prompt), len(upto)
        if not text.startswith(upto) or not upto.startswith(prompt):
            raise ChatFormatError("chat template is not prefix-stable; cannot locate the response")
        spans.append((start, end))
    return text, spans


@dataclass
class EncodedExample:
    input_ids: list[int]
    labels: list[int]
    truncated: bool

    @property
    def trained_tokens(self) -> int:
        return sum(label != IGNORE_INDEX for label in self.labels)


def encode(
    tokenizer: Any, messages: list[dict[str, str]], max_length: int, loss: str = "sft"
) -> EncodedExample:
    """Token ids and labels for one conversation, truncated to `max_length` tokens."""
    text, spans = assistant_char_spans(tokenizer, messages)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids: list[int] = list(encoded["input_ids"])
    if loss == "lm":
        labels = list(ids)
    elif loss == "sft":
        labels = [
            token if any(s <= start < e for s, e in spans) else IGNORE_INDEX
            for token, (start, _end) in zip(ids, encoded["offset_mapping"])
        ]
    else:
        raise ChatFormatError(f"loss must be 'sft' or 'lm', got {loss!r}")
    truncated = len(ids) > max_length
    return EncodedExample(ids[:max_length], labels[:max_length], truncated)
