"""AlpaGasus logic: rater-score parsing, pairwise-judge parsing, two-order folding, winning score.

Paper (Chen et al., ICLR 2024): the rater answers with the score alone on the first line (0-5),
then an explanation; the judge answers with two 1-10 scores on the first line ("8 7"), then an
explanation. Every test item is judged twice, once with each answer first, and the two outcomes
fold into Win / Tie / Lose. The reference implementation silently turns an unparsable rating into
-1; here a failure is a recorded status with the raw text, never a default score.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from enum import Enum
from typing import Iterable, Sequence

RATING_MIN, RATING_MAX = 0.0, 5.0
JUDGE_MIN, JUDGE_MAX = 1.0, 10.0

# Output constraints for backends that decode under a regular expression: the score alone on the
# first line, then a one-line explanation of bounded length, so even a random tiny model yields a
# parseable answer and stops. (For an API that cannot constrain decoding, turn constraints off in
# the asset config: its free-form answers go through the same robust parser.)
# The paper keeps ratings >= 4.5 (9,229 of 52,002 Alpaca triplets; Dolly-15k: 2,996).
PAPER_THRESHOLD = 4.5

RATING_REGEX = r"([0-4](\.[05])?|5(\.0)?)\n[^\n]{1,200}"
JUDGE_REGEX = r"([1-9]|10) ([1-9]|10)\n[^\n]{1,200}"

_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_FIRST_LINE_SCORE = re.compile(
    rf"^[^\w+\-]*(?:score|rating)?\s*[:=]?\s*\**\s*({_NUMBER})\s*\**\s*(?:(?:/|out of)\s*\d+(?:\.\d+)?)?\W*$",
    re.IGNORECASE,
)
_EXPLICIT_SCORE = re.compile(
    rf"\b(?:score|rating|rated|rate(?:\s+(?:it|this|the)(?:\s+(?:response|answer))?)?)\b"
    rf"\s*(?:is|of|:|=|as|at|a)?\s*[*\"']*\s*({_NUMBER})"
    rf"(?:\s*(?:/|out of)\s*(\d+(?:\.\d+)?))?",
    re.IGNORECASE,
)
_PAIR_SEPARATOR = re.compile(r"[,;\s]+|\band\b|\bvs\.?\b", re.IGNORECASE)
_ASSISTANT_SCORE = re.compile(
    rf"assistant\s*([12])\s*(?:'s)?\s*(?:score|rating|receives|gets|:)*\s*[:=-]?\s*\**\s*({_NUMBER})",
    re.IGNORECASE,
)


class ParseStatus(str, Enum):
    FIRST_LINE = "first_line"  # the paper's format: the score alone on the first line
    PATTERN = "pattern"  # found by an explicit "score: x" / "Assistant 1: x" pattern
    FAILED = "failed"  # no score found, or out of range: recorded with the raw text


@dataclass(frozen=True)
class RatingParse:
    score: float | None
    status: ParseStatus
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class JudgeParse:
    first: float | None  # score of the answer shown first ("Assistant 1")
    second: float | None  # score of the answer shown second ("Assistant 2")
    status: ParseStatus
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.first is not None and self.second is not None


def _in_range(value: float, low: float, high: float) -> bool:
    return math.isfinite(value) and low <= value <= high


def _first_nonblank_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _rescale(value: float, denominator: str | None, high: float) -> float:
    """'8/10' on a 0-5 scale means 4; '4/5' means 4."""
    if denominator is None:
        return value
    scale = float(denominator)
    return value if scale == high or scale == 0 else value * high / scale


def parse_rating(text: str | None, low: float = RATING_MIN, high: float = RATING_MAX) -> RatingParse:
    """Score from a rater answer: the first line first, then explicit "score" patterns."""
    if text is None or not text.strip():
        return RatingParse(None, ParseStatus.FAILED, "empty rater output")
    first = _first_nonblank_line(text)
    match = _FIRST_LINE_SCORE.match(first)
    if match:
        value = float(match.group(1))
        denominator = re.search(r"(?:/|out of)\s*(\d+(?:\.\d+)?)", first)
        value = _rescale(value, denominator.group(1) if denominator else None, high)
        if _in_range(value, low, high):
            return RatingParse(value, ParseStatus.FIRST_LINE)
        return RatingParse(None, ParseStatus.FAILED, f"score {value:g} outside [{low:g}, {high:g}]")
    explicit = [
        _rescale(float(m.group(1)), m.group(2), high) for m in _EXPLICIT_SCORE.finditer(text)
    ]
    if explicit:
        distinct = sorted(set(explicit))
        if len(distinct) > 1:
            return RatingParse(None, ParseStatus.FAILED, f"conflicting scores {distinct}")
        if _in_range(distinct[0], low, high):
            return RatingParse(distinct[0], ParseStatus.PATTERN)
        return RatingParse(
            None, ParseStatus.FAILED, f"score {distinct[0]:g} outside [{low:g}, {high:g}]"
        )
    return RatingParse(None, ParseStatus.FAILED, "no score on the first line or after 'score'")


def parse_judge(text: str | None, low: float = JUDGE_MIN, high: float = JUDGE_MAX) -> JudgeParse:
    """Two scores from a judge answer: "8 7" on the first line, else "Assistant 1: 8 ... 2: 7"."""
    if text is None or not text.strip():
        return JudgeParse(None, None, ParseStatus.FAILED, "empty judge output")
    first = _first_nonblank_line(text).strip("*# ")
    tokens = [t for t in _PAIR_SEPARATOR.split(first) if t]
    if len(tokens) == 2 and all(re.fullmatch(_NUMBER, t) for t in tokens):
        a, b = float(tokens[0]), float(tokens[1])
        if _in_range(a, low, high) and _in_range(b, low, high):
            return JudgeParse(a, b, ParseStatus.FIRST_LINE)
        return JudgeParse(None, None, ParseStatus.FAILED, f"scores {a:g} {b:g} outside range")
    found: dict[str, set[float]] = {"1": set(), "2": set()}
    for match in _ASSISTANT_SCORE.finditer(text):
        found[match.group(1)].add(float(match.group(2)))
    if len(found["1"]) == 1 and len(found["2"]) == 1:
        (a,), (b,) = found["1"], found["2"]
        if _in_range(a, low, high) and _in_range(b, low, high):
            return JudgeParse(a, b, ParseStatus.PATTERN)
        return JudgeParse(None, None, ParseStatus.FAILED, f"scores {a:g} {b:g} outside range")
    if found["1"] or found["2"]:
        return JudgeParse(None, None, ParseStatus.FAILED, f"ambiguous assistant scores {found}")
    return JudgeParse(None, None, ParseStatus.FAILED, "no score pair on the first line")


class Outcome(str, Enum):
    WIN = "win"
    TIE = "tie"
    LOSE = "lose"


def compare(score_model: float, score_other: float) -> Outcome:
    """One judgement from the model's side."""
    if score_model > score_other:
        return Outcome.WIN
    if score_model < score_other:
        return Outcome.LOSE
    return Outcome.TIE


