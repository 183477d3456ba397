"""Benchmark loaders on the upstream files in ../shared/data/benchmarks and on files tests write."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from mammoth_assets.core.benchmarks import (
    LETTERS,
    PAPER_BENCHMARKS,
    SUPPORTED_BENCHMARKS,
    BenchmarkError,
    available_benchmarks,
    load_benchmark,
    number_text,
    split_inline_choices,
)

# Item counts of the upstream test files (their READMEs / the data manifest).
EXPECTED_SIZES = {
    "gsm8k": 1319, "math": 5000, "math500": 500, "theoremqa": 800, "mmlu_stem": 3018,
    "bbh": 6511, "arc_challenge": 1172, "svamp": 1000, "aqua": 254, "numglue": 1042,
    "simuleq": 514, "deepmind": 1000, "sat_math": 220, "mmlu_math": 974,
}


@pytest.fixture(scope="module")
def bench_root(shared_data: Path) -> Path:
    root = shared_data / "benchmarks"
    if not root.exists():
        pytest.skip(f"no benchmark files under {root}")
    return root


def test_every_shared_benchmark_is_available(bench_root: Path) -> None:
    assert set(available_benchmarks(bench_root)) == set(EXPECTED_SIZES)
    assert set(PAPER_BENCHMARKS) - set(available_benchmarks(bench_root)) == {"gpqa"}


@pytest.mark.parametrize("name", sorted(EXPECTED_SIZES))
def test_loader_reads_whole_benchmark_with_unique_ids(bench_root: Path, name: str) -> None:
    items = load_benchmark(name, bench_root)
    assert len(items) == EXPECTED_SIZES[name]
    assert len({item.item_id for item in items}) == len(items)
    for item in items:
        assert item.benchmark == name and item.question and item.reference
        if item.choices:  # TheoremQA keeps its few "(a) .. (d)" options inside the question
            assert item.answer_kind == "choice" or name == "bbh"
        if item.answer_kind == "choice":
            assert item.reference in LETTERS[: len(item.choices or "ABCDE")]


def test_limit_takes_the_first_items_in_file_order(bench_root: Path) -> None:
    first = load_benchmark("gsm8k", bench_root, limit=3)
    assert [i.item_id for i in first] == [i.item_id for i in load_benchmark("gsm8k", bench_root)[:3]]
    assert first[0].reference == "18"  # Janet's ducks
    assert "<<" not in first[0].extra["solution"]


def test_math_reference_is_the_last_boxed_answer(bench_root: Path) -> None:
    items = load_benchmark("math", bench_root, limit=2)
    assert [i.reference for i in items] == ["2", "10"]
    assert items[0].answer_kind == "latex"
    assert load_benchmark("math500", bench_root, limit=1)[0].reference == (
        "\\left( 3, \\frac{\\pi}{2} \\right)"
    )


def test_theoremqa_answer_types_become_grader_kinds(bench_root: Path) -> None:
    items = load_benchmark("theoremqa", bench_root)
    kinds = Counter(i.answer_kind for i in items)
    assert kinds == {"number": 594, "boolean": 115, "list": 73, "choice": 18}
    assert {i.reference for i in items if i.answer_kind == "boolean"} == {"True", "False"}
    assert all(i.reference.startswith("[") for i in items if i.answer_kind == "list")
    assert {i.reference for i in items if i.answer_kind == "choice"} <= set("ABCDE")


def test_bbh_options_round_trip_to_the_original_input(bench_root: Path) -> None:
    items = load_benchmark("bbh", bench_root)
    assert len({i.extra["task"] for i in items}) == 27
    for item in items:
        if item.choices:
            rendered = item.question + "\nOptions:\n" + "\n".join(
                f"({LETTERS[k]}) {c}" for k, c in enumerate(item.choices)
            )
            assert rendered == item.extra["input"]


def test_arc_numeric_labels_map_to_letters(bench_root: Path) -> None:
    items = load_benchmark("arc_challenge", bench_root)
    sled = next(i for i in items if i.question.startswith("Which statement best describes the energy"))
    assert sled.reference == "B" and sled.choices[1].startswith("Kinetic energy increases")
    # an option holding "(g)" or "(l)" is not cut at those parentheses
    water = next(i for i in items if "H_{2}O" in i.question and "chemical equation" in i.question)
    assert water.choices[1] == "2H_{2}O(l) -> 2H_{2}(g) + O_{2}(g)"


def write_gpqa_csv(path: Path, rows: int = 3) -> Path:
    columns = ["Record ID", "Question", "Correct Answer", "Incorrect Answer 1",
               "Incorrect Answer 2", "Incorrect Answer 3", "Explanation", "High-level domain"]
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for i in range(rows):
            writer.writerow({
                "Record ID": f"rec{i}", "Question": f"What is {i} + {i}?",
                "Correct Answer": str(2 * i), "Incorrect Answer 1": str(2 * i + 1),
                "Incorrect Answer 2": str(2 * i + 2), "Incorrect Answer 3": str(2 * i + 3),
                "Explanation": "add", "High-level domain": "Math",
            })
    return path


def test_gpqa_reads_official_csv_and_shuffles_with_a_fixed_seed(tmp_path: Path) -> None:
    write_gpqa_csv(tmp_path / "gpqa_diamond.csv", rows=40)
    items = load_benchmark("gpqa", tmp_path)
    again = load_benchmark("gpqa", tmp_path)
    assert [i.choices for i in items] == [i.choices for i in again]
    for i, item in enumerate(items):
        assert item.choices[LETTERS.index(item.reference)] == str(2 * i)
        assert sorted(item.choices) == sorted(str(2 * i + k) for k in range(4))
    # the correct answer is not always first (the shuffle happened) and lands on several letters
    assert len(Counter(i.reference for i in items)) >= 3


def test_gpqa_row_with_missing_options_is_a_clear_error(tmp_path: Path) -> None:
    path = write_gpqa_csv(tmp_path / "gpqa_diamond.csv", rows=1)
    text = path.read_text().replace(",3,", ",,")
    path.write_text(text)
    with pytest.raises(BenchmarkError, match="gpqa row 0: missing or empty columns"):
        load_benchmark("gpqa", tmp_path)


def test_unknown_benchmark_and_missing_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(BenchmarkError, match="unknown benchmark 'nope'"):
        load_benchmark("nope", tmp_path)
    with pytest.raises(BenchmarkError, match="gsm8k split 'test' not found"):
        load_benchmark("gsm8k", tmp_path)
    assert available_benchmarks(tmp_path) == []


def test_local_flat_layout_and_bad_json_line(tmp_path: Path) -> None:
    (tmp_path / "gsm8k").mkdir()
    good = {"question": "1+1?", "answer": "one plus one\n#### 2"}
    (tmp_path / "gsm8k" / "test.jsonl").write_text(json.dumps(good) + "\n{broken\n")
    with pytest.raises(BenchmarkError, match="test.jsonl:2: not valid JSON"):
        load_benchmark("gsm8k", tmp_path)


def test_supported_names_cover_paper_and_mammoth_sets() -> None:
    assert set(PAPER_BENCHMARKS) <= set(SUPPORTED_BENCHMARKS)
    assert {"svamp", "aqua", "numglue", "simuleq", "deepmind", "sat_math", "mmlu_math"} <= set(
        SUPPORTED_BENCHMARKS
    )


def test_small_helpers() -> None:
    assert number_text(51.0) == "51" and number_text("1,234") == "1234" and number_text(0.25) == "0.25"
    assert split_inline_choices("Q? Answer Choices: (A) 2 (B) 4", "Answer Choices:") == ("Q?", ["2", "4"])


@pytest.mark.parametrize("name", SUPPORTED_BENCHMARKS)
def test_registry_entry_matches_the_benchmark_files(bench_root: Path, name: str) -> None:
    """Every fact a registry entry declares holds on the benchmark's real files: the fixed answer
    kind is every item's kind, `subsets` names the item-id prefix, published exemplars resolve."""
    from mammoth_assets.core.benchmarks import benchmark_spec, local_path
    from mammoth_assets.core.benchmarks.registry import PAPER_MODELS
    from mammoth_assets.core.grading import infer_answer_kind

    spec = benchmark_spec(name)
    if local_path(name, bench_root) is None:
        pytest.skip(f"{name} is not under {bench_root}")
    items = load_benchmark(name, bench_root, limit=200)
    assert items and spec.shots > 0
    if spec.answer_kind is not None:  # the loaders and a bare predictions file agree
        assert {item.answer_kind for item in items} == {spec.answer_kind}
        assert {infer_answer_kind(name, item.reference) for item in items} == {spec.answer_kind}
    if spec.subsets:  # scores per BBH task / MMLU subject group by the id's prefix
        assert all("/" in item.item_id for item in items)
    assert set(spec.paper_scores) <= set(PAPER_MODELS)
    if spec.published_exemplars is not None:
        assert any((bench_root / c).exists() for c in spec.published_exemplars.candidates)


def test_paper_scores_cover_the_papers_table() -> None:
    from mammoth_assets.core.benchmarks import BENCHMARKS

    assert [name for name, spec in BENCHMARKS.items() if spec.paper_scores] == [
        "gsm8k", "math", "theoremqa", "gpqa", "mmlu_stem", "bbh", "arc_challenge"]
    assert set(PAPER_BENCHMARKS) == {name for name, spec in BENCHMARKS.items() if spec.paper_scores}
