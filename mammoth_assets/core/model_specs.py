"""Model specs as users write them in config: empty (the `llm` resource's model), a checkpoint path
or hub id, or `recipe:<training recipe>` for the checkpoint that recipe's `sft_checkpoint` produced
(the AlpaGasus comparison: a model trained on the filtered subset vs one trained on the random
control). The checkpoint lookup is passed in, so this needs no warehouse."""

from __future__ import annotations

from typing import Callable

RECIPE_PREFIX = "recipe:"


class ModelSpecError(ValueError):
    pass


def recipe_of(spec: str) -> str | None:
    """The training recipe a `recipe:<name>` spec names, or None for any other spec."""
    return spec[len(RECIPE_PREFIX):] if spec.startswith(RECIPE_PREFIX) else None


def resolve_model_spec(spec: str, checkpoint_of_recipe: Callable[[str], str | None]) -> str:
    """The spec as the LLM layer takes it: `recipe:<name>` becomes that recipe's checkpoint path."""
    recipe = recipe_of(spec)
    if recipe is None:
        return spec
    path = checkpoint_of_recipe(recipe)
    if not path:
        raise ModelSpecError(
            f"model {spec!r}: no sft_checkpoint for training recipe {recipe!r}; "
            "materialize sft_checkpoint for that recipe first"
        )
    return str(path)
