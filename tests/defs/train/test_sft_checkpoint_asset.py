"""sft_checkpoint end to end through Dagster: a real Pipes training process on the tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
import yaml

from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.train import defs as train_defs, sft_checkpoint
from mammoth_assets.defs.train.sensors import training_recipe_sensor


def write_recipe(directory: Path, name: str, base_model: str, **hyper) -> Path:
    recipe = {
        "name": name,
        "base_model": base_model,
        "training_sets": [{"name": "webinstruct", "table": "webinstruct", "format": "qa"}],
        "hyperparameters": {
            "learning_rate": 1e-3, "global_batch_size": 4, "per_device_batch_size": 4,
            "max_seq_length": 128, "max_steps": 4, "save_steps": 2, "precision": "fp32", **hyper,
        },
        "deepspeed": None,
        "launch": {"launcher": "python"},
    }  # fmt: skip
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def sample_webinstruct(mirror: Path, n: int) -> pl.DataFrame:
    """WebInstruct-shaped rows from the sample dump's ground-truth QA pairs, plus one broken row."""
    from mammoth_assets.core.sample_dump import read_labels

    pairs = [pair for label in read_labels(mirror) for pair in label.get("qa_pairs", [])][:n]
    rows = [{"id": f"wi-{i}", "question": p["question"], "answer": p["answer"]} for i, p in enumerate(pairs)]
    rows.append({"id": "wi-empty", "question": "Is this kept?", "answer": "  "})
    return pl.DataFrame(rows)


@pytest.fixture
def recipes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "recipes"
    directory.mkdir()
    monkeypatch.setenv("MAMMOTH_TRAINING_RECIPES", str(directory))
    return directory


def materialize(key: str, warehouse, run_config: dict | None = None, raise_on_error: bool = True):
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("training_recipe", [key])
    return dg.materialize(
        [sft_checkpoint, *train_defs.asset_checks],
        instance=instance,
        partition_key=key,
        resources={"warehouse": WarehouseResource(path=str(warehouse.path))},
        run_config=run_config or {},
        raise_on_error=raise_on_error,
    )


@pytest.mark.slow
def test_sft_checkpoint_trains_records_and_passes_checks(recipes, warehouse, tiny_model, sample_mirror):
    write_recipe(recipes, "tiny-test", str(tiny_model), max_seq_length=192)
    warehouse.replace_table("webinstruct", sample_webinstruct(sample_mirror, 24))

    result = materialize("tiny-test", warehouse)

    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == {"sft_loss_decreased", "sft_loss_finite", "sft_checkpoint_generates", "sft_examples_accounted"}
    assert all(e.passed for e in evaluations.values()), {k: e.metadata for k, e in evaluations.items()}
    assert evaluations["sft_checkpoint_generates"].metadata["new_tokens"].value > 0

    row = warehouse.query("sft_checkpoint_of_recipe", {"recipe": "tiny-test"}).row(0, named=True)
    assert row["steps"] == 4 and row["n_examples"] == 24 and row["n_rejected_rows"] == 1
    assert row["final_loss"] < row["first_loss"]
    run_dir = Path(row["run_dir"])
    assert (Path(row["checkpoint_path"]) / "config.json").exists()
    saved = json.loads((run_dir / "training_set.json").read_text())
    assert saved["training_set_hash"] == row["training_set_hash"]
    provenance = json.loads((Path(row["checkpoint_path"]) / "mammoth_provenance.json").read_text())
    assert provenance["training_set_hash"] == row["training_set_hash"] and provenance["recipe"] == "tiny-test"
    assert (run_dir / "ids.txt").read_text().split() == [f"webinstruct:wi-{i}" for i in range(24)]
    assert (run_dir / "training_args.json").exists() and (run_dir / "loss_curve.png").stat().st_size > 0

    examples = warehouse.read_table("sft_training_examples", "recipe", "tiny-test")
    dropped = examples.filter(pl.col("status") == "dropped")
    assert examples.height == 25 and dropped["reason"].to_list() == ["empty_response"]

    metadata = result.asset_materializations_for_node("sft_checkpoint")[0].metadata
    assert metadata["kept"].value == 24 and metadata["dropped"].value == 1
    assert metadata["tokens_per_s"].value > 0
    assert metadata["streamed_step_messages"].value >= 4  # per-step losses came back over Pipes
    assert "loss curve" in metadata["loss_curve"].value


def test_empty_training_set_is_a_clear_failure(recipes, warehouse, tiny_model):
    write_recipe(recipes, "empty-test", str(tiny_model))
    warehouse.replace_table("webinstruct", pl.DataFrame([{"id": "x", "question": "", "answer": "y"}]))

    result = materialize("empty-test", warehouse, raise_on_error=False)

    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "0 trainable examples" in failure.event_specific_data.error.message
    examples = warehouse.read_table("sft_training_examples", "recipe", "empty-test")
    assert examples["reason"].to_list() == ["empty_prompt"]


def test_sensor_registers_valid_recipes_and_skips_broken_ones(recipes):
    write_recipe(recipes, "good-one", "some/model")
    (recipes / "broken.yaml").write_text("name: broken\nbase_model: x\n")  # no training sets
    instance = dg.DagsterInstance.ephemeral()

    result = training_recipe_sensor(dg.build_sensor_context(instance=instance))

    request = result.dynamic_partitions_requests[0]
    assert list(request.partition_keys) == ["good-one"]


def _failure_message(result) -> str:
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    return failure.event_specific_data.error.message


def test_missing_training_table_and_broken_recipe_fail_with_reasons(recipes, warehouse):
    write_recipe(recipes, "no-table", "some/model")
    (recipes / "broken.yaml").write_text("name: broken\nbase_model: x\ntraining_sets: []\n")

    missing = materialize("no-table", warehouse, raise_on_error=False)
    broken = materialize("broken", warehouse, raise_on_error=False)

    assert "'webinstruct' does not exist yet: materialize it first" in _failure_message(missing)
    assert "at least one training set" in _failure_message(broken)


def test_an_invalid_launcher_override_fails_before_training(recipes, warehouse):
    write_recipe(recipes, "bad-launch", "some/model")

    result = materialize("bad-launch", warehouse, {"ops": {"sft_checkpoint": {"config": {"launcher": "mpirun"}}}}, raise_on_error=False)

    assert "invalid launch override" in _failure_message(result)
