"""Few-shot exemplars come from data files; prompts carry the paper's shot counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mammoth_assets.core.benchmarks import BenchmarkItem, load_benchmark
from mammoth_assets.core.evaluation import extract_program
from mammoth_assets.steps.evaluation_requests import cot_requests, pot_requests
from mammoth_assets.core.fewshot import (
    build_context,
    evaluation_items,
    held_out_exemplars,
    read_bbh_prompt,
    trim_published,
)


@pytest.fixture(scope="module")
def bench_root(shared_data: Path) -> Path:
    return shared_data / "benchmarks"


def test_bbh_uses_the_published_cot_prompt_verbatim(bench_root: Path) -> None:
    items = load_benchmark("bbh", bench_root)
    context = build_context("bbh", items, root=bench_root)
    assert context.source == "published" and len(context.published_prefix) == 27
    published = read_bbh_prompt(bench_root / "suzgunmirac__BIG-Bench-Hard/cot-prompts/date_understanding.txt")
    assert "canary" not in published and published.startswith("Infer the date from context.")
    item = next(i for i in items if i.extra["task"] == "date_understanding")
    prompt = cot_requests([item], context, max_tokens=64)[0].request.prompt
    assert prompt == f"{published}\n\nQ: {item.extra['input']}\nA: Let's think step by step."
    assert prompt.count("\nQ: ") == 4  # 3 shots (the paper's BBH count) + the question


def test_mmlu_uses_the_subjects_published_prompt(bench_root: Path) -> None:
    items = load_benchmark("mmlu_stem", bench_root, limit=3)
    context = build_context("mmlu_stem", items, root=bench_root)
    prompt = cot_requests(items[:1], context, max_tokens=64)[0].request.prompt
    assert prompt.startswith("The following are multiple choice questions (with answers) about college biology.")
    assert prompt.count("\nA: Let's think step by step.") == 6  # 5 shots + the question
    assert prompt.endswith(f"Q: {items[0].question}\n(A) {items[0].choices[0]} (B) "
                           f"{items[0].choices[1]} (C) {items[0].choices[2]} (D) "
                           f"{items[0].choices[3]}\nA: Let's think step by step.")


def test_trim_published_keeps_the_header_and_first_shots() -> None:
    text = "Task header.\n\nQ: one\nA: 1\n\nQ: two\nA: 2\n\nQ: three\nA: 3"
    assert trim_published({"t": text}, 2) == {"t": "Task header.\n\nQ: one\nA: 1\n\nQ: two\nA: 2"}


def test_held_out_exemplars_are_never_evaluated(bench_root: Path) -> None:
    items = load_benchmark("gsm8k", bench_root)
    context = build_context("gsm8k", items, root=bench_root)
    assert context.source == "held_out_test" and len(context.exemplars) == 4  # paper: 4-shot
    evaluated = evaluation_items(items, context, None)
    assert len(evaluated) == len(items) - 4
    assert not {i.item_id for i in evaluated} & context.held_out_ids
    # drawn from the second half, so a small limit keeps the first items
    assert [i.item_id for i in evaluation_items(items, context, 5)] == [i.item_id for i in items[:5]]
    assert held_out_exemplars(items, 4) == held_out_exemplars(items, 4)  # fixed seed
    prompt = cot_requests(evaluated[:1], context, max_tokens=64)[0].request.prompt
    assert prompt.count("Question: ") == 5 and "<<" not in prompt
    assert prompt.endswith(f"Question: {items[0].question}\nAnswer: Let's think step by step.")
    first = context.exemplars[0]
    assert f"The answer is {first.answer}." in prompt


def test_train_split_is_preferred_over_held_out_items(tmp_path: Path) -> None:
    (tmp_path / "gsm8k").mkdir()
    test = [{"question": f"test {i}?", "answer": f"work\n#### {i}"} for i in range(10)]
    train = [{"question": f"train {i}?", "answer": f"steps {i}\n#### {i}"} for i in range(10)]
    (tmp_path / "gsm8k" / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in test))
    (tmp_path / "gsm8k" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in train))
    items = load_benchmark("gsm8k", tmp_path)
    context = build_context("gsm8k", items, root=tmp_path, shots=2)
    assert context.source == "train_split" and not context.held_out_ids
    assert all(e.question.startswith("train") for e in context.exemplars)
    assert len(evaluation_items(items, context, None)) == 10


def test_exemplar_file_and_zero_shot(tmp_path: Path, bench_root: Path) -> None:
    items = load_benchmark("svamp", bench_root, limit=2)
    path = tmp_path / "shots.jsonl"
    path.write_text(json.dumps({"question": "2 apples and 3 more?", "rationale": "2 + 3 = 5.",
                                "answer": "5"}) + "\n")
    context = build_context("svamp", items, root=bench_root, exemplar_file=path)
    assert context.source == "exemplar_file"
    prompt = cot_requests(items[:1], context, max_tokens=8)[0].request.prompt
    assert prompt.startswith("Question: 2 apples and 3 more?\nAnswer: Let's think step by step. "
                             "2 + 3 = 5. The answer is 5.\n\nQuestion: ")
    zero = build_context("svamp", items, root=bench_root, shots=0)
    assert zero.source == "zero_shot"
    assert cot_requests(items[:1], zero, max_tokens=8)[0].request.prompt.count("Question:") == 1


def test_requests_are_greedy_with_stop_sequences_and_versioned(bench_root: Path) -> None:
    items = load_benchmark("arc_challenge", bench_root, limit=2)
    context = build_context("arc_challenge", items, root=bench_root, shots=1)
    prompted = cot_requests(items, context, max_tokens=2048, partition="p")
    request = prompted[0].request
    assert request.sampling.temperature == 0 and request.sampling.max_tokens == 2048
    assert "\nQuestion:" in request.sampling.stop
    assert request.prompt_version.startswith("evaluate_cot@")
    assert "Options:\n(A) " in request.prompt and len(prompted[0].prompt_hash) == 64
    assert prompted[0].prompt_hash != prompted[1].prompt_hash
    chat = cot_requests(items[:1], context, max_tokens=16, use_chat=True)[0].request
    assert chat.prompt is None and chat.messages[0]["content"] == request.prompt
    pot = pot_requests(items[:1], max_tokens=256)[0].request
    assert pot.prompt.endswith("```python") and "```" in pot.sampling.stop


def test_extract_program() -> None:
    assert extract_program("```python\nprint(1)\n```\nmore") == "print(1)"
    assert extract_program("x = 2\nprint(x)") == "x = 2\nprint(x)"
    assert extract_program("   ") is None and extract_program(None) is None


def test_exemplars_skip_image_paths_and_pictures() -> None:
    from mammoth_assets.core.fewshot import exemplar_from_item

    item = BenchmarkItem("theoremqa", "x", "Q?", None, "7", {"answer_kind": "number",
                                                             "solution": "solutions/a.png"})
    assert exemplar_from_item(item).rationale == ""
    pictured = [BenchmarkItem("theoremqa", str(i), "Q?", None, "1",
                              {"picture": "img.png" if i % 2 else None}) for i in range(20)]
    assert all(not e.extra["picture"] for e in held_out_exemplars(pictured, 3))


def test_gpqa_uses_the_authors_cot_examples_when_present(tmp_path: Path) -> None:
    from tests.core.test_benchmarks import write_gpqa_csv

    (tmp_path / "gpqa" / "prompts").mkdir(parents=True)
    write_gpqa_csv(tmp_path / "gpqa" / "gpqa_diamond.csv", rows=8)
    examples = {"questions": [
        {"question": f"Example {i}?", "choices": {"A": "w", "B": "x", "C": "y", "D": "z"},
         "correct_answer": "C", "explanation": f"Because {i}."} for i in range(6)]}
    (tmp_path / "gpqa" / "prompts" / "chain_of_thought_examples.json").write_text(json.dumps(examples))
    items = load_benchmark("gpqa", tmp_path)
    context = build_context("gpqa", items, root=tmp_path)
    assert context.source == "published" and len(context.exemplars) == 5  # paper: 5-shot
    assert len(evaluation_items(items, context, None)) == 8
    prompt = cot_requests(items[:1], context, max_tokens=8)[0].request.prompt
    assert "Question: Example 0?\nOptions:\n(A) w\n(B) x\n(C) y\n(D) z\nAnswer: Let's think step by " \
           "step. Because 0. The answer is (C)." in prompt
