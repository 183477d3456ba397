"""Near-duplicate removal: ours (MinHash buckets in the warehouse, LSH banding as a SQL join,
candidates checked by exact Jaccard, greedy decisions in SQL) beside exact all-pairs Jaccard (the
ground truth) and datasketch's MinHashLSH (the library most pipelines use: LSH candidates taken as
duplicates, no exact check).

Pairs are real benchmark questions (../shared/data/benchmarks) plus near-duplicate variants
(a few words dropped or swapped, case and punctuation changed), as mined web QA looks when the
same exercise is posted on several sites. All methods use the same 3-word shingles, 128
permutations and threshold; recall and precision are against the exact all-pairs decisions.
Run:  .venv/bin/python benchmarks/webinstruct_dedup.py --pairs 3000 --repeat 3
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mammoth_assets import paths
from mammoth_assets.core.benchmarks import load_benchmark
from datasketch import MinHash, MinHashLSH

from mammoth_assets.core.dedup import DedupRow, band_params, normalize_text, shingles
from mammoth_assets.steps.near_dedup import deduplicate


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


def datasketch_lsh(rows: list[DedupRow], threshold: float, num_perm: int = 128) -> dict[str, bool]:
    """datasketch's MinHashLSH (its default band split for the threshold) used the usual way: a
    row is a duplicate when the index returns any candidate among the kept rows."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    seen: set[str] = set()
    decisions = {}
    for row in rows:
        key = normalize_text(row.question)
        if key in seen:
            decisions[row.row_id] = False
            continue
        signature = MinHash(num_perm=num_perm)
        signature.update_batch(list(shingles(f"{row.question}\n{row.answer}")))
        duplicate = bool(lsh.query(signature))
        decisions[row.row_id] = not duplicate
        if not duplicate:
            seen.add(key)
            lsh.insert(row.row_id, signature)
    return decisions


def ours(rows: list[DedupRow], threshold: float) -> dict[str, bool]:
    return {d.row_id: d.kept for d in deduplicate(rows, threshold=threshold)}


def timed(method, rows, threshold, repeat: int) -> tuple[dict[str, bool], list[float]]:
    seconds = []
    for _ in range(repeat):
        started = time.process_time()
        decisions = method(rows, threshold)
        seconds.append(time.process_time() - started)
    return decisions, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=3000)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = make_rows(args.pairs)
    truth, base_s = timed(baseline, rows, args.threshold, 1)
    removed_truth = {r for r, kept in truth.items() if not kept}
    bands, width = band_params(args.threshold, 128)
    methods = {
        f"ours ({bands}x{width}+exact)": ours,
        "datasketch LSH": datasketch_lsh,
    }
    results = {name: timed(method, rows, args.threshold, args.repeat) for name, method in methods.items()}
    results["exact all-pairs"] = (truth, base_s)
    print(f"pairs: {len(rows)}, threshold {args.threshold}, 128 permutations; CPU seconds min / median "
          f"of {args.repeat} runs (all-pairs: 1 run)")  # fmt: skip
    print(f"{'':28}" + "".join(f"{name:>24}" for name in results))
    def line(label, values):
        print(f"{label:28}" + "".join(f"{v:>24}" for v in values))
    line("CPU s", [f"{min(s):.2f} / {statistics.median(s):.2f}" for _, s in results.values()])
    line("pairs per CPU second", [f"{len(rows) / statistics.median(s):,.0f}" for _, s in results.values()])
    removed = {name: {r for r, kept in d.items() if not kept} for name, (d, _) in results.items()}
    line("duplicates removed", [len(r) for r in removed.values()])
    line("recall vs exact Jaccard", [f"{len(r & removed_truth) / max(1, len(removed_truth)):.3f}" for r in removed.values()])
    line("precision vs exact Jaccard", [f"{len(r & removed_truth) / max(1, len(r)):.3f}" for r in removed.values()])


if __name__ == "__main__":
    main()
