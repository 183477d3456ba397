"""Decontamination: what the index catches and what it wrongly flags, beside the common baseline,
and how fast, in one run.

    this stage   `ContaminationIndex`: each item indexed whole (question + choices + answer, as
                 on a page) and in parts, option labels and answer intros removed, n-grams of
                 only numbers/stop words skipped, whole short items as one shorter window;
                 uint64 hashes in a sorted array (searchsorted), cached on disk
    baseline     the common approach (lm-eval-harness / many scripts): a Python set of
                 " ".join(10-gram) strings of each question, choice and answer separately

Both index the full shared benchmark set (../shared/data/benchmarks) and check the same pages:
    planted      every benchmark item copied into real page text with the variations real
                 copies have (case, option labels, line breaks, quotes, answer after it or not)
    clean        real pages that hold no benchmark item (DCLM and dolma Common Crawl documents,
                 every HTML page of the WARC files and of trafilatura's evaluation set)
Reported per benchmark: items, items each index can catch at all, planted copies caught;
speeds are per CPU-second (min and median of --repeat runs; the baseline runs once).

Run:  .venv/bin/python benchmarks/webinstruct_decontamination.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "core"))

import real_pages as rp  # noqa: E402

from mammoth_assets import paths  # noqa: E402
from mammoth_assets.core.benchmarks import available_benchmarks, load_benchmark  # noqa: E402
from mammoth_assets.core.decontamination import (  # noqa: E402
    ContaminationIndex,
    normalize_words,
    planted_copy,
    segments_of_item,
)


def baseline_parts(item) -> list[str]:
    texts = [item.question or "", *(str(c) for c in (item.choices or [])), str(item.reference or "")]
    return [t for t in texts if t.strip()]


def baseline_build(items, n: int) -> tuple[dict[str, tuple[str, str]], set[tuple[str, str]]]:
    grams: dict[str, tuple[str, str]] = {}
    catchable = set()
    for item in items:
        key = (item.benchmark, str(item.item_id))
        for text in baseline_parts(item):
            words = [w for w in normalize_words(text)]
            for i in range(len(words) - n + 1):
                grams.setdefault(" ".join(words[i : i + n]), key)
                catchable.add(key)
    return grams, catchable


def baseline_first_match(grams, text: str, n: int):
    words = normalize_words(text)
    for i in range(len(words) - n + 1):
        hit = grams.get(" ".join(words[i : i + n]))
        if hit:
            return hit
    return None


def timed(fn, repeat: int):
    seconds, result = [], None
    for _ in range(repeat):
        started = time.process_time()
        result = fn()
        seconds.append(time.process_time() - started)
    return result, min(seconds), statistics.median(seconds)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    root = paths.shared_data_dir() / "benchmarks"
    if not root.is_dir() or not rp.available():
        print(f"skipped: benchmarks or real pages not under {paths.shared_data_dir()}")
        return 0
    names = available_benchmarks(root)
    items = [item for name in names for item in load_benchmark(name, root)]
    texts = [segment for item in items for segment in segments_of_item(item)]
    clean = [text for _, text in rp.clean_real_pages()]
    rng = random.Random(args.seed)
    contexts = [" ".join(text.split()[:150]) for text in clean]
    planted = [planted_copy(item, rng, rng.choice(contexts)) for item in items]
    pages = planted + clean

    index, build_min, build_median = timed(lambda: ContaminationIndex.build(texts, n=args.n), args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.npz"
        index.save(path)
        _, load_min, _ = timed(lambda: ContaminationIndex.load(path), args.repeat)
    ours, check_min, check_median = timed(lambda: index.first_matches(pages), args.repeat)
    (grams, base_catchable), base_build, _ = timed(lambda: baseline_build(items, args.n), 1)
    base, base_check, _ = timed(lambda: [baseline_first_match(grams, p, args.n) for p in pages], 1)

    catchable = {key for key, can in zip(index.items, index.catchable) if can}
    rows = Counter()
    for item, ours_hit, base_hit in zip(items, ours, base):
        key = (item.benchmark, str(item.item_id))
        rows[(item.benchmark, "items")] += 1
        rows[(item.benchmark, "catchable")] += key in catchable
        rows[(item.benchmark, "base catchable")] += key in base_catchable
        rows[(item.benchmark, "caught")] += ours_hit is not None
        rows[(item.benchmark, "caught of catchable")] += ours_hit is not None and key in catchable
        rows[(item.benchmark, "base caught")] += base_hit is not None
    print(f"{len(names)} benchmarks, {len(items)} items; {len(planted)} planted copies; "
          f"{len(clean)} clean real pages")  # fmt: skip
    print(f"{'benchmark':16}{'items':>7}{'catchable':>11}{'(baseline)':>11}{'planted caught':>16}"
          f"{'(of catchable)':>16}{'(baseline)':>12}")  # fmt: skip
    for name in names + ["ALL"]:
        get = (lambda k: sum(v for (b, kk), v in rows.items() if kk == k)) if name == "ALL" else (lambda k: rows[(name, k)])  # noqa: E731
        total = get("items")
        print(f"{name:16}{total:>7}{get('catchable'):>11}{get('base catchable'):>11}"
              f"{get('caught') / total:>16.3f}{get('caught of catchable') / max(1, get('catchable')):>16.4f}"
              f"{get('base caught') / total:>12.3f}")  # fmt: skip
    flagged = sum(m is not None for m in ours[len(planted) :])
    base_flagged = sum(m is not None for m in base[len(planted) :])
    print(f"{'clean real pages flagged':28}{flagged:>14} / {len(clean)}{base_flagged:>14} / {len(clean)} (baseline)")
    print(f"{'':28}{'this stage':>18}{'baseline':>18}")
    print(f"{'distinct n-grams':28}{len(index):>18,}{len(grams):>18,}")
    print(f"{'build (CPU s, min / median)':28}{f'{build_min:.2f} / {build_median:.2f}':>18}{base_build:>18.2f}")
    print(f"{'load from disk cache (s)':28}{load_min:>18.3f}{'n/a':>18}")
    ours_mb = (index.hashes.nbytes + index.owners.nbytes) / 1e6
    base_mb = (sys.getsizeof(grams) + sum(sys.getsizeof(k) for k in grams)) / 1e6
    print(f"{'index memory (MB)':28}{ours_mb:>18.1f}{base_mb:>18.1f}")
    print(f"{'pages per CPU-s (median)':28}{len(pages) / check_median:>18,.0f}{len(pages) / base_check:>18,.0f}")
    print(f"{'pages per CPU-s (best run)':28}{len(pages) / check_min:>18,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
