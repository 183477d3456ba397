"""Constrained decoding for the transformers backend, on llguidance.

The grammar work is llguidance's (the Rust library vLLM, SGLang and llama.cpp use): a JSON schema
(made strict, see `structured.strict_schema`, and compact: no free whitespace, as the vLLM path
asks) or a regex becomes a matcher that gives, at every step, the exact set of tokens that keep
the output inside the language, byte by byte, so multi-byte UTF-8 characters spelled across
several byte-level tokens (é π × √ ж 中) are reachable.

Why llguidance and not the hand-written character-DFA decoder this replaced (interegular + numpy,
commit a5b6fa6): the old one could not emit any character spelled across byte tokens and
compiled schemas with its own converter, so local and vLLM outputs could disagree. It was faster
on the tiny model, where a forward pass costs almost nothing: 16 rows x 64 sampled tokens,
ms per generated token (min of 5), old vs this module: unconstrained 0.67 / 0.56, extraction
schema 0.84 / 0.88, rating regex 0.66 / 0.97 (its per-state mask cache wins on `[^\n]*`). The
difference is Python per row and step (~0.3 ms), noise next to a real model's forward pass;
correctness wins. xgrammar was measured alongside (issue #15: 4.55 vs 4.50 ms/token for
llguidance at batch 1) and drags in triton and tvm-ffi; llguidance has no dependencies and its
matcher copies (`deep_copy`) make the finishing-path search below cheap.
`benchmarks/llm_overhead.py` prints the per-token cost beside unconstrained generation.

What this module adds on top is the one thing no library offers: **termination inside
`max_tokens` with parseable output**, even from a random model (the demo's tiny model). Each row
keeps a *finishing path*: a token sequence known to take its matcher to an accepting state, no
longer than the tokens left. A token the model picks is kept only if a finishing path still fits
after it (usually the old path still works, checked in one llguidance call; otherwise a short
closing-first depth-first search finds a new one); otherwise the next-best token is tried, and
after a few refusals the row follows its path. A request whose constraint cannot be finished
inside `max_tokens` at all fails up front with a clear error.

Tokens are chosen inside the logits processor (greedy, or sampled with a generator seeded per
row from the request's seed) and returned as a one-hot mask, so the processor knows which token
was taken and the choice does not depend on which other rows share the batch.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Sequence

import numpy as np

from mammoth_assets.llm.structured import strict_schema


class ConstraintError(ValueError):
    """The constraint itself is unusable (bad schema/regex, or max_tokens too small for it)."""


_CLOSING_FIRST = b'"}]\n0,.: '  # bytes that end strings, containers, lines and numbers soonest
_CLOSERS = set(b'"}]')
_SEARCH_BRANCHES = 2  # candidate tokens tried per step of the finishing-path search
_LOOKAHEAD = 4  # allowed tokens scored by one step of lookahead before choosing those candidates
_SEARCH_NODES = 120  # steps the search may take before giving up (the row then follows its path)
_PICK_TRIES = 4  # model choices tried per step before the row follows its finishing path


def grammar_for(json_schema: dict | None, regex: str | None) -> str:
    """The llguidance grammar for a request's constraint (same inputs the vLLM path gets)."""
    from llguidance import LLMatcher

    if json_schema is not None:
        try:
            return LLMatcher.grammar_from_json_schema(
                strict_schema(json_schema), defaults={"whitespace_flexible": False}
            )
        except (ValueError, TypeError) as error:
            raise ConstraintError(f"unusable JSON schema: {error}") from error
    if regex is not None:
        return LLMatcher.grammar_from_regex(regex)
    raise ConstraintError("no constraint given")


