"""What the LLM layer costs over the raw engine, and what the cache saves.

Runs the same chat prompts (1) through raw transformers `generate` (same batch size, left padding,
length-sorted batches, greedy) and (2) through `LLMResource.generate` (cache lookup, claims,
batching, token accounting, answers committed per batch), then (3) again through the layer, which
must be 100% cache hits with zero backend calls. Then (4) constrained decoding: milliseconds per
generated token of the transformers backend with no constraint, under the extraction JSON schema
and under the AlpaGasus rating regex (llguidance masks plus the finishing-path budget). With vLLM
importable (`--vllm`), also raw `vllm.LLM.chat` against the layer's vllm backend. Every figure is
repeated (`--repeats`) and printed as min and median (target: layer overhead under 10%).

    .venv/bin/python benchmarks/llm_overhead.py                # the tiny model, built on the fly
    .venv/bin/python benchmarks/llm_overhead.py --model Qwen/Qwen2.5-0.5B-Instruct --prompts 256
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path


def prompts(n: int) -> list[list[dict[str, str]]]:
    topics = ["fractions", "prime numbers", "the derivative of x^2", "Ohm's law", "a binary search",
              "the Pythagorean theorem", "compound interest", "photosynthesis"]
    return [
        [{"role": "system", "content": "You are a careful tutor."},
         {"role": "user", "content": f"Question {i}: explain {topics[i % len(topics)]} " + "briefly. " * (i % 7)}]
        for i in range(n)
    ]


def raw_transformers(model_path: str, conversations, max_tokens: int, batch_size: int) -> tuple[float, float, int]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    tokenizer.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(model_path).eval()
    warm = tokenizer.apply_chat_template(conversations[:2], tokenize=False, add_generation_prompt=True)
    model.generate(**tokenizer(warm, return_tensors="pt", padding=True, add_special_tokens=False),
                   max_new_tokens=2, do_sample=False)  # warm-up
    produced = 0
    cpu_started = time.process_time()
    started = time.perf_counter()  # rendering and tokenizing are part of the job on both paths
    texts = [tokenizer.apply_chat_template(c, tokenize=False, add_generation_prompt=True) for c in conversations]
    lengths = [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
    texts = [text for _, text in sorted(zip(lengths, texts), key=lambda pair: pair[0])]
    with torch.inference_mode():
        for begin in range(0, len(texts), batch_size):
            batch = tokenizer(texts[begin : begin + batch_size], return_tensors="pt", padding=True,
                              add_special_tokens=False)
            out = model.generate(**batch, max_new_tokens=max_tokens, do_sample=False,
                                 pad_token_id=tokenizer.pad_token_id)
            produced += int((out[:, batch["input_ids"].shape[1]:] != tokenizer.pad_token_id).sum())
    return time.perf_counter() - started, time.process_time() - cpu_started, produced


def through_layer(llm, conversations, max_tokens: int, stage: str) -> tuple[float, float, dict]:
    from mammoth_assets.llm import LLMRequest, SamplingParams

    requests = [LLMRequest(f"{stage}-{i}", messages=c, sampling=SamplingParams(max_tokens=max_tokens))
                for i, c in enumerate(conversations)]
    cpu_started = time.process_time()
    started = time.perf_counter()
    responses = llm.generate(requests, stage=stage)
    elapsed = time.perf_counter() - started
    return elapsed, time.process_time() - cpu_started, llm.usage_metadata(responses)


def constrained_per_token(model_path: str, conversations, max_tokens: int, batch_size: int,
                          repeats: int) -> list[tuple[str, list[float], int]]:
    """(label, ms per generated token of each repeat, tokens per repeat) for the transformers
    backend without a constraint and under a JSON schema and a regex."""
    from mammoth_assets.core.alpagasus import RATING_REGEX
    from mammoth_assets.core.qa_extraction import EXTRACTION_SCHEMA
    from mammoth_assets.llm import LLMRequest, SamplingParams
    from mammoth_assets.llm.backends.transformers_backend import TransformersBackend

    backend = TransformersBackend(model_path, batch_size=batch_size)
    backend.load()

    def requests(**constraint) -> list[LLMRequest]:
        return [LLMRequest(f"c{i}", messages=c, sampling=SamplingParams(max_tokens=max_tokens, temperature=1.0, seed=0),
                           **constraint) for i, c in enumerate(conversations)]

    cases = [("unconstrained", requests()), ("JSON schema (extraction)", requests(json_schema=EXTRACTION_SCHEMA)),
             ("regex (AlpaGasus rating)", requests(regex=RATING_REGEX))]
    for _, batch in cases:  # warm-up: grammar compilation and first-call costs
        list(backend.generate(batch[:2]))
    results = []
    for label, batch in cases:
        per_token, tokens = [], 0
        for _ in range(repeats):
            started = time.perf_counter()
            answers = [answer for group in backend.generate(batch) for _, answer in group]
            elapsed = time.perf_counter() - started
            tokens = sum(a.completion_tokens for a in answers)
            per_token.append(1000 * elapsed / max(tokens, 1))
        results.append((label, per_token, tokens))
    return results


def min_median(values: list[float]) -> str:
    return f"{min(values):.3f} / {statistics.median(values):.3f}"


def raw_vllm(model_path: str, conversations, max_tokens: int) -> float:
    from vllm import LLM, SamplingParams

    engine = LLM(model=model_path, enable_prefix_caching=True, seed=0)
    params = SamplingParams(temperature=0.0, max_tokens=max_tokens)
    engine.chat(conversations[:2], sampling_params=params, use_tqdm=False)
    started = time.perf_counter()
    engine.chat(conversations, sampling_params=params, use_tqdm=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="", help="HF id or path; default: the tiny model")
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3, help="timed repetitions (min and median reported)")
    parser.add_argument("--constrained-tokens", type=int, default=64,
                        help="max_tokens of the constrained-decoding comparison (0 skips it)")
    parser.add_argument("--cpu-threads", type=int, default=1)
    parser.add_argument("--vllm", action="store_true", help="also compare vLLM (needs vllm installed)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="llm-overhead-"))
    os.environ.setdefault("MAMMOTH_DATA_DIR", str(workdir / "data"))
    import torch

    from mammoth_assets.llm import LLMResource
    from mammoth_assets.llm.tiny_model import build_tiny_model

    if args.cpu_threads:
        torch.set_num_threads(args.cpu_threads)
    model = args.model or str(build_tiny_model(workdir / "tiny"))
    conversations = prompts(args.prompts)

    raw_times, layer_times, raw_cpu, layer_cpu = [], [], [], []
    produced = 0
    for repeat in range(args.repeats):
        seconds, cpu, produced = raw_transformers(model, conversations, args.max_tokens, args.batch_size)
        raw_times.append(seconds)
        raw_cpu.append(cpu)
        # a fresh cache per repeat so every layer run really generates
        llm = LLMResource(model=model, batch_size=args.batch_size, cpu_threads=args.cpu_threads,
                          cache_path=str(workdir / f"cache-{repeat}.duckdb"))
        through_layer(llm.with_model(model, cache_path=str(workdir / f"warm-{repeat}.duckdb")),
                      conversations[:2], 2, "warm-up")
        seconds, cpu, usage = through_layer(llm, conversations, args.max_tokens, "bench")
        layer_times.append(seconds)
        layer_cpu.append(cpu)
    again_s, _, again = through_layer(llm, conversations, args.max_tokens, "bench")

    print(f"model={model} prompts={args.prompts} max_tokens={args.max_tokens} batch={args.batch_size} "
          f"torch_threads={torch.get_num_threads()} repeats={args.repeats}")
    print(f"{'path (min / median)':<34}{'wall s':>18}{'CPU s':>18}{'tokens out':>12}")
    print(f"{'raw transformers generate':<34}{min_median(raw_times):>18}{min_median(raw_cpu):>18}{produced:>12}")
    tokens = usage["llm_completion_tokens"]
    print(f"{'LLMResource (transformers)':<34}{min_median(layer_times):>18}{min_median(layer_cpu):>18}{tokens:>12}")
    for label, pick in (("min", min), ("median", statistics.median)):
        raw_s, layer_s, raw_c, layer_c = pick(raw_times), pick(layer_times), pick(raw_cpu), pick(layer_cpu)
        print(f"overhead ({label}): wall {100 * (layer_s / raw_s - 1):+.1f}%, CPU {100 * (layer_c / raw_c - 1):+.1f}%")
    print("(target < +10%; wall times on a shared machine are noisy, CPU time less so)")
    print(f"re-run through the layer: {again_s:.3f}s, cache hit rate {100 * again['llm_cache_hit_rate']:.0f}%, "
          f"backend requests {again['llm_backend_requests']}")

    if args.constrained_tokens:
        results = constrained_per_token(model, conversations, args.constrained_tokens, args.batch_size, args.repeats)
        print(f"\nconstrained decoding, transformers backend, sampled (T=1), max_tokens={args.constrained_tokens}")
        print(f"{'constraint':<34}{'ms/token min / median':>24}{'tokens':>9}{'vs unconstrained (median)':>28}")
        base = statistics.median(results[0][1])
        for label, per_token, count in results:
            print(f"{label:<34}{min_median(per_token):>24}{count:>9}{statistics.median(per_token) / base:>27.2f}x")

    if args.vllm:
        from mammoth_assets.llm.backends.vllm_backend import vllm_available

        if not vllm_available():
            print("vLLM: not importable in this environment; skipped")
            return
        vllm_raw = raw_vllm(model, conversations, args.max_tokens)
        vllm_layer = LLMResource(backend="vllm", model=model, batch_size=max(args.batch_size, 256),
                                 cache_path=str(workdir / "vllm-cache.duckdb"))
        through_layer(vllm_layer.with_model(model, backend="vllm", cache_path=str(workdir / "vllm-warm.duckdb")),
                      conversations[:2], 2, "warm-up")
        vllm_s, _, _ = through_layer(vllm_layer, conversations, args.max_tokens, "bench-vllm")
        print(f"{'raw vllm.LLM.chat':<34}{vllm_raw:>10.3f}")
        print(f"{'LLMResource (vllm, child process)':<34}{vllm_s:>10.3f}")
        print(f"vLLM overhead: {100 * (vllm_s / vllm_raw - 1):+.1f}%")


if __name__ == "__main__":
    main()
