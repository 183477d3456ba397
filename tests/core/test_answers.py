"""Answer comparison: our own cases, then agreement with three published graders' test tables."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from mammoth_assets.core.answers import (
    last_boxed,
    stated_answer,
    answers_match,
    compare_answers,
    compare_many,
    normalize_answer_text,
    parse_boolean,
    parse_choice,
    parse_number,
)


@pytest.mark.parametrize(
    ("predicted", "reference"),
    [
        ("18", "18"),
        ("18.0", "18"),
        ("17.999999999", "18"),
        ("7,425,000", "7425000"),
        ("$1,000", "1000"),
        ("\\$10", "10"),
        ("10\\text{ units}", "10"),
        ("12 cm", "12"),
        ("45^\\circ", "45"),
        ("10\\%", "10"),
        ("28%", "0.28"),
        ("0.3333333", "0.333"),
        ("3/4", "0.75"),
        ("\\frac{3}{4}", "3/4"),
        ("\\dfrac34", "\\frac{3}{4}"),
        ("-5", "-5"),
        ("1e3", "1000"),
        ("10, 4, -2", "10, 4, -2"),
    ],
)
def test_numbers_that_match(predicted: str, reference: str) -> None:
    comparison = compare_answers(predicted, reference)
    assert comparison.match, comparison
    assert comparison.method in ("number", "fraction", "number_list")


@pytest.mark.parametrize(
    ("predicted", "reference"),
    [
        ("17.6", "18"),  # rounds to 18 but is not 18
        ("33.333", "33"),
        ("0.34", "0.333"),
        ("100", "10"),
        ("10 units", "100"),
        ("1/3", "0.25"),
        ("-5", "5"),
        ("4, 10, -2", "10, 4, -2"),  # order matters in a list
        ("32, 349", "32349"),
    ],
)
def test_numbers_that_do_not_match(predicted: str, reference: str) -> None:
    assert not answers_match(predicted, reference)


def test_relative_tolerance_is_configurable() -> None:
    assert not answers_match("3.1416", "3.14159265", rel_tol=1e-6)
    assert answers_match("3.1416", "3.14159265", rel_tol=1e-4)


def test_empty_or_unparsable_prediction_never_matches() -> None:
    for kind in ("auto", "number", "fraction", "latex", "boolean", "choice", "text"):
        comparison = compare_answers("", "A" if kind == "choice" else "0", kind=kind)
        assert not comparison.match and comparison.error == "empty prediction"
        assert not answers_match(None, "0", kind=kind)
    assert not answers_match("no idea", "42", kind="number")
    comparison = compare_answers("no idea", "42", kind="number")
    assert comparison.error == "prediction is not a number"
    assert not answers_match("garbage ]]]{{", "\\frac{1}{2}", kind="latex")


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown answer kind"):
        compare_answers("1", "1", kind="fuzzy")


def test_booleans_by_word_not_by_substring() -> None:
    assert answers_match("True", "true")
    assert answers_match("yes", "True")
    assert answers_match("The answer is False.", "false")
    assert not answers_match("It is not true that the answer is False", "True")
    assert not answers_match("untrue", "true", kind="boolean")
    assert parse_boolean("maybe") is None


def test_choice_letters() -> None:
    assert answers_match("(C)", "C")
    assert answers_match("The answer is (B).", "B")
    assert answers_match("D. it can't be A or B", "D", kind="choice")
    assert not answers_match("A", "(C) Cecile", kind="choice")
    assert parse_choice("no letter here") is None
    assert not answers_match("", "C")


def test_symbolic_answers_through_math_verify() -> None:
    comparison = compare_answers("\\left(x-2\\right)\\left(x+2\\right)", "(x-2)(x+2)")
    assert comparison.match and comparison.method == "latex"
    assert answers_match("x^2 - 4", "(x-2)(x+2)", kind="latex")
    assert answers_match("\\sqrt{2}/2", "\\frac{1}{\\sqrt{2}}")
    assert answers_match("$[-2, 7]$", "$[-2,7]$")
    assert not answers_match("\\frac{1}{2}+\\frac{1}{72}", "\\frac{1}{2}+\\frac{2}{3}")
    assert not answers_match("5x - 7y + 11z + 4 = 0", "x + y - z + 2 = 0")


def test_text_answers() -> None:
    assert answers_match("Paris", "paris")
    assert not answers_match("London", "Paris")
    assert normalize_answer_text("  \\text{Paris}. ") == "paris"


def test_our_time_limit_holds_outside_the_main_thread() -> None:
    """math-verify's signal timeouts cannot work in a thread; ours must, and the grader recovers."""
    hard = "\\int_0^{\\infty} e^{-x^{2}} \\sin(x)^{40} \\cos(3x)^{37} dx"
    results: list = []
    thread = threading.Thread(
        target=lambda: results.append(compare_answers(hard, hard + "+1", kind="latex", timeout_s=0.001))
    )
    thread.start()
    thread.join(30)
    assert results and not results[0].match
    assert results[0].error and results[0].error.startswith("timeout")
    assert answers_match("\\frac{1}{2}", "0.5", kind="latex")  # a fresh worker took over


