"""Reference answers, program extraction, execution verdicts and hybrid rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mammoth_assets.core.rationales import (
    POT_TRIGGER,
    extract_program,
    extract_reference_answer,
    hybrid_examples,
    judge_execution,
)
from mammoth_assets.core.sandbox import SandboxLimits, run_programs


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("3 * 4 = 12 apples.\n#### 12", ("12", "gsm8k_marker")),
        ("So 1,200 in total.\n#### 1,200", ("1200", "gsm8k_marker")),
        ("Hence $x = \\boxed{\\frac{1}{2}}$.", ("\\frac{1}{2}", "boxed")),
        ("Adding up the parts.\nThe answer is 42.", ("42", "answer_is")),
        ("17", ("17", "short_answer")),
        ("", (None, "empty answer")),
    ],
)
def test_reference_answers(answer: str, expected: tuple) -> None:
    assert extract_reference_answer(answer) == expected


def test_free_form_answers_have_no_checkable_value() -> None:
    value, reason = extract_reference_answer("Photosynthesis turns light into chemical energy in plants and algae.")
    assert value is None and "free-form" in reason


def test_gsm8k_test_answers_all_have_a_reference(shared_data: Path) -> None:
    path = shared_data / "benchmarks" / "openai__grade-school-math" / "grade_school_math" / "data" / "test.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not found")
    rows = [json.loads(line) for line in path.read_text().splitlines()[:200]]
    found = [extract_reference_answer(row["answer"]) for row in rows]
    assert all(source == "gsm8k_marker" for _, source in found)
    assert all(value.lstrip("-").replace(".", "").isdigit() for value, _ in found)


def test_program_from_a_fenced_reply() -> None:
    reply = "Sure!\n```python\nx = 2\nprint(x * 21)\n```\nThat prints 42."
    assert extract_program(reply) == ("x = 2\nprint(x * 21)\n", None)
    assert extract_program("```py\nprint(1)")[0] == "print(1)\n"  # unclosed fence: to the end


def test_program_without_fence_must_be_python() -> None:
    assert extract_program("total = 3 + 4\nprint(total)")[0] == "total = 3 + 4\nprint(total)\n"
    program, reason = extract_program("The answer is clearly seven, no code needed.")
    assert program is None and "not Python" in reason
    assert extract_program("   ") == (None, "empty reply")
    assert extract_program(None) == (None, "empty reply")


def test_fenced_syntax_errors_are_kept_for_the_sandbox_to_report() -> None:
    program, reason = extract_program("```python\nprint(1\n```")
    assert program == "print(1\n" and reason is None


def test_verdicts_from_real_executions() -> None:
    programs = ["print(3 * 4)", "print(13)", "1 / 0", "x = 1", "while True:\n    pass", "answer = 12.0"]
    results = run_programs(programs, workers=2, limits=SandboxLimits(timeout_s=1.5))
    verdicts = [judge_execution(result, "12") for result in results]
    assert [v.verdict for v in verdicts] == [
        "verified", "wrong_answer", "execution_failed", "no_answer", "execution_failed", "verified",
    ]
    assert [v.verified for v in verdicts] == [True, False, False, False, False, True]
    assert "ZeroDivisionError" in verdicts[2].reason and verdicts[4].reason.startswith("timeout")
    assert verdicts[1].comparison.method == "number"


def test_hybrid_rows_dedupe_programs_and_keep_cot() -> None:
    examples = [
        {"example_id": "a", "question": "What is 3 * 4?", "answer": "3 * 4 = 12\n#### 12"},
        {"example_id": "b", "question": "What is 1 + 1?", "answer": "#### 2"},
    ]
    programs = {"a": [
        {"program_id": "a:pot:1", "program": "# multiply\nprint(3 * 4)\n"},
        {"program_id": "a:pot:0", "program": "print(3 * 4)\n"},
        {"program_id": "a:pot:2", "program": "product = 3 * 4\nprint(product)\n"},
    ]}
    rows = hybrid_examples(examples, programs, max_programs_per_example=2)
    assert [(r["example_id"], r["rationale_type"], r["program_id"]) for r in rows] == [
        ("a", "cot", None), ("a", "pot", "a:pot:0"), ("a", "pot", "a:pot:2"), ("b", "cot", None),
    ]
    pot = json.loads(rows[1]["messages"])
    assert pot[0]["content"] == f"What is 3 * 4?\n{POT_TRIGGER}"
    assert pot[1]["content"] == "```python\nprint(3 * 4)\n```"
    assert hybrid_examples(examples, programs, include_cot=False)[0]["rationale_type"] == "pot"
