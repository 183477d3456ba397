"""Refinement bookkeeping that needs no generation: the unrefined fallback with two refiners, and
refiner labels."""

import dagster as dg
import pytest

from mammoth_assets.defs.webinstruct.refinement import (
    RefinerSpec,
    apply_unrefined_fallback,
    not_sent_row,
    refiner_engines,
)
from mammoth_assets.llm import LLMResource

PAIR = {"dump": "D", "pair_id": "qa-1", "doc_id": "d1", "question": "Q?", "answer": "A."}


def _row(pair_id: str, refiner: str, kept: bool) -> dict:
    row = not_sent_row({**PAIR, "pair_id": pair_id}, refiner, 0, "question_drift: x", "v")
    if kept:
        row.update(
            status="refined",
            kept=True,
            final_source="refined",
            question="Q2?",
            answer="A2.",
            reason="",
        )
    return row


def test_fallback_keeps_one_original_row_only_for_pairs_without_an_accepted_refinement():
    rows = [
        _row("p1", "mixtral", False),
        _row("p1", "qwen", False),
        _row("p2", "mixtral", True),
        _row("p2", "qwen", False),
    ]
    apply_unrefined_fallback(rows)
    p1 = [r for r in rows if r["pair_id"] == "p1"]
    assert [r["status"] for r in p1] == ["unrefined_fallback", "rejected"]
    assert (
        p1[0]["question"] == "Q?"
        and p1[0]["final_source"] == "original"
        and p1[0]["reason"] == "question_drift: x"
    )
    p2 = [r for r in rows if r["pair_id"] == "p2"]
    assert [r["status"] for r in p2] == ["refined", "rejected"]  # the accepted refinement suffices


def test_not_sent_rows_are_rejected_with_reason_and_no_tokens():
    row = not_sent_row(PAIR, "tiny", 1, "not_sent: max_pairs=4 reached", "v")
    assert (row["status"], row["kept"], row["prompt_tokens"], row["refiner_index"]) == (
        "rejected",
        False,
        0,
        1,
    )
    assert row["reason"].startswith("not_sent")


def test_refiner_labels_default_to_model_ids_and_must_be_distinct(tmp_path):
    base = LLMResource(model=str(tmp_path / "model-a"), cache_path=str(tmp_path / "c.duckdb"))
    labels = [
        label
        for label, _, _ in refiner_engines(
            base, [RefinerSpec(), RefinerSpec(model=str(tmp_path / "model-b"))]
        )
    ]
    assert labels == [str(tmp_path / "model-a"), str(tmp_path / "model-b")]
    with pytest.raises(dg.Failure):
        refiner_engines(base, [RefinerSpec(), RefinerSpec()])
    named = refiner_engines(
        base, [RefinerSpec(name="greedy"), RefinerSpec(name="sampled", temperature=0.7)]
    )
    assert [label for label, _, _ in named] == ["greedy", "sampled"]
