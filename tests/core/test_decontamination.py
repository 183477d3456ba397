import json
import time
from pathlib import Path

import numpy as np

from mammoth_assets.core.decontamination import (
    BenchmarkText,
    ContaminationIndex,
    cached_index,
    files_fingerprint,
    index_cache_key,
    normalize_words,
    rolling_ngram_hashes,
    segments_of_item,
)


def test_normalization_ignores_case_punctuation_and_markup():
    assert normalize_words("Janet's  DUCKS, lay\n16 eggs!") == [
        "janet",
        "s",
        "ducks",
        "lay",
        "16",
        "eggs",
    ]


def test_rolling_hashes_equal_for_equal_windows():
    words = np.array([1, 2, 3, 1, 2, 3], dtype=np.uint64)
    grams = rolling_ngram_hashes(words, 3)
    assert len(grams) == 4 and grams[0] == grams[3] and grams[0] != grams[1]
    assert len(rolling_ngram_hashes(words, 7)) == 0


def test_index_finds_copied_question_and_names_the_item():
    texts = [
        BenchmarkText(
            "gsm8k",
            "0",
            "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning.",
        ),
        BenchmarkText(
            "gsm8k",
            "0",
            "She sells the remainder at the farmers' market daily for $2 per fresh duck egg.",
        ),
        BenchmarkText("math", "7", "Short question."),
    ]
    index = ContaminationIndex.build(texts, n=10)
    page = (
        "Homework help!!! JANET'S ducks lay 16 eggs per day; she eats three for breakfast. Thanks"
    )
    match = index.first_match(page)
    assert match is not None and (match.benchmark, match.item_id) == ("gsm8k", "0")
    assert match.ngram == "janet s ducks lay 16 eggs per day she eats"
    assert (
        index.first_match("Janet's ducks lay 16 eggs per week, she eats none of them at all")
        is None
    )
    # n-grams never span two segments of an item
    assert index.first_match("every morning she sells the remainder at the farmers market") is None


def test_cache_is_reused_and_keyed_by_content(tmp_path: Path):
    calls = []

    def load():
        calls.append(1)
        return [BenchmarkText("b", "1", "one two three four five six seven eight nine ten eleven")]

    first, cached = cached_index(tmp_path, "k1", load, n=10)
    assert not cached and len(first) == 2
    second, cached = cached_index(tmp_path, "k1", load, n=10)
    assert cached and len(calls) == 1
    assert second.first_match("one two three four five six seven eight nine ten") is not None
    data = tmp_path / "bench"
    data.mkdir()
    (data / "a.jsonl").write_text("x")
    key = index_cache_key(["gsm8k"], 10, files_fingerprint(data))
    (data / "a.jsonl").write_text("y")
    assert index_cache_key(["gsm8k"], 10, files_fingerprint(data)) != key
    assert index_cache_key(["gsm8k"], 13, files_fingerprint(data)) != index_cache_key(
        ["gsm8k"], 10, files_fingerprint(data)
    )


def test_full_shared_benchmark_set_indexes_fast_and_catches_real_items(shared_data: Path):
    from mammoth_assets.core.benchmarks import available_benchmarks, load_benchmark

    root = shared_data / "benchmarks"
    names = available_benchmarks(root)
    started = time.perf_counter()
    texts = [
        seg
        for name in names
        for item in load_benchmark(name, root)
        for seg in segments_of_item(item)
    ]
    index = ContaminationIndex.build(texts, n=10)
    elapsed = time.perf_counter() - started
    assert index.item_count > 10_000 and len(index) > 500_000
    assert elapsed < 60, f"index build took {elapsed:.1f}s"
    gsm = json.loads(
        (root / "openai__grade-school-math/grade_school_math/data/test.jsonl")
        .read_text()
        .splitlines()[5]
    )
    match = index.first_match("Forum post: " + gsm["question"])
    assert match is not None and match.benchmark in names
