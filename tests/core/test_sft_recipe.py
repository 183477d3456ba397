"""Recipes: the repo's recipes load with the paper settings; bad recipes fail with a reason."""

from __future__ import annotations

import pytest

from mammoth_assets.core.sft.recipe import RecipeError, list_recipe_names, load_recipe, recipes_dir


def test_repo_recipes_carry_the_paper_hyperparameters():
    names = list_recipe_names()
    recipes = {n: load_recipe(recipes_dir() / f"{n}.yaml") for n in names}

    assert {"mammoth2-7b", "mammoth2-8b", "alpagasus-7b", "sample-tiny"} <= set(names)
    m7, m8, alp = recipes["mammoth2-7b"], recipes["mammoth2-8b"], recipes["alpagasus-7b"]
    assert (m7.hyperparameters.learning_rate, m8.hyperparameters.learning_rate) == (5e-6, 1e-5)
    for r in (m7, m8):
        hp = r.hyperparameters
        assert (hp.global_batch_size, hp.max_seq_length, hp.num_train_epochs) == (512, 4096, 2)
        assert (hp.lr_scheduler, hp.warmup_ratio, hp.loss, r.deepspeed.zero_stage) == ("cosine", 0.03, "sft", 3)
    hp = alp.hyperparameters
    assert (hp.learning_rate, hp.global_batch_size, hp.num_train_epochs) == (2e-5, 128, 3)
    assert alp.training_sets[0].filter == {"instruction_set": "alpaca_52k", "decision": "kept"}


def test_fingerprint_follows_training_settings_not_launch(tmp_path):
    base = load_recipe(recipes_dir() / "sample-tiny.yaml")
    relaunched = base.model_copy(update={"launch": base.launch.model_copy(update={"num_gpus": 8})})
    retuned = base.model_copy(update={"hyperparameters": base.hyperparameters.model_copy(update={"learning_rate": 1e-4})})

    assert base.fingerprint() == relaunched.fingerprint() != retuned.fingerprint()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("base_model: x\ntraining_sets: []\n", "at least one training set"),
        ("base_model: x\ntraining_sets: [{name: a, table: t, path: p.json}]\n", "exactly one"),
        ("base_model: x\ntraining_sets: [{name: a, table: t}]\nhyperparameters: {lr: 1}\n", "lr"),
        ("- not a mapping\n", "not a YAML mapping"),
    ],
)
def test_invalid_recipes_are_rejected_with_a_reason(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)

    with pytest.raises(RecipeError, match=message):
        load_recipe(path)
