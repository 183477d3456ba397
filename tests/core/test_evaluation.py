"""Checkpoint resolution, the comparison view against the paper's numbers, and its chart."""

from __future__ import annotations

from pathlib import Path

import pytest

from mammoth_assets.core.evaluation import (
    checkpoint_model,
    comparison_markdown,
    comparison_rows,
    load_reference_scores,
    plot_comparison,
)


def test_reference_scores_are_the_papers_numbers() -> None:
    reference = load_reference_scores()
    trained = reference["models"]["MAmmoTH2-7B"]["scores"]
    base = reference["models"]["Mistral-7B"]["scores"]
    assert trained == {"theoremqa": 29.0, "math": 36.7, "gsm8k": 68.4, "gpqa": 32.4,
                       "mmlu_stem": 62.4, "bbh": 58.6, "arc_challenge": 81.7}
    assert base == {"theoremqa": 19.2, "math": 11.2, "gsm8k": 36.2, "gpqa": 24.7,
                    "mmlu_stem": 50.1, "bbh": 55.7, "arc_challenge": 74.2}


def test_checkpoint_keys_resolve_to_models() -> None:
    assert checkpoint_model("webinstruct_sft", "/ckpt/webinstruct", None) == "/ckpt/webinstruct"
    assert checkpoint_model("tiny", None, "/models/tiny") == "/models/tiny"
    assert checkpoint_model("mistralai/Mistral-7B-v0.1", None, None) == "mistralai/Mistral-7B-v0.1"
    with pytest.raises(ValueError):
        checkpoint_model("tiny", None, None)


def test_comparison_against_base_and_paper(tmp_path: Path) -> None:
    scores = [
        {"checkpoint": "sft", "benchmark": "gsm8k", "n": 100, "correct": 70, "unparsable": 2, "accuracy": 0.70},
        {"checkpoint": "base", "benchmark": "gsm8k", "n": 100, "correct": 40, "unparsable": 9, "accuracy": 0.40},
        {"checkpoint": "sft", "benchmark": "svamp", "n": 10, "correct": 5, "unparsable": 0, "accuracy": 0.5},
    ]
    reference = load_reference_scores()
    rows = comparison_rows(scores, base_checkpoint="base", reference=reference)
    sft_gsm8k = next(r for r in rows if r["checkpoint"] == "sft" and r["benchmark"] == "gsm8k")
    assert sft_gsm8k["accuracy_pct"] == 70.0 and sft_gsm8k["base_accuracy_pct"] == 40.0
    assert sft_gsm8k["delta_vs_base_pct"] == 30.0
    assert sft_gsm8k["paper_mammoth2_7b_pct"] == 68.4 and sft_gsm8k["delta_vs_paper_pct"] == 1.6
    svamp = next(r for r in rows if r["benchmark"] == "svamp")
    assert svamp["paper_mammoth2_7b_pct"] is None and svamp["base_accuracy_pct"] is None
    table = comparison_markdown(rows)
    assert table.count("\n") == len(rows) + 1 and "| sft | gsm8k | 100 | 70.0 |" in table
    chart = plot_comparison(rows, reference, tmp_path / "chart.png")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resolve_checkpoint_policy(tmp_path: Path) -> None:
    from mammoth_assets.core.evaluation import resolve_checkpoint

    built: list[str] = []

    def tiny() -> str:
        built.append("tiny")
        return "/models/tiny"

    assert resolve_checkpoint("tiny", None, tiny).source == "tiny_model" and built == ["tiny"]
    assert resolve_checkpoint("org/model", None, tiny).source == "hub_id" and built == ["tiny"]
    assert resolve_checkpoint(str(tmp_path), None).source == "local_path"
    trained = resolve_checkpoint("recipe-a", {"checkpoint_path": "/ckpt/a", "base_model": "m",
                                               "training_set_hash": "h", "steps": 3})
    assert (trained.model, trained.source) == ("/ckpt/a", "sft_checkpoint")
    assert trained.provenance == {"base_model": "m", "training_set_hash": "h"}
    # a recipe row without a checkpoint directory does not count as trained
    assert resolve_checkpoint("recipe-a", {"checkpoint_path": None}).source == "hub_id"
