"""A tiny offline chat model for tests and the demo: nothing is downloaded.

The tokenizer is a byte-level BPE trained with `tokenizers` on text this module writes itself; the
model is a randomly initialised 2-layer Llama (or Qwen2) with head_dim 64, so it also runs under
vLLM's CPU build. Everything is seeded: the same seed gives byte-identical weights.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import uuid
from pathlib import Path

from mammoth_assets import paths

TINY_MODEL_ID = "mammoth/tiny-chat"  # stable cache identity of the project's tiny model
EOS_TOKEN = "<|im_end|>"
PAD_TOKEN = "<|pad|>"
BOS_TOKEN = "<|im_start|>"
SPECIAL_TOKENS = [PAD_TOKEN, BOS_TOKEN, EOS_TOKEN, "<|endoftext|>"]
VOCAB_SIZE = 1024
HEAD_DIM = 64

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

_WORDS = (
    "the question answer solution step reasoning therefore compute find value of is a an and "
    "to in for with number equation problem score rating instruction response input output yes "
    "no true false domain page text program python print result def return import math sum "
    "total each how many what which why when given let we have so then because if not"
).split()


def training_corpus(seed: int = 0, lines: int = 3000) -> list[str]:
    """Text the tokenizer learns from: words, numbers, JSON, code and LaTeX, written here."""
    rng = random.Random(seed)
    corpus = []
    for i in range(lines):
        kind = i % 5
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 14)))
        a, b = rng.randint(0, 999), rng.randint(1, 99)
        if kind == 0:
            corpus.append(f"Question: {words}? Answer: {a} + {b} = {a + b}. The answer is {a + b}.")
        elif kind == 1:
            corpus.append(json.dumps({"question": words, "answer": str(a), "score": a % 6}))
        elif kind == 2:
            corpus.append(f"def solution():\n    x = {a}\n    y = {b}\n    return x * y\nprint(solution())")
        elif kind == 3:
            corpus.append(f"$\\frac{{{a}}}{{{b}}} = {a / b:.3f}$, so \\boxed{{{a // b}}}. {words}")
        else:
            corpus.append(f"Score: {a % 6}.{rng.choice('05')}\n{words.capitalize()}. Yes. No.")
    return corpus


def build_tokenizer(seed: int = 0):
    """A byte-level BPE `PreTrainedTokenizerFast` with a ChatML template and eos/pad tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    core.train_from_iterator(training_corpus(seed), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        eos_token=EOS_TOKEN,
        pad_token=PAD_TOKEN,
        bos_token=None,
        unk_token=None,
        padding_side="left",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def build_config(arch: str, vocab_size: int, pad_id: int, eos_id: int):
    common = dict(
        vocab_size=vocab_size,
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        head_dim=HEAD_DIM,
        max_position_embeddings=2048,
        pad_token_id=pad_id,
        eos_token_id=eos_id,
        bos_token_id=None,
        tie_word_embeddings=True,
        dtype="float32",
    )
    if arch == "llama":
        from transformers import LlamaConfig

        return LlamaConfig(**common)
    if arch == "qwen2":
        from transformers import Qwen2Config

        return Qwen2Config(**common)
    raise ValueError(f"unknown tiny-model architecture {arch!r} (use 'llama' or 'qwen2')")


def chat_corpus(seed: int = 0, n: int = 256) -> list[list[dict[str, str]]]:
    """Short chats in the shapes the pipeline asks for (answers, JSON, scores, yes/no, code)."""
    rng = random.Random(seed + 1)
    chats = []
    for i in range(n):
        a, b = rng.randint(0, 99), rng.randint(1, 9)
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 8)))
        kind = i % 5
        if kind == 0:
            user, reply = f"What is {a} + {b}?", f"We add {a} and {b}. The answer is {a + b}."
        elif kind == 1:
            user = f"Extract the question and answer: {words}. {a} times {b} is {a * b}."
            reply = json.dumps({"question": f"What is {a} times {b}?", "answer": str(a * b)})
        elif kind == 2:
            user, reply = f"Rate this answer from 0 to 5: {words}", f"{rng.choice('2345')}.{rng.choice('05')}\n{words.capitalize()}."
        elif kind == 3:
            user, reply = f"Is this page about {words}? Answer yes or no.", rng.choice(["yes", "no"])
        else:
            user = f"Write a program that computes {a} * {b}."
            reply = f"def solution():\n    return {a} * {b}\n\nprint(solution())"
        chats.append([{"role": "user", "content": user}, {"role": "assistant", "content": reply}])
    return chats


def pretrain(model, tokenizer, *, seed: int, steps: int, batch_size: int = 8, length: int = 96) -> None:
    """A few optimiser steps on `chat_corpus`, so greedy output looks like text, not one token
    repeated. Single-threaded for bit-identical results run to run."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    grad = torch.is_grad_enabled()
    torch.set_grad_enabled(True)  # a caller may have turned autograd off globally
    try:
        ids: list[int] = []
        for chat in chat_corpus(seed):
            ids += tokenizer.apply_chat_template(chat, tokenize=True, return_dict=False)
        data = torch.tensor(ids[: len(ids) // length * length]).view(-1, length)
        generator = torch.Generator().manual_seed(seed)
        optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.0)
        model.train()
        for _ in range(steps):
            rows = data[torch.randint(0, data.shape[0], (batch_size,), generator=generator)]
            loss = model(input_ids=rows, labels=rows).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        model.eval()
    finally:
        torch.set_num_threads(threads)
        torch.set_grad_enabled(grad)


def build_tiny_model(dest: Path, *, seed: int = 0, arch: str = "llama", train_steps: int = 0) -> Path:
    """Build and save the tiny chat model (weights, config, tokenizer, chat template) at `dest`.

    By default the weights stay random (fast, and what tests want). `train_steps` (e.g. 60)
    optimiser steps on a small generated chat corpus give text-like greedy output for demos, at
    a few seconds per 10 steps on a busy CPU."""
    import torch
    from transformers import AutoModelForCausalLM, GenerationConfig

    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(seed)
    eos_id = tokenizer.convert_tokens_to_ids(EOS_TOKEN)
    pad_id = tokenizer.convert_tokens_to_ids(PAD_TOKEN)
    config = build_config(arch, len(tokenizer), pad_id, eos_id)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)
    if train_steps:
        pretrain(model, tokenizer, seed=seed, steps=train_steps)
    model.generation_config = GenerationConfig(
        eos_token_id=eos_id, pad_token_id=pad_id, do_sample=False
    )
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)
    return dest


def ensure_tiny_model(*, seed: int = 0, arch: str = "llama", train_steps: int = 0) -> Path:
    """The project's tiny model under `<data dir>/models/tiny-chat`, built on first use."""
    dest = paths.data_dir() / "models" / ("tiny-chat" if arch == "llama" else f"tiny-chat-{arch}")
    if (dest / "config.json").exists() and (dest / "tokenizer.json").exists():
        return dest
    # Parallel Dagster steps may all get here: each builds in its own directory and the first
    # rename wins, so nobody ever loads a half-written model.
    scratch = dest.with_name(f"{dest.name}.building-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    build_tiny_model(scratch, seed=seed, arch=arch, train_steps=train_steps)
    try:
        scratch.rename(dest)
    except OSError:  # another process finished first (or a stale partial dest exists)
        if not (dest / "config.json").exists():
            shutil.rmtree(dest, ignore_errors=True)
            scratch.rename(dest)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return dest
