import itertools
import re

import pytest

from mammoth_assets.core.alpagasus import (
    JUDGE_REGEX,
    RATING_REGEX,
    Outcome,
    ParseStatus,
    WinTieLose,
    compare,
    fold_orders,
    parse_judge,
    parse_rating,
    score_histogram,
    tally,
    verdict_from_scores,
)

W, T, L = Outcome.WIN, Outcome.TIE, Outcome.LOSE

# The paper's table: Win = win+win or win+tie; Tie = tie+tie or win+lose; Lose otherwise.
ALL_NINE = {
    (W, W): W,
    (W, T): W,
    (T, W): W,
    (T, T): T,
    (W, L): T,
    (L, W): T,
    (L, L): L,
    (L, T): L,
    (T, L): L,
}


@pytest.mark.parametrize(("first", "second"), list(itertools.product([W, T, L], repeat=2)))
def test_fold_orders_all_nine_combinations(first, second):
    assert fold_orders(first, second) is ALL_NINE[(first, second)]


def test_fold_table_covers_every_combination_and_is_symmetric():
    assert len(ALL_NINE) == 9
    for a, b in ALL_NINE:
        assert fold_orders(a, b) is fold_orders(b, a)


def test_verdict_from_scores_maps_second_order_back_to_the_model():
    # Model shown first scores 8 vs 6 (win); shown second the judge gives other 7, model 7 (tie).
    assert verdict_from_scores((8, 6), (7, 7)) is W
    # Position bias: the first answer always wins -> one win, one loss -> tie.
    assert verdict_from_scores((9, 5), (9, 5)) is T
    assert verdict_from_scores((3, 8), (8, 3)) is L


def test_compare():
    assert compare(5, 4) is W and compare(4, 4) is T and compare(3, 4) is L


def test_winning_score_formula():
    result = tally(["win"] * 6 + ["tie"] * 3 + ["lose"] * 1)
    assert result == WinTieLose(6, 3, 1)
    assert result.winning_score == pytest.approx((6 - 1) / 10 + 1)
    assert WinTieLose(0, 0, 0).winning_score is None
    assert tally([L, L]).winning_score == 0.0


@pytest.mark.parametrize(
    ("text", "score", "status"),
    [
        ("4.5\nThe response is accurate.", 4.5, ParseStatus.FIRST_LINE),
        ("5", 5.0, ParseStatus.FIRST_LINE),
        ("\n\n  3  \nexplanation", 3.0, ParseStatus.FIRST_LINE),
        ("**4**\nGood", 4.0, ParseStatus.FIRST_LINE),
        ("Score: 4.5\nbecause", 4.5, ParseStatus.FIRST_LINE),
        ("4/5\nfine", 4.0, ParseStatus.FIRST_LINE),
        ("8/10\nfine", 4.0, ParseStatus.FIRST_LINE),
        ("4.5 out of 5", 4.5, ParseStatus.FIRST_LINE),
        ("The response is mostly right.\nScore: 3.5", 3.5, ParseStatus.PATTERN),
        ("I would rate it 4 out of 5 for accuracy.", 4.0, ParseStatus.PATTERN),
        ("I would rate this response 3.5 out of 5.", 3.5, ParseStatus.PATTERN),
        ("Explanation first.\nscore: 2\nso the score: 2", 2.0, ParseStatus.PATTERN),
        ("Overall rating: 9/10", 4.5, ParseStatus.PATTERN),
    ],
)
def test_parse_rating_accepts(text, score, status):
    parsed = parse_rating(text)
    assert parsed.score == pytest.approx(score)
    assert parsed.status is status
    assert parsed.error is None


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (None, "empty"),
        ("   \n", "empty"),
        ("7\nway too high", "outside"),
        ("-1", "outside"),
        ("The response is great, 10 points for effort", "no score"),
        ("Overall fine.\nScore: 3\nOn reflection, score: 4", "conflicting"),
        ("4.5 and 3\nboth", "no score"),
        ("Assistant: the answer lists 3 items", "no score"),
        ("nan", "no score"),
    ],
)
def test_parse_rating_records_failures_never_defaults(text, error):
    parsed = parse_rating(text)
    assert parsed.score is None and not parsed.ok
    assert parsed.status is ParseStatus.FAILED
    assert error in parsed.error


@pytest.mark.parametrize(
    ("text", "pair", "status"),
    [
        ("8 7\nAssistant 1 is more detailed.", (8, 7), ParseStatus.FIRST_LINE),
        ("8,7", (8, 7), ParseStatus.FIRST_LINE),
        ("9, 6.5\nx", (9, 6.5), ParseStatus.FIRST_LINE),
        ("**10 10**", (10, 10), ParseStatus.FIRST_LINE),
        ("Both are fine.\nAssistant 1: 6\nAssistant 2: 9", (6, 9), ParseStatus.PATTERN),
        ("Assistant 1 receives 7 and Assistant 2 receives 5", (7, 5), ParseStatus.PATTERN),
    ],
)
def test_parse_judge_accepts(text, pair, status):
    parsed = parse_judge(text)
    assert (parsed.first, parsed.second) == pair
    assert parsed.status is status


@pytest.mark.parametrize(
    "text",
    [None, "", "8\nonly one score", "11 3", "0 5", "8 7 6", "Assistant 1: 8, Assistant 1: 6"],
)
def test_parse_judge_failures(text):
    parsed = parse_judge(text)
    assert not parsed.ok and parsed.status is ParseStatus.FAILED and parsed.error


def test_output_regexes_only_admit_parseable_answers():
    for sample in ["4.5\nGood answer.", "0\nWrong", "5.0\nok", "3\nfine"]:
        assert re.fullmatch(RATING_REGEX, sample)
        assert parse_rating(sample).status is ParseStatus.FIRST_LINE
    for bad in ["5.5\nx", "6\nx", "4.2\nx"]:
        assert not re.fullmatch(RATING_REGEX, bad)
    assert re.fullmatch(JUDGE_REGEX, "10 7\nFirst is better")
    assert parse_judge("10 7\nFirst is better").ok


def test_score_histogram_uses_paper_bins():
    assert score_histogram([1, 2.5, 3, 3.5, 3.7, 4, 4.5, 5, None]) == {
        "<3": 2,
        "3": 1,
        "3.5": 2,
        "4": 1,
        "4.5": 1,
        "5": 1,
    }
