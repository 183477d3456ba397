"""Decontamination index: build time, memory and page lookup speed, side by side with a baseline.

    this stage   `ContaminationIndex`: vocabulary-cached word hashes rolled into uint64 10-gram
                 hashes with numpy, a sorted array + searchsorted; cached on disk (load timed too)
    baseline     the common approach (lm-eval-harness / many scripts): a Python set of
                 " ".join(10-gram) strings built per item, pages checked window by window

Both index the full shared benchmark set (../shared/data/benchmarks) and check the same pages:
the sample dump's pages (times --copies) plus planted copies of benchmark questions; the script
asserts they flag the same pages. Run:  .venv/bin/python benchmarks/webinstruct_decontamination.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastwarc.warc import ArchiveIterator, WarcRecordType

from mammoth_assets import paths
from mammoth_assets.core.benchmarks import available_benchmarks, load_benchmark
from mammoth_assets.core.decontamination import (
    ContaminationIndex,
    normalize_words,
    segments_of_item,
)
from mammoth_assets.core.page_text import clean_html
from mammoth_assets.core.sample_dump import build_sample_mirror, read_labels


def baseline_build(texts, n):
    grams: dict[str, tuple[str, str]] = {}
    for t in texts:
        words = normalize_words(t.text)
        for i in range(len(words) - n + 1):
            grams.setdefault(" ".join(words[i : i + n]), (t.benchmark, t.item_id))
    return grams


def baseline_first_match(grams, text, n):
    words = normalize_words(text)
    for i in range(len(words) - n + 1):
        hit = grams.get(" ".join(words[i : i + n]))
        if hit:
            return hit
    return None


def sample_pages(copies: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        build_sample_mirror(Path(tmp))
        texts = []
        for warc in sorted({l["warc_file"] for l in read_labels(Path(tmp))}):
            with open(Path(tmp) / warc, "rb") as stream:
                for record in ArchiveIterator(stream, record_types=WarcRecordType.response):
                    texts.append(clean_html(record.reader.read().decode("utf-8", "replace")))
    return [t for t in texts if t] * copies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=4, help="times the sample pages are checked")
    parser.add_argument("--n", type=int, default=10)
    args = parser.parse_args()
    root = paths.shared_data_dir() / "benchmarks"
    names = available_benchmarks(root)
    started = time.perf_counter()
    texts = [
        s for name in names for item in load_benchmark(name, root) for s in segments_of_item(item)
    ]
    load_s = time.perf_counter() - started
    pages = sample_pages(args.copies)
    planted = [
        f"Homework thread. {t.text} Thanks!"
        for t in texts[:: max(1, len(texts) // 200)]
        if len(normalize_words(t.text)) >= args.n + 2
    ]
    pages += planted

    t0 = time.perf_counter()
    index = ContaminationIndex.build(texts, n=args.n)
    ours_build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.npz"
        index.save(path)
        t0 = time.perf_counter()
        ContaminationIndex.load(path)
        ours_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours_hits = [m is not None for m in index.first_matches(pages)]  # the stage checks in batches
    ours_check = time.perf_counter() - t0
    ours_bytes = index.hashes.nbytes + index.owners.nbytes

    t0 = time.perf_counter()
    grams = baseline_build(texts, args.n)
    base_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    base_hits = [baseline_first_match(grams, p, args.n) is not None for p in pages]
    base_check = time.perf_counter() - t0
    base_bytes = sys.getsizeof(grams) + sum(sys.getsizeof(k) for k in grams)

    assert ours_hits == base_hits, "the two indexes disagree"
    print(
        f"benchmarks: {len(names)} sets, {index.item_count} items, {len(texts)} segments (loaded in {load_s:.1f}s)"
    )
    print(
        f"pages checked: {len(pages)} ({len(planted)} planted), flagged: {sum(ours_hits)} (both agree)"
    )
    print(f"{'':28}{'this stage':>14}{'baseline':>14}")
    print(f"{'distinct n-grams':28}{len(index):>14,}{len(grams):>14,}")
    print(f"{'build (s)':28}{ours_build:>14.2f}{base_build:>14.2f}")
    print(f"{'load from disk cache (s)':28}{ours_load:>14.3f}{'n/a':>14}")
    print(f"{'index memory (MB)':28}{ours_bytes / 1e6:>14.1f}{base_bytes / 1e6:>14.1f}")
    print(
        f"{'pages checked per second':28}{len(pages) / ours_check:>14,.0f}{len(pages) / base_check:>14,.0f}"
    )


if __name__ == "__main__":
    main()
