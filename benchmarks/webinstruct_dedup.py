"""Near-duplicate removal: MinHash LSH (this stage) beside exact all-pairs Jaccard (baseline).

Pairs are real benchmark questions (../shared/data/benchmarks) plus near-duplicate variants
(a few words dropped or swapped, case and punctuation changed), as mined web QA looks when the
same exercise is posted on several sites. Both methods use the same 3-word shingles and
threshold; the baseline's exact Jaccard decisions are the ground truth for the stage's recall
and precision. Run:  .venv/bin/python benchmarks/webinstruct_dedup.py --pairs 3000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mammoth_assets import paths
from mammoth_assets.core.benchmarks import load_benchmark
from mammoth_assets.core.dedup import DedupRow, deduplicate, normalize_text, shingles


def variant(rng: random.Random, text: str) -> str:
    words = text.split()
    for _ in range(max(1, len(words) // 25)):
        if len(words) > 5:
            i = rng.randrange(len(words))
            if rng.random() < 0.5:
                del words[i]
            else:
                j = min(len(words) - 1, i + 1)
                words[i], words[j] = words[j], words[i]
    out = " ".join(words)
    return out.upper() if rng.random() < 0.2 else out.rstrip(".?") + "?"


def make_rows(count: int, seed: int = 0) -> list[DedupRow]:
    rng = random.Random(seed)
    root = paths.shared_data_dir() / "benchmarks"
    items = load_benchmark("math", root) + load_benchmark("gsm8k", root)
    rng.shuffle(items)
    rows = []
    originals = items[: int(count * 0.7)]
    for i, item in enumerate(originals):
        rows.append(DedupRow(f"o{i}", f"o{i}", item.question, item.reference))
    while len(rows) < count:
        i = rng.randrange(len(originals))
        rows.append(
            DedupRow(
                f"v{len(rows)}",
                f"v{len(rows)}",
                variant(rng, originals[i].question),
                originals[i].reference,
            )
        )
    rng.shuffle(rows)
    return rows


def baseline(rows: list[DedupRow], threshold: float) -> dict[str, bool]:
    """Exact Jaccard against every kept row (O(n^2)); exact normalized-question dedup first."""
    kept: list[tuple[str, set]] = []
    seen: set[str] = set()
    decisions = {}
    for row in rows:
        key = normalize_text(row.question)
        if key in seen:
            decisions[row.row_id] = False
            continue
        grams = shingles(f"{row.question}\n{row.answer}")
        duplicate = any(
            len(grams & other) / max(1, len(grams | other)) >= threshold for _, other in kept
        )
        decisions[row.row_id] = not duplicate
        if not duplicate:
            seen.add(key)
            kept.append((row.row_id, grams))
    return decisions


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=3000)
    parser.add_argument("--threshold", type=float, default=0.8)
    args = parser.parse_args()
    rows = make_rows(args.pairs)
    t0 = time.perf_counter()
    ours = {d.row_id: d.kept for d in deduplicate(rows, threshold=args.threshold)}
    ours_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    truth = baseline(rows, args.threshold)
    base_s = time.perf_counter() - t0
    removed_truth = {r for r, kept in truth.items() if not kept}
    removed_ours = {r for r, kept in ours.items() if not kept}
    both = len(removed_truth & removed_ours)
    print(f"pairs: {len(rows)}, threshold {args.threshold}")
    print(f"{'':30}{'this stage':>14}{'baseline':>14}")
    print(f"{'method':30}{'MinHash LSH':>14}{'all-pairs':>14}")
    print(f"{'seconds':30}{ours_s:>14.2f}{base_s:>14.2f}")
    print(f"{'pairs per second':30}{len(rows) / ours_s:>14,.0f}{len(rows) / base_s:>14,.0f}")
    print(f"{'duplicates removed':30}{len(removed_ours):>14}{len(removed_truth):>14}")
    print(f"{'recall vs exact Jaccard':30}{both / max(1, len(removed_truth)):>14.3f}{1.0:>14.3f}")
    print(f"{'precision vs exact Jaccard':30}{both / max(1, len(removed_ours)):>14.3f}{1.0:>14.3f}")


if __name__ == "__main__":
    main()