def fold_orders(model_first: Outcome, model_second: Outcome) -> Outcome:
    """Fold the judgement with the model's answer shown first and the one with it shown second.

    Paper: Win = win+win or win+tie; Tie = tie+tie or win+lose; Lose otherwise (lose+lose,
    lose+tie). The rule is symmetric in the two orders."""
    pair = Counter((model_first, model_second))
    if pair[Outcome.WIN] == 2 or (pair[Outcome.WIN] == 1 and pair[Outcome.TIE] == 1):
        return Outcome.WIN
    if pair[Outcome.TIE] == 2 or (pair[Outcome.WIN] == 1 and pair[Outcome.LOSE] == 1):
        return Outcome.TIE
    return Outcome.LOSE


def verdict_from_scores(
    model_shown_first: tuple[float, float], model_shown_second: tuple[float, float]
) -> Outcome:
    """`model_shown_first` = (model score, other score) from the judgement where the model's answer
    was Assistant 1; `model_shown_second` = (other score, model score) where it was Assistant 2."""
    first = compare(model_shown_first[0], model_shown_first[1])
    second = compare(model_shown_second[1], model_shown_second[0])
    return fold_orders(first, second)


@dataclass(frozen=True)
class WinTieLose:
    win: int
    tie: int
    lose: int

    @property
    def n(self) -> int:
        return self.win + self.tie + self.lose

    @property
    def winning_score(self) -> float | None:
        """(Win - Lose) / N + 1: 2 means always better, 1 even, 0 always worse."""
        return None if self.n == 0 else (self.win - self.lose) / self.n + 1


def tally(outcomes: Iterable[Outcome | str]) -> WinTieLose:
    counts = Counter(Outcome(o) for o in outcomes)
    return WinTieLose(counts[Outcome.WIN], counts[Outcome.TIE], counts[Outcome.LOSE])


def score_histogram(scores: Sequence[float | None]) -> dict[str, int]:
    """Counts in the paper's bins: <3, 3, 3.5, 4, 4.5, 5 (scores between steps round down)."""
    bins = {"<3": 0, "3": 0, "3.5": 0, "4": 0, "4.5": 0, "5": 0}
    for score in scores:
        if score is None:
            continue
        if score < 3:
            bins["<3"] += 1
        else:
            step = math.floor(score * 2) / 2
            bins[f"{step:g}"] += 1
    return bins
