"""Pairwise-judging policy (AlpaGasus): what the judge is asked for one item, how its two
judgements (one per answer order) fold into model A's verdict or `unjudged` with the reason, the
Win/Tie/Lose table, and the parse-failure gate on the verdicts. Each item's `decision` (the
`judge_verdicts` decision stage) is `kept` when judged, else unanswered / judge_failed / unparsed.

Plain data in and out: a judgement is anything with `text`, `error` and `model_id` (the LLM layer's
response fits), so this module needs neither Dagster nor the LLM layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import polars as pl

from mammoth_assets.core.alpagasus import WinTieLose, compare, fold_orders, parse_judge, tally
from mammoth_assets.core.decisions import KEEP, Decision, drop

UNJUDGED = "unjudged"
LLM_ERROR = "llm_error"
PAIR_KEYS = ("comparison", "test_set", "item_id", "model_a", "model_b")
A_FIRST, B_FIRST = "a_first", "b_first"


class Judgement(Protocol):
    text: str | None
    error: str | None
    model_id: str


@dataclass(frozen=True)
class JudgePrompt:
    """One of the two prompts of an item: `first` is shown as Assistant 1."""

    request_id: str
    question: str
    first: str
    second: str


def is_answered(pair: dict[str, Any]) -> bool:
    return pair["answer_a"] is not None and pair["answer_b"] is not None


def judge_prompts(pair: dict[str, Any]) -> tuple[JudgePrompt, JudgePrompt]:
    """The item judged in both orders (A first, then B first), so position bias cancels out."""
    stem = f"{pair['comparison']}:{pair['test_set']}:{pair['item_id']}"
    question = pair["instruction"] + (f"\n\n{pair['input']}" if pair["input"] else "")
    return (
        JudgePrompt(f"{stem}:{A_FIRST}", question, pair["answer_a"], pair["answer_b"]),
        JudgePrompt(f"{stem}:{B_FIRST}", question, pair["answer_b"], pair["answer_a"]),
    )


def verdict_row(pair: dict[str, Any], a_first: Judgement, b_first: Judgement,
                judge_id: str, prompt_version: str) -> dict[str, Any]:
    """Fold the two judgements of one item into model A's verdict (or 'unjudged' with a reason)."""
    parse_a_first = parse_judge(a_first.text) if a_first.text is not None else None
    parse_b_first = parse_judge(b_first.text) if b_first.text is not None else None
    row: dict[str, Any] = {
        **{key: pair[key] for key in PAIR_KEYS},
        "judge_model": a_first.model_id or judge_id,
        "a_first_score_a": parse_a_first.first if parse_a_first else None,
        "a_first_score_b": parse_a_first.second if parse_a_first else None,
        "b_first_score_a": parse_b_first.second if parse_b_first else None,
        "b_first_score_b": parse_b_first.first if parse_b_first else None,
        "a_first_outcome": None,
        "b_first_outcome": None,
        "verdict": UNJUDGED,
        "a_first_raw": a_first.text,
        "b_first_raw": b_first.text,
        "a_first_parse_status": parse_a_first.status.value if parse_a_first else LLM_ERROR,
        "b_first_parse_status": parse_b_first.status.value if parse_b_first else LLM_ERROR,
        "prompt_version": prompt_version,
    }
    problems, failed_calls = [], 0
    for label, judgement, parsed in (("A first", a_first, parse_a_first), ("B first", b_first, parse_b_first)):
        if parsed is None:
            failed_calls += 1
            problems.append(f"{label}: judge call failed ({judgement.error})")
        elif not parsed.ok:
            problems.append(f"{label}: {parsed.error}")
    if problems:
        decision = drop("judge_failed" if failed_calls else "unparsed", "; ".join(problems))
        return {**row, **decision.columns()}
    first = compare(row["a_first_score_a"], row["a_first_score_b"])
    second = compare(row["b_first_score_a"], row["b_first_score_b"])
    row.update(a_first_outcome=first.value, b_first_outcome=second.value,
               verdict=fold_orders(first, second).value)
    return {**row, **KEEP.columns()}


def unanswered_row(pair: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """An item one of the two models failed to answer: never sent to the judge."""
    decision: Decision = drop("unanswered", "an answer is missing (the answering model failed)")
    return {
        **{column: None for column in columns},
        **{key: pair[key] for key in PAIR_KEYS},
        "verdict": UNJUDGED,
        **decision.columns(),
    }


def win_tie_lose_table(verdicts: pl.DataFrame) -> tuple[pl.DataFrame, list[tuple[str, int, int, int]]]:
    """Per (comparison, test set) and overall: Win/Tie/Lose, N, unjudged and winning score, plus
    the (label, win, tie, lose) bars of the plot."""
    rows, bars = [], []
    groups = verdicts.partition_by(["comparison", "test_set"], as_dict=True, maintain_order=True)
    for (comparison, test_set), group in groups.items():
        rows.append(_tally_row(comparison, test_set, group))
    for (comparison,), group in verdicts.partition_by(["comparison"], as_dict=True, maintain_order=True).items():
        rows.append(_tally_row(comparison, "overall", group))
    for row in rows:
        score = "n/a" if row["winning_score"] is None else f"{row['winning_score']:.2f}"
        bars.append((f"{row['test_set']} ({row['comparison']}) WS {score}", row["win"], row["tie"], row["lose"]))
    return pl.DataFrame(rows), bars


def _tally_row(comparison: str, test_set: str, group: pl.DataFrame) -> dict[str, Any]:
    judged = group.filter(pl.col("verdict") != UNJUDGED)["verdict"].to_list()
    result: WinTieLose = tally(judged)
    return {
        "comparison": comparison,
        "test_set": test_set,
        "win": result.win,
        "tie": result.tie,
        "lose": result.lose,
        "n": result.n,
        "unjudged": group.height - result.n,
        "winning_score": result.winning_score,
    }


def failing_comparisons(per_comparison: pl.DataFrame, max_parse_failure_rate: float) -> list[str]:
    """Comparisons whose unjudged share exceeds the ceiling (columns of
    `judge_verdicts_parse_failures.sql`; every item having its verdict is the generated
    `judge_verdicts_reconciled`)."""
    return per_comparison.filter(pl.col("failure_rate") > max_parse_failure_rate)["comparison"].to_list()
