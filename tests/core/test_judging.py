"""Pairwise-judging policy: both orders folded into model A's verdict, reasons for unjudged items,
the Win/Tie/Lose table and the parse-failure gate."""

import polars as pl
import pytest

from mammoth_assets.core.judging import (
    UNJUDGED,
    failing_comparisons,
    is_answered,
    judge_prompts,
    unanswered_row,
    verdict_row,
    win_tie_lose_table,
)
from mammoth_assets.llm.types import LLMResponse

PAIR = {"comparison": "a__vs__b", "test_set": "vicuna", "item_id": "1", "model_a": "a", "model_b": "b"}


def response(text, error=None):
    return LLMResponse(request_id="r", cache_key="k", text=text, error=error, model_id="judge")


@pytest.mark.parametrize(
    ("a_first", "b_first", "verdict"),
    [
        ("8 6\nA better", "6 8\nA better", "win"),  # A wins in both orders
        ("8 6\nx", "7 7\nx", "win"),  # win + tie
        ("9 5\nfirst", "9 5\nfirst", "tie"),  # position bias: win + lose
        ("5 5\nx", "5 5\nx", "tie"),
        ("4 7\nx", "7 4\nx", "lose"),
        ("6 6\nx", "8 3\nx", "lose"),  # tie + lose
    ],
)
def test_verdict_row_maps_the_swapped_order_back(a_first, b_first, verdict):
    row = verdict_row(PAIR, response(a_first), response(b_first), "judge", "v")
    assert row["verdict"] == verdict and (row["decision"], row["decision_detail"]) == ("kept", "")


def test_unparsed_or_failed_judgements_are_unjudged_with_reason():
    row = verdict_row(PAIR, response("great answers"), response("8 7\nok"), "judge", "v")
    assert row["verdict"] == UNJUDGED and row["decision"] == "unparsed" and "A first" in row["decision_detail"]
    assert row["a_first_raw"] == "great answers" and row["a_first_parse_status"] == "failed"
    row = verdict_row(PAIR, response("8 7"), response(None, error="timeout"), "judge", "v")
    assert row["verdict"] == UNJUDGED and row["decision"] == "judge_failed" and "timeout" in row["decision_detail"]
    assert row["b_first_parse_status"] == "llm_error"


def test_both_orders_are_asked_and_unanswered_pairs_are_never_judged():
    pair = {**PAIR, "instruction": "Q?", "input": "ctx", "answer_a": "A says", "answer_b": "B says"}
    a_first, b_first = judge_prompts(pair)
    assert (a_first.first, a_first.second) == ("A says", "B says")
    assert (b_first.first, b_first.second) == ("B says", "A says")
    assert a_first.question == "Q?\n\nctx" and a_first.request_id.endswith(":a_first")
    missing = {**pair, "answer_b": None}
    assert is_answered(pair) and not is_answered(missing)
    row = unanswered_row(missing, ["comparison", "verdict", "decision", "judge_model"])
    assert row["verdict"] == UNJUDGED and row["decision"] == "unanswered" and row["judge_model"] is None
    assert "answer is missing" in row["decision_detail"]


def test_win_tie_lose_table_per_set_and_overall():
    verdicts = pl.DataFrame({
        "comparison": ["c"] * 6,
        "test_set": ["vicuna"] * 3 + ["koala"] * 3,
        "item_id": list("123456"),
        "verdict": ["win", "win", "lose", "tie", UNJUDGED, "lose"],
    })
    table, bars = win_tie_lose_table(verdicts)
    rows = {r["test_set"]: r for r in table.to_dicts()}
    assert rows["vicuna"]["winning_score"] == pytest.approx((2 - 1) / 3 + 1)
    assert rows["koala"]["n"] == 2 and rows["koala"]["unjudged"] == 1
    assert rows["overall"]["win"] == 2 and rows["overall"]["n"] == 5
    assert rows["overall"]["winning_score"] == pytest.approx((2 - 2) / 5 + 1)
    assert len(bars) == 3


def test_parse_failure_gate_fails_above_the_ceiling():
    frame = pl.DataFrame({"comparison": ["x", "y"], "unparsed": [1, 0], "failure_rate": [0.1, 0.0]})
    assert failing_comparisons(frame, 0.1) == []
    assert failing_comparisons(frame, 0.05) == ["x"]
