"""Refiner labels (the refinement rows' policy is tested in tests/core/test_refinement.py)."""

import dagster as dg
import pytest

from mammoth_assets.defs.webinstruct.refinement import RefinerSpec, refiner_engines
from mammoth_assets.llm import LLMResource

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
