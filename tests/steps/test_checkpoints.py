"""The one checkpoint lookup and evaluation's checkpoint-key resolution, on a real warehouse."""

from __future__ import annotations

import polars as pl

from mammoth_assets.core.evaluation import ResolvedCheckpoint
from mammoth_assets.steps.checkpoints import recorded_checkpoint, resolve_checkpoint_model


def test_checkpoint_keys_resolve_through_the_training_table(warehouse, tiny_model) -> None:
    hub = resolve_checkpoint_model(warehouse, "mistralai/Mistral-7B-v0.1")
    assert (hub.model, hub.source) == ("mistralai/Mistral-7B-v0.1", "hub_id")
    assert recorded_checkpoint(warehouse, "sample-tiny") is None
    warehouse.replace_table("sft_checkpoint", pl.DataFrame([{
        "recipe": "sample-tiny", "checkpoint_path": str(tiny_model), "base_model": "tiny",
        "training_set_hash": "abc123"}]))
    assert resolve_checkpoint_model(warehouse, "sample-tiny") == ResolvedCheckpoint(
        str(tiny_model), "sft_checkpoint", {"base_model": "tiny", "training_set_hash": "abc123"})
    assert recorded_checkpoint(warehouse, "sample-tiny")["checkpoint_path"] == str(tiny_model)
    assert resolve_checkpoint_model(warehouse, str(tiny_model)).source == "local_path"
