"""Local batched `generate` with transformers, on CPU or one GPU.

Requests are grouped by sampling parameters (one `generate` call needs one setting), sorted by
prompt length inside a group to keep padding small, and run `batch_size` at a time. Greedy at
temperature 0, otherwise sampling seeded per batch. Rows under a JSON-schema / regex constraint run
in batches of their own (their seeds may differ: each row samples with a generator seeded from its
own request), decoded by llguidance through a logits processor that also guarantees they finish
inside `max_tokens` (see `mammoth_assets.llm.constrain`). `generate` yields one group of answers
per finished batch, and the caller commits it before the next batch starts.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterator, Sequence

from mammoth_assets.llm.backends import AnswerGroup, failed
from mammoth_assets.llm.constrain import ConstraintError, GuidedLogitsProcessor, GuidedRow, Vocabulary
from mammoth_assets.llm.types import LLMRequest, LLMResponse, SamplingParams

logger = logging.getLogger(__name__)
INVALID_REQUEST = "invalid request"  # prefix of errors the caller caused (not worth retrying)


def resolve_device(device: str) -> str:
    import torch

    if device in ("", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def resolve_dtype(dtype: str, device: str):
    import torch

    if dtype in ("", "auto"):
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[dtype]


class TransformersBackend:
    name = "transformers"

    def __init__(
        self,
        model: str | Path,
        *,
        device: str = "auto",
        dtype: str = "auto",
        batch_size: int = 8,
        max_model_len: int = 0,
    ):
        self.model_path = str(model)
        self.device = resolve_device(device)
        self.dtype_name = dtype
        self.batch_size = max(1, batch_size)
        self.max_model_len = max_model_len
        self._model = None
        self._tokenizer = None
        self._vocabulary: Vocabulary | None = None
        self.backend_requests = 0  # requests this engine has run (for tests and benchmarks)

    # -- loading ---------------------------------------------------------------------------
    def load(self) -> None:
        if self._model is not None:
            return
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(self.model_path)
        tokenizer.padding_side = "left"
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        model = AutoModelForCausalLM.from_pretrained(
            self.model_path, dtype=resolve_dtype(self.dtype_name, self.device)
        )
        model.to(self.device).eval()
        self._tokenizer, self._model = tokenizer, model
        if not self.max_model_len:
            self.max_model_len = int(getattr(model.config, "max_position_embeddings", 4096) or 4096)

    @property
    def tokenizer(self):
        self.load()
        return self._tokenizer

    @property
    def model(self):
        self.load()
        return self._model

    def eos_token_ids(self) -> list[int]:
        ids = self.model.generation_config.eos_token_id
        ids = ids if isinstance(ids, list) else [ids]
        if self.tokenizer.eos_token_id is not None:
            ids = ids + [self.tokenizer.eos_token_id]
        return sorted({int(i) for i in ids if i is not None})

    def vocabulary(self) -> Vocabulary:
        if self._vocabulary is None:
            size = int(self.model.get_output_embeddings().weight.shape[0])
            self._vocabulary = Vocabulary(self.tokenizer, self.eos_token_ids(), size)
        return self._vocabulary

    def render(self, request: LLMRequest) -> str:
        if request.messages is not None:
            return self.tokenizer.apply_chat_template(
                request.messages, tokenize=False, add_generation_prompt=True
            )
        if request.prompt is None:
            raise ValueError("request has neither messages nor prompt")
        return request.prompt

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    # -- generation ------------------------------------------------------------------------
    def generate(self, requests: Sequence[LLMRequest]) -> Iterator[AnswerGroup]:
        """One group per finished batch (and one first for requests refused before any batch)."""
        self.load()
        # one generate call needs one sampling setting; constrained rows decode in their own batches
        groups: dict[tuple[SamplingParams, bool], list[tuple[int, list[int]]]] = defaultdict(list)
        refused: AnswerGroup = []
        rendered: list[tuple[int, str]] = []
        for index, request in enumerate(requests):
            try:
                rendered.append((index, self.render(request)))
            except Exception as error:  # a broken chat template or message list
                refused.append((index, failed(request, f"{INVALID_REQUEST}: cannot render prompt: {error}")))
        encoded = self.tokenizer([text for _, text in rendered], add_special_tokens=False)["input_ids"] if rendered else []
        for (index, _), ids in zip(rendered, encoded):
            request = requests[index]
            limit = self.max_model_len - request.sampling.max_tokens
            if len(ids) > limit:
                refused.append((index, failed(
                    request,
                    f"{INVALID_REQUEST}: prompt has {len(ids)} tokens; with max_tokens={request.sampling.max_tokens} "
                    f"it exceeds max_model_len={self.max_model_len}",
                )))
                continue
            try:  # an unusable constraint fails its own request, not a whole batch
                constrained = self._guided_row(request) is not None
            except ConstraintError as error:
                refused.append((index, failed(request, f"{INVALID_REQUEST}: {error}")))
                continue
            # constrained rows sample with a generator of their own: their seeds may share a batch
            sampling = dataclasses.replace(request.sampling, seed=0) if constrained else request.sampling
            groups[(sampling, constrained)].append((index, ids))
        if refused:
            yield refused
        for (sampling, _), members in groups.items():
            members.sort(key=lambda member: len(member[1]))
            for start in range(0, len(members), self.batch_size):
                chunk = members[start : start + self.batch_size]
                yield list(self._run_chunk(requests, sampling, chunk))

    def _run_chunk(self, requests, sampling: SamplingParams, chunk) -> Iterator[tuple[int, LLMResponse]]:
        started = time.perf_counter()
        try:
            results = self._generate_batch([requests[i] for i, _ in chunk], sampling, [ids for _, ids in chunk])
        except Exception as error:
            if len(chunk) == 1:
                kind = f"{INVALID_REQUEST}: " if isinstance(error, ConstraintError) else ""
                yield chunk[0][0], failed(requests[chunk[0][0]], f"{kind}{type(error).__name__}: {error}")
                return
            logger.warning("batch of %d failed (%s); retrying one by one", len(chunk), error)
            for member in chunk:
                yield from self._run_chunk(requests, sampling, [member])
            return
        elapsed = time.perf_counter() - started
        self.backend_requests += len(chunk)
        for (index, _), result in zip(chunk, results):
            result.latency_s = elapsed
            yield index, result

    def _generate_batch(
        self, batch: list[LLMRequest], sampling: SamplingParams, prompts: list[list[int]]
    ) -> list[LLMResponse]:
        import torch
        from transformers import LogitsProcessorList

        tokenizer, model = self.tokenizer, self.model
        width = max(len(p) for p in prompts)
        pad = tokenizer.pad_token_id
        input_ids = torch.tensor([[pad] * (width - len(p)) + p for p in prompts], device=self.device)
        attention = torch.tensor(
            [[0] * (width - len(p)) + [1] * len(p) for p in prompts], device=self.device
        )
        guided = [self._guided_row(r) for r in batch]
        kwargs: dict[str, Any] = dict(
            input_ids=input_ids,
            attention_mask=attention,
            max_new_tokens=sampling.max_tokens,
            pad_token_id=pad,
            eos_token_id=self.eos_token_ids(),
        )
        if any(row is not None for row in guided):  # the processor picks (and samples) tokens itself
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
            kwargs["logits_processor"] = LogitsProcessorList(
                [GuidedLogitsProcessor(guided, sampling.temperature, sampling.top_p, [r.sampling.seed for r in batch])]
            )
        elif sampling.temperature > 0:
            torch.manual_seed(sampling.seed)
            kwargs.update(do_sample=True, temperature=sampling.temperature, top_p=sampling.top_p, top_k=0)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if sampling.stop:
            kwargs.update(stop_strings=list(sampling.stop), tokenizer=tokenizer)
        with torch.inference_mode():
            output = model.generate(**kwargs)
        eos = set(self.eos_token_ids())
        results = []
        for row, request in enumerate(batch):
            generated = output[row, width:].tolist()
            finish = "length"
            for position, token in enumerate(generated):
                if token in eos:
                    generated = generated[: position + 1]
                    finish = "stop"
                    break
            body = [t for t in generated if t not in eos]
            text = tokenizer.decode(body, skip_special_tokens=True)
            for stop in sampling.stop:
                cut = text.find(stop)
                if cut >= 0:
                    text, finish = text[:cut], "stop"
            if len(generated) < sampling.max_tokens and finish == "length":
                finish = "stop"  # stopped by a stop string that ended the row early
            results.append(
                LLMResponse(
                    request_id=request.request_id,
                    cache_key="",
                    text=text,
                    finish_reason=finish,
                    prompt_tokens=len(prompts[row]),
                    completion_tokens=len(generated),
                )
            )
        return results

    def _guided_row(self, request: LLMRequest) -> GuidedRow | None:
        if request.json_schema is None and request.regex is None:
            return None
        return GuidedRow(self.vocabulary(), request.json_schema, request.regex, request.sampling.max_tokens)

    def close(self) -> None:
        self._model = None
        self._tokenizer = None
        self._vocabulary = None