class Vocabulary:
    """One tokenizer as llguidance sees it, plus the order in which the finishing-path search
    tries tokens (closing bytes first, then short tokens). Built once per loaded model."""

    def __init__(self, tokenizer, eos_token_ids: Sequence[int], model_vocab_size: int):
        import llguidance.hf
        from transformers import PreTrainedTokenizerFast

        if not isinstance(tokenizer, PreTrainedTokenizerFast):
            raise ConstraintError("constrained decoding needs a fast (Rust) tokenizer")
        self.eos_token_ids = sorted({int(t) for t in eos_token_ids if t is not None})
        self.tokenizer = llguidance.hf.from_tokenizer(tokenizer, eos_token=self.eos_token_ids)
        self.size = self.tokenizer.vocab_size
        self.model_vocab_size = max(model_vocab_size, self.size)
        self._grammars: dict[str, str] = {}
        spellings = [b"" if self.tokenizer.is_special_token(t) else self.tokenizer.decode_bytes([t])
                     for t in range(self.size)]
        keys = [self._closing_key(spelling) for spelling in spellings]
        self.search_order = np.array(sorted(range(self.size), key=keys.__getitem__), dtype=np.int64)

    @staticmethod
    def _closing_key(spelling: bytes) -> tuple[int, int]:
        if not spelling:
            return (1_000, 0)  # special tokens: never part of a finishing path
        closers = len(spelling) - len(spelling.lstrip(b'"}]'))
        if closers == len(spelling):
            return (0, -closers)  # '"}]}' before '"}' before '"'
        rank = _CLOSING_FIRST.find(spelling[:1])
        return (1 + (rank if rank >= 0 else len(_CLOSING_FIRST) + spelling[0]), len(spelling))

    def matcher(self, json_schema: dict | None, regex: str | None):
        from llguidance import LLMatcher

        spec = json.dumps([json_schema, regex], sort_keys=True)
        grammar = self._grammars.get(spec)
        if grammar is None:
            grammar = grammar_for(json_schema, regex)
            problem = LLMatcher.validate_grammar(grammar, self.tokenizer)
            if problem:
                what = "JSON schema" if json_schema is not None else f"regex {regex!r}"
                raise ConstraintError(f"unusable {what}: {problem.strip().splitlines()[0]}")
            self._grammars[spec] = grammar
        matcher = LLMatcher(self.tokenizer, grammar, log_level=0)
        if matcher.is_error():
            raise ConstraintError(f"cannot build the output constraint: {matcher.get_error()}")
        return matcher

    def allowed(self, matcher) -> np.ndarray:
        """Boolean mask over the model's vocabulary of the tokens the grammar allows now."""
        mask = np.zeros(self.model_vocab_size, dtype=bool)
        mask[: self.size] = np.frombuffer(matcher.compute_logit_bias(), dtype=np.uint8) > 0
        return mask

    def finishing_path(self, matcher, budget: int) -> list[int] | None:
        """Tokens (no EOS) that take `matcher` to an accepting state within `budget` tokens, or
        None if the search finds none. Forced bytes are followed as forced tokens; elsewhere the
        first few allowed tokens in closing-first order are tried depth-first."""
        nodes = 0

        def search(state, budget: int) -> list[int] | None:
            nonlocal nodes
            if state.is_accepting():
                return []
            nodes += 1
            if budget <= 0 or nodes > _SEARCH_NODES or state.is_error():
                return None
            forced = state.compute_ff_tokens()
            if forced:
                if len(forced) > budget:
                    return None
                after = state.deep_copy()
                if not after.consume_tokens(forced):
                    return None
                rest = search(after, budget - len(forced))
                return None if rest is None else forced + rest
            allowed = np.frombuffer(state.compute_logit_bias(), dtype=np.uint8) > 0
            allowed[self.eos_token_ids] = False
            for token, after in self._closing_candidates(state, allowed):
                rest = search(after, budget - 1)
                if rest is not None:
                    return [token] + rest
            return None

        return search(matcher, budget)


    def _closing_candidates(self, state, allowed: np.ndarray) -> list[tuple[int, Any]]:
        """The search's next tokens: the first allowed ones in closing-first order, reordered by
        one step of lookahead (a token after which the grammar accepts, then one after which it
        forces bytes, i.e. one that ended a string, number or container, beats the rest)."""
        scored = []
        for token in self.search_order[allowed[self.search_order]][:_LOOKAHEAD].tolist():
            after = state.deep_copy()
            if after.consume_token(token):
                progress = 0 if after.is_accepting() else 1 if after.compute_ff_tokens() else 2
                scored.append((progress, len(scored), token, after))
        scored.sort(key=lambda item: item[:2])
        return [(token, after) for _, _, token, after in scored[:_SEARCH_BRANCHES]]


