import json
import time
from pathlib import Path

import numpy as np

import pytest

from mammoth_assets.core.benchmarks import BenchmarkItem
from mammoth_assets.core.decontamination import (
    BenchmarkText,
    ContaminationIndex,
    cached_index,
    files_fingerprint,
    index_cache_key,
    normalize_words,
    planted_copy,
    rolling_ngram_hashes,
    segments_of_item,
    tokenize,
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
    index = ContaminationIndex.build(texts, n=10, short_min_words=99)
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


def test_option_labels_and_answer_intros_are_ignored_on_both_sides():
    text = "Q: Which gas? A) Oxygen (b) Carbon dioxide C. Nitrogen\nThe answer is B. Answer: 5"
    assert normalize_words(text) == ["q", "which", "gas", "oxygen", "carbon", "dioxide", "nitrogen", "5"]
    assert tokenize([text]).to_list()[0] == normalize_words(text)


def test_whole_short_multiple_choice_item_is_caught_with_other_labels_and_layout():
    item = BenchmarkItem(
        "arc_challenge", "Mercury_1", "Which gas do green plants absorb?",
        ["oxygen", "carbon dioxide", "nitrogen", "helium"], "B",
    )  # fmt: skip
    index = ContaminationIndex.build(segments_of_item(item), n=10)
    assert index.coverage() == {"arc_challenge": (1, 1)}
    page = "Quiz time!\n1. which gas do green plants absorb\n(a) Oxygen\n(b) Carbon dioxide\n(c) Nitrogen\n(d) Helium\nThanks"
    match = index.first_match(page)
    assert match is not None and match.item_id == "Mercury_1"
    # the stem alone (5 words) is not distinctive enough to flag a page by itself
    assert index.first_match("Which gas do green plants absorb? Plants need light.") is None


def test_short_item_without_enough_distinctive_words_is_reported_uncatchable():
    items = [
        BenchmarkItem("bbh", "1", "not ( True ) and ( True ) is", None, "False"),
        BenchmarkItem("deepmind", "2", "What is 60% of 30?", None, "18"),
        BenchmarkItem("math", "3", "Evaluate $\\log_3 27 + \\sqrt{16}$ quickly.", None, "7"),
    ]
    index = ContaminationIndex.build([s for item in items for s in segments_of_item(item)], n=10)
    assert index.coverage() == {"bbh": (1, 0), "deepmind": (1, 0), "math": (1, 1)}
    assert index.first_match("Evaluate $\\log_3 27 + \\sqrt{16}$ quickly. The answer is 7.") is not None
    assert index.first_match("not True and True is False, as any truth table shows") is None


def test_ngrams_of_only_numbers_and_stop_words_are_not_indexed():
    item = BenchmarkItem(
        "math", "9", "List the numbers 1 2 3 4 5 6 7 8 9 10 11 12 and then find which of them are prime numbers.",
        None, "2, 3, 5, 7, 11",
    )  # fmt: skip
    index = ContaminationIndex.build(segments_of_item(item), n=10)
    assert index.first_match("Page 1 2 3 4 5 6 7 8 9 10 11 12 Next") is None
    assert index.first_match("and then find which of them are prime numbers") is None  # 8 words
    assert index.first_match("numbers 1 2 3 4 5 6 7 8 9 10 11 12 and then find which") is not None


def test_index_round_trips_lengths_and_coverage(tmp_path: Path):
    item = BenchmarkItem("arc_challenge", "7", "Which organ pumps blood through the body?", ["heart", "lung"], "A")
    index = ContaminationIndex.build(segments_of_item(item), n=10)
    index.save(tmp_path / "i.npz")
    loaded = ContaminationIndex.load(tmp_path / "i.npz")
    assert loaded.lengths == index.lengths and loaded.coverage() == index.coverage()
    assert loaded.first_match("which organ pumps blood through the body a) heart b) lung") is not None


@pytest.fixture(scope="module")
def shared_index(shared_data: Path):
    from mammoth_assets.core.benchmarks import available_benchmarks, load_benchmark

    root = shared_data / "benchmarks"
    items = [item for name in available_benchmarks(root) for item in load_benchmark(name, root)]
    return items, ContaminationIndex.build([s for item in items for s in segments_of_item(item)], n=10)


def test_planted_real_items_are_caught_and_clean_real_pages_are_not(shared_index):
    """Targets on real data: >= 0.99 of planted copies of catchable items caught (stems with
    variations, whole short multiple-choice items), <= 1 in 500 clean real pages flagged."""
    import random

    from . import real_pages as rp

    if not rp.available():
        pytest.skip(f"real pages not found under {rp.shared_dir()}")
    items, index = shared_index
    catchable = {key for key, can in zip(index.items, index.catchable) if can}
    rng = random.Random(7)
    sample = rng.sample(items, 3000) + [i for i in items if i.choices and len(normalize_words(i.question)) < 10]
    clean = [text for _, text in rp.clean_real_pages()]
    assert len(clean) >= 500
    contexts = [" ".join(t.split()[:120]) for t in clean]
    planted = [(i, planted_copy(i, rng, rng.choice(contexts))) for i in sample]
    planted = [(i, page) for i, page in planted if (i.benchmark, str(i.item_id)) in catchable]
    matches = index.first_matches([page for _, page in planted] + clean)
    caught = sum(m is not None for m in matches[: len(planted)])
    assert caught / len(planted) >= 0.99, (caught, len(planted))
    short_mc = [m for (i, _), m in zip(planted, matches) if i.choices and len(normalize_words(i.question)) < 10]
    assert len(short_mc) > 100
    assert sum(m is not None for m in short_mc) / len(short_mc) >= 0.99
    flagged = sum(m is not None for m in matches[len(planted) :])
    assert flagged <= len(clean) / 500


def test_number_run_pages_that_a_plain_index_flags_are_clean(shared_index):
    """Real pages (a DCLM countdown article, a dolma booking page) hold "10 9 8 ... 1" or
    "1 2 3 ... 10": a plain 10-gram index flags them as MATH items; this one does not."""
    from . import real_pages as rp

    if not rp.available():
        pytest.skip(f"real pages not found under {rp.shared_dir()}")
    _, index = shared_index
    runs = [t for _, t in rp.clean_real_pages() if " 10 9 8 7 6 5 4 3 2 1" in " ".join(normalize_words(t)) or " 1 2 3 4 5 6 7 8 9 10" in " ".join(normalize_words(t))]
    assert len(runs) >= 2
    assert index.first_matches(runs) == [None] * len(runs)


def test_coverage_is_reported_per_benchmark(shared_index):
    items, index = shared_index
    coverage = index.coverage()
    assert set(coverage) == {i.benchmark for i in items}
    for name in ("arc_challenge", "mmlu_stem", "gsm8k"):
        total, catchable = coverage[name]
        assert catchable / total >= 0.99, (name, total, catchable)


def test_each_page_is_kept_or_dropped_as_contaminated_with_the_item_it_matched():
    from mammoth_assets.core.decisions import registry
    from mammoth_assets.core.decontamination import BenchmarkText, ContaminationIndex, decide_pages

    question = "Natalia sold clips to forty eight of her friends in April and then she sold half as many in May"
    index = ContaminationIndex.build([BenchmarkText("gsm8k", "gsm8k-7", question)], n=10)
    page = {"dump": "D", "url": "u", "domain": "x.org", "structured_pairs": "[]"}
    rows = decide_pages(index, [
        {**page, "doc_id": "clean", "page_text": "A page about spiders and their eight legs, nothing else at all here."},
        {**page, "doc_id": "copy", "page_text": f"Homework help: {question}. Thanks!"},
        {**page, "doc_id": "faq", "page_text": "FAQ", "structured_pairs": '[{"question": "%s", "answer": "72"}]' % question},
    ])
    assert [r["decision"] for r in rows] == ["kept", "contaminated", "contaminated"]
    assert rows[1]["matched_item_id"] == "gsm8k-7" and "gsm8k/gsm8k-7" in rows[1]["decision_detail"]
    assert rows[0]["matched_benchmark"] is None and rows[2]["matched_item_id"] == "gsm8k-7"
    assert all(registry.DECONTAMINATED_DOCUMENTS.validate(r["decision"]) for r in rows)
