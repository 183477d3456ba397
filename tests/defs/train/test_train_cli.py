"""`mammoth train-recipes` and `mammoth train`'s refusal to train on nothing."""

from __future__ import annotations

import polars as pl
import yaml

from mammoth_assets.cli import main


def test_recipes_list_shows_the_repo_recipes(capsys):
    assert main(["train-recipes", "list"]) == 0
    assert {"mammoth2-7b", "mammoth2-8b", "alpagasus-7b", "sample-tiny"} <= set(capsys.readouterr().out.split())


def test_train_refuses_an_empty_training_set(tmp_path, warehouse, capsys):
    warehouse.replace_table("webinstruct", pl.DataFrame([{"id": "a", "question": "Q", "answer": ""}]))
    recipe = tmp_path / "cli-empty.yaml"
    recipe.write_text(yaml.safe_dump({
        "base_model": "unused/model",
        "training_sets": [{"name": "webinstruct", "table": "webinstruct"}],
        "deepspeed": None,
    }))  # fmt: skip

    assert main(["train", str(recipe), "--max-steps", "2"]) == 2
    assert "training set is empty" in capsys.readouterr().out