class GuidedRow:
    """The decoding state of one sequence: its matcher, tokens left and finishing path."""

    def __init__(self, vocabulary: Vocabulary, json_schema: dict | None, regex: str | None, max_tokens: int):
        self.vocabulary = vocabulary
        self.matcher = vocabulary.matcher(json_schema, regex)
        self.remaining = max_tokens
        path = vocabulary.finishing_path(self.matcher, max_tokens)
        if path is None:
            raise ConstraintError(
                f"max_tokens={max_tokens} is too small for the output constraint "
                f"(no output that satisfies it fits in {max_tokens} tokens)"
            )
        self.path = path
        self.done = False
        self.forced = 0  # steps where the budget overruled the model

    def choose(self, scores, pick: Callable[[Any], int]) -> int:
        """Pick this step's token from `scores` (a 1-D tensor, modified) with `pick`."""
        import torch

        allowed = torch.from_numpy(self.vocabulary.allowed(self.matcher))[: scores.numel()]
        scores.masked_fill_(~allowed, float("-inf"))
        token, path = None, None
        # with no slack left, only the path's own next token (or something shorter, which the
        # path search rarely finds) still fits: follow the path without asking the model
        tries = min(_PICK_TRIES, int(allowed.sum())) if len(self.path) < self.remaining else 0
        for _ in range(tries):
            candidate = pick(scores)
            path = self._path_after(candidate)
            if path is not None:
                token = candidate
                break
            scores[candidate] = float("-inf")
        if token is None:  # follow the known way out
            self.forced += 1
            token = self.path[0] if self.path else self.vocabulary.eos_token_ids[0]
            path = self.path[1:]
        if token in self.vocabulary.eos_token_ids:
            self.done = True
        else:
            self.matcher.consume_token(token)
        self.path, self.remaining = path, self.remaining - 1
        return token

    def _path_after(self, token: int) -> list[int] | None:
        budget = self.remaining - 1
        if token in self.vocabulary.eos_token_ids:
            return [] if self.matcher.is_accepting() else None
        if self.path and token == self.path[0]:
            return self.path[1:]
        if len(self.path) <= budget:  # does the old path still finish? (EOS is legal only when accepting)
            probe = [token] + self.path + self.vocabulary.eos_token_ids[:1]
            if self.matcher.validate_tokens(probe) == len(probe):
                return list(self.path)
        after = self.matcher.deep_copy()
        if not after.consume_token(token):
            return None
        return self.vocabulary.finishing_path(after, budget)


class GuidedLogitsProcessor:
    """A transformers logits processor that decodes constrained rows itself (see module doc).
    Rows without a constraint (None) are left to `generate`."""

    def __init__(self, rows: list[GuidedRow | None], temperature: float, top_p: float, seeds: Sequence[int]):
        import torch

        self.rows = rows
        self.temperature, self.top_p = temperature, top_p
        self.generators = [torch.Generator().manual_seed(int(seed)) for seed in seeds]

    def __call__(self, input_ids, scores):
        import torch

        for index, row in enumerate(self.rows):
            if row is None or row.done:
                continue
            row_scores = scores[index].detach().float().cpu()  # a copy on GPU; on CPU the row itself,
            token = row.choose(row_scores, lambda s, i=index: self._pick(s, i))  # overwritten next
            scores[index] = float("-inf")
            scores[index, token] = 0.0
        return scores

    def _pick(self, scores, index: int) -> int:
        import torch

        if self.temperature <= 0:
            return int(torch.argmax(scores))
        probs = torch.softmax(scores / self.temperature, dim=-1)
        if self.top_p < 1.0:
            ordered, order = torch.sort(probs, descending=True)
            outside = torch.cumsum(ordered, dim=-1) - ordered > self.top_p
            ordered[outside] = 0.0
            probs = torch.zeros_like(probs).scatter_(0, order, ordered)
        return int(torch.multinomial(probs, 1, generator=self.generators[index]))
