"""The one checkpoint lookup: the `sft_checkpoint` row a training recipe produced, and the model
an evaluation checkpoint key names (resolved by `core.evaluation.resolve_checkpoint`)."""

from __future__ import annotations

from typing import Any

from mammoth_assets.core.evaluation import ResolvedCheckpoint, resolve_checkpoint
from mammoth_assets.llm.tiny_model import ensure_tiny_model
from mammoth_assets.warehouse import Warehouse


def recorded_checkpoint(warehouse: Warehouse, recipe: str) -> dict[str, Any] | None:
    """The `sft_checkpoint` row of `recipe`; None when the recipe has not been trained."""
    if not warehouse.table_exists("sft_checkpoint"):
        return None
    rows = warehouse.query("sft_checkpoint_of_recipe", {"recipe": recipe})
    return rows.row(0, named=True) if rows.height else None


def resolve_checkpoint_model(warehouse: Warehouse, checkpoint: str) -> ResolvedCheckpoint:
    """What an evaluation checkpoint key evaluates (see `core.evaluation.resolve_checkpoint`)."""
    return resolve_checkpoint(checkpoint, recorded_checkpoint(warehouse, checkpoint),
                              tiny_model=ensure_tiny_model)
