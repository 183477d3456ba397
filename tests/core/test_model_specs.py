"""Model specs: a plain model passes through; `recipe:<name>` becomes that recipe's checkpoint."""

import pytest

from mammoth_assets.core.model_specs import ModelSpecError, recipe_of, resolve_model_spec

CHECKPOINTS = {"alpagasus-7b": "/ckpt/alpagasus/model"}


def test_plain_specs_pass_through_and_recipes_resolve():
    assert resolve_model_spec("", CHECKPOINTS.get) == ""
    assert resolve_model_spec("Qwen/Qwen2.5-7B", CHECKPOINTS.get) == "Qwen/Qwen2.5-7B"
    assert resolve_model_spec("recipe:alpagasus-7b", CHECKPOINTS.get) == "/ckpt/alpagasus/model"
    assert recipe_of("recipe:x") == "x" and recipe_of("x") is None


def test_a_recipe_without_a_checkpoint_is_a_clear_error():
    with pytest.raises(ModelSpecError, match="no sft_checkpoint for training recipe 'random-7b'"):
        resolve_model_spec("recipe:random-7b", CHECKPOINTS.get)
