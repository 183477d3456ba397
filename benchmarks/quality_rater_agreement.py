"""How well a rater reproduces the paper's filter: agreement with AlpaGasus's own kept set.

`random_9k.json` is 9,229 random Alpaca-52k triplets; `claude_t45.json` is the 5,305 Alpaca-52k
triplets the AlpaGasus authors' Claude rater scored >= 4.5. Their intersection (935 of the 9,229)
labels every random_9k triplet as kept / not kept by the published filter. This script rates a
slice of random_9k with the configured rater through the LLM layer (cached: a rerun is free),
keeps score >= threshold, and prints precision / recall / F1 of "kept" beside the baseline of
keeping the same number at random (expected precision = the base rate).

    .venv/bin/python benchmarks/quality_rater_agreement.py --limit 40                 # tiny model
    .venv/bin/python benchmarks/quality_rater_agreement.py --limit 9229 \\
        --backend openai --model Qwen/Qwen2.5-72B-Instruct --base-url http://gpu:8000/v1
"""

from __future__ import annotations

import argparse
import json
import random
import time

from mammoth_assets import paths
from mammoth_assets.core import instruction_sets as sets
from mammoth_assets.core.alpagasus import PAPER_THRESHOLD, parse_rating
from mammoth_assets.defs.quality.rating import RatingConfig, rating_request
from mammoth_assets.llm import LLMResource, load_prompt

ALPAGASUS = "instruction/gpt4life__alpagasus/data"


def triplet(row: dict) -> tuple[str, str, str]:
    return row["instruction"].strip(), row["input"].strip(), row["output"].strip()


def published_kept() -> set[tuple[str, str, str]]:
    path = paths.shared_data_dir() / ALPAGASUS / "filtered" / "claude_t45.json"
    return {triplet(r) for r in json.loads(path.read_text())}


def prf(predicted: list[bool], truth: list[bool]) -> tuple[float, float, float]:
    tp = sum(p and t for p, t in zip(predicted, truth))
    precision = tp / max(1, sum(predicted))
    recall = tp / max(1, sum(truth))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--threshold", type=float, default=PAPER_THRESHOLD)
    parser.add_argument("--dimension", default="accuracy", choices=["accuracy", "helpfulness"])
    parser.add_argument("--backend", default="transformers")
    parser.add_argument("--model", default="", help="empty = the project's tiny model")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000/v1")
    args = parser.parse_args()

    declaration = sets.find_declaration("alpaca_random_9k")
    rows = [r for r in sets.iter_examples(declaration) if r["status"] == "ok"][: args.limit]
    kept_by_paper = published_kept()
    truth = [triplet(r) in kept_by_paper for r in rows]

    llm = LLMResource(backend=args.backend, model=args.model, base_url=args.base_url)
    config = RatingConfig(dimension=args.dimension, limit=args.limit)
    template = load_prompt(f"quality_rate_{args.dimension}")
    requests = [rating_request(template, "alpaca_random_9k", r, config) for r in rows]
    started = time.perf_counter()
    responses = llm.generate(requests, stage="benchmark_rater_agreement")
    seconds = time.perf_counter() - started
    scores = [parse_rating(r.text).score if r.ok else None for r in responses]
    predicted = [s is not None and s >= args.threshold for s in scores]

    rng = random.Random(0)
    random_pick = set(rng.sample(range(len(rows)), sum(predicted)))
    baseline = [i in random_pick for i in range(len(rows))]

    usage = llm.usage_metadata(responses)
    print(f"rater {usage['llm_model_id']} ({args.dimension}), {len(rows)} random_9k triplets, "
          f"{sum(truth)} kept by the paper's Claude rater (>= 4.5), threshold {args.threshold:g}")
    print(f"{usage['llm_backend_requests']} backend requests, {usage['llm_cache_hits']} cache hits, "
          f"{seconds:.1f} s, {sum(s is None for s in scores)} unparsed\n")
    header = f"{'filter':28} {'kept':>6} {'precision':>10} {'recall':>8} {'F1':>6}"
    print(header)
    print("-" * len(header))
    for name, picks in (("paper (Claude >= 4.5)", truth), ("this rater", predicted),
                        ("random, same size", baseline)):
        precision, recall, f1 = prf(picks, truth)
        print(f"{name:28} {sum(picks):>6} {precision:>10.3f} {recall:>8.3f} {f1:>6.3f}")


if __name__ == "__main__":
    main()