def test_compare_many_keeps_order() -> None:
    pairs = [("1", "1"), ("2", "3"), ("\\frac{1}{2}", "0.5"), ("", "1"), ("B", "(B)")]
    assert [c.match for c in compare_many(pairs, workers=2)] == [True, False, True, False, True]


def test_parse_number_details() -> None:
    assert parse_number("1,000.5").value == pytest.approx(1000.5)
    assert parse_number("0,111") is None  # a decimal comma, not thousands: left to math-verify
    assert parse_number("2 pi") is None
    assert parse_number("50 percent").percent


# -- agreement with published grader test tables (../shared/data/reference/grader_cases) --------
def _cases(shared_data: Path, name: str) -> list[dict]:
    path = shared_data / "reference" / "grader_cases" / "extracted" / name
    if not path.exists():
        pytest.skip(f"{path} not found")
    return [row for row in map(json.loads, path.read_text().splitlines()) if row["literal"]]


def _agreement(cases: list[tuple[str, str, bool, dict]]) -> tuple[float, list]:
    by_options: dict[str, list[int]] = {}
    for index, (_, _, _, options) in enumerate(cases):
        by_options.setdefault(json.dumps(options, sort_keys=True), []).append(index)
    verdicts: dict[int, object] = {}
    for key, indices in by_options.items():
        options = json.loads(key)
        comparisons = compare_many([(cases[i][0], cases[i][1]) for i in indices], workers=2, **options)
        verdicts.update(zip(indices, comparisons))
    disagreements = [
        (cases[i][:3], verdicts[i]) for i in range(len(cases)) if verdicts[i].match != cases[i][2]
    ]
    return 1 - len(disagreements) / len(cases), disagreements


def _extractive_case(row: dict) -> tuple[str, str, bool, dict]:
    params = row["params"]
    options: dict = {}
    if "precision" in params:
        options["float_rounding"] = params["precision"]
    for name in ("strict", "allow_set_relation_comp"):
        if name in params:
            options[name] = params[name]
    if "NativeLetters" in row["assert_source"]:
        options["kind"] = "choice"
    expected = params.get("expected", params.get("result"))
    return params["pred"], params["gold"], bool(expected), options


def test_agrees_with_every_hendrycks_math_case(shared_data: Path) -> None:
    rows = _cases(shared_data, "hendrycks_math_equivalence_cases.jsonl")
    cases = [(r["params"]["test_out"], r["params"]["test_in"], r["params"]["expected"], {}) for r in rows]
    rate, disagreements = _agreement(cases)
    assert len(cases) == 16
    assert rate == 1.0, disagreements


@pytest.mark.slow
def test_agrees_with_math_verify_cases(shared_data: Path) -> None:
    cases = [_extractive_case(r) for r in _cases(shared_data, "math_verify_test_cases.jsonl")]
    rate, disagreements = _agreement(cases)
    assert len(cases) == 268
    assert rate >= 0.98, disagreements  # measured 266/268


@pytest.mark.slow
def test_agrees_with_lighteval_cases(shared_data: Path) -> None:
    cases = [_extractive_case(r) for r in _cases(shared_data, "lighteval_extractive_match_cases.jsonl")]
    rate, disagreements = _agreement(cases)
    assert len(cases) == 205
    assert rate >= 0.965, disagreements  # measured 200/205


def test_choice_letters_beyond_j() -> None:
    """BBH offers up to 18 options (A-R)."""
    assert answers_match("(R)", "R")
    assert answers_match("So the answer is (M).", "(M)")
    assert not answers_match("(Q)", "(R)")


def test_last_boxed_is_the_one_boxed_reader() -> None:
    assert last_boxed("so $\\boxed{\\frac{1}{2}}$ and \\boxed{x^{2}}") == "x^{2}"
    assert last_boxed("\\fbox{7} then \\boxed {\\{1, 2\\}}") == "\\{1, 2\\}"
    assert last_boxed("so $\\boxed 5$.") == "5"
    assert last_boxed("\\boxed{unclosed") is None
    assert last_boxed("no box") is None
    assert last_boxed("\\boxedfoo{3}") is None  # another command, not \\boxed


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("We add them. The answer is $12$.", "12"),
        ("the final answer is: (C) Cecile\n\nQ: next", "(C) Cecile"),
        ("So my answer is 7.", "7"),
        ("The correct option is B.", "B"),
        ("48 / 2 = 24\n#### 24", "24"),
        ("Answer: 3/4", "3/4"),
        ("The answer is 1. Then the answer is 2.", "2"),
        ("Answer: let's think step by step", None),
        ("no statement here", None),
    ],
)
def test_stated_answer_forms(text: str, stated: str | None) -> None:
    assert stated_answer(text) == stated
