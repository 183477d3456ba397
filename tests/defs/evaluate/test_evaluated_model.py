"""`evaluated_model` joins training to evaluation: it resolves a checkpoint key to a model and
fingerprints the weights, and Dagster's staleness follows real weight changes through it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from dagster._core.definitions.data_version import StaleStatus
from dagster._utils.test.data_versions import get_stale_status_resolver

from mammoth_assets.defs.evaluate.generations import benchmark_generations
from mammoth_assets.defs.evaluate.models import evaluated_model, evaluated_model_loadable
from mammoth_assets.defs.evaluate.partitions import evaluation_key
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.train.assets import sft_checkpoint
from mammoth_assets.llm import LLMResource
from mammoth_assets.warehouse import file_record

RECIPE = "r1"


def _resources(warehouse, tiny_model: Path) -> dict:
    return {"warehouse": WarehouseResource(path=str(warehouse.path), lock_timeout_s=60),
            "llm": LLMResource(model=str(tiny_model), batch_size=4)}


def _gsm8k_root(root: Path) -> Path:
    rows = [{"question": f"Ann has {n} apples and buys {n} more. How many now?",
             "answer": f"{n} + {n} = {2 * n}\n#### {2 * n}"} for n in range(1, 4)]
    (root / "gsm8k").mkdir(parents=True)
    (root / "gsm8k" / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


def _status(instance: dg.DagsterInstance, key: str, partition: str):
    resolver = get_stale_status_resolver(instance, [evaluated_model, benchmark_generations,
                                                    sft_checkpoint])
    return resolver.get_status(dg.AssetKey(key), partition)


def test_a_checkpoint_resolves_to_its_trained_weights_with_a_fingerprint(warehouse, tiny_model):
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("checkpoint", [RECIPE])
    warehouse.replace_table("sft_checkpoint", pl.DataFrame([{
        "recipe": RECIPE, "checkpoint_path": str(tiny_model), "base_model": "tiny",
        "training_set_hash": "abc"}]))
    result = dg.materialize([evaluated_model, evaluated_model_loadable], instance=instance,
                            partition_key=RECIPE, resources=_resources(warehouse, tiny_model))
    assert result.success
    row = warehouse.read_table("evaluated_models").row(0, named=True)
    assert (row["kind"], row["source"], row["model"]) == ("trained", "sft_checkpoint", str(tiny_model))
    assert row["base_model"] == "tiny" and row["training_set_hash"] == "abc"
    assert len(row["fingerprint"]) == 64 and row["size_bytes"] > 0
    event = result.get_asset_materialization_events()[0]
    assert event.materialization.tags["dagster/data_version"] == row["fingerprint"][:32]
    assert [e.passed for e in result.get_asset_check_evaluations()] == [True]


def test_a_missing_model_directory_fails_and_the_check_catches_a_broken_one(warehouse, tiny_model, tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    gone = tmp_path / "deleted-checkpoint"
    instance.add_dynamic_partitions("checkpoint", [RECIPE])
    warehouse.replace_table("sft_checkpoint", pl.DataFrame([{
        "recipe": RECIPE, "checkpoint_path": str(gone), "base_model": "tiny", "training_set_hash": "x"}]))
    result = dg.materialize([evaluated_model], instance=instance, partition_key=RECIPE,
                            resources=_resources(warehouse, tiny_model), raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "does not exist" in failure.description

    broken = tmp_path / "no-config"
    shutil.copytree(tiny_model, broken)
    (broken / "config.json").unlink()
    warehouse.replace_table("sft_checkpoint", pl.DataFrame([{
        "recipe": RECIPE, "checkpoint_path": str(broken), "base_model": "tiny", "training_set_hash": "x"}]))
    result = dg.materialize([evaluated_model, evaluated_model_loadable], instance=instance,
                            partition_key=RECIPE, resources=_resources(warehouse, tiny_model),
                            raise_on_error=False)
    assert [e.passed for e in result.get_asset_check_evaluations()] == [False]


def test_generation_without_a_resolved_model_fails_with_what_to_do(warehouse, tiny_model):
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("checkpoint", [RECIPE])
    result = dg.materialize([benchmark_generations], instance=instance,
                            partition_key=evaluation_key(RECIPE, "gsm8k"),
                            resources=_resources(warehouse, tiny_model), raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "materialize evaluated_model for partition 'r1'" in failure.description


def test_retrained_weights_make_generations_stale_and_unchanged_weights_do_not(
    warehouse, tiny_model, tmp_path
):
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("training_recipe", [RECIPE])
    instance.add_dynamic_partitions("checkpoint", [RECIPE])
    checkpoint = shutil.copytree(tiny_model, tmp_path / "checkpoint")
    warehouse.replace_table("sft_checkpoint", pl.DataFrame([{
        "recipe": RECIPE, "checkpoint_path": str(checkpoint), "base_model": "tiny",
        "training_set_hash": "h1"}]))
    resources = _resources(warehouse, tiny_model)
    generation_key = evaluation_key(RECIPE, "gsm8k")
    generation_config = {"ops": {"benchmark_generations": {"config": {
        "benchmark_root": str(_gsm8k_root(tmp_path / "benchmarks")), "limit": 1, "shots": 1,
        "max_tokens": 4}}}}

    def trained() -> None:
        """What a materialization of sft_checkpoint[r1] leaves in the event log: its data
        version is the hash of the model it wrote."""
        weights = file_record(checkpoint)["sha256"][:32]
        instance.report_runless_asset_event(dg.AssetMaterialization(
            "sft_checkpoint", partition=RECIPE, tags={"dagster/data_version": weights}))

    def resolve() -> None:
        assert dg.materialize([evaluated_model], instance=instance, partition_key=RECIPE,
                              resources=resources).success

    trained()
    resolve()
    assert dg.materialize([benchmark_generations], instance=instance, partition_key=generation_key,
                          resources=resources, run_config=generation_config).success
    assert _status(instance, "benchmark_generations", generation_key) == StaleStatus.FRESH

    trained()  # re-materialized, same weights (e.g. a finished run reused): nothing is stale
    assert _status(instance, "evaluated_model", RECIPE) == StaleStatus.FRESH

    config = checkpoint / "config.json"  # retrained: new weights
    config.write_text(config.read_text() + "\n")
    trained()
    assert _status(instance, "evaluated_model", RECIPE) == StaleStatus.STALE
    assert _status(instance, "benchmark_generations", generation_key) == StaleStatus.FRESH
    resolve()  # the new fingerprint reaches the generations
    assert _status(instance, "evaluated_model", RECIPE) == StaleStatus.FRESH
    assert _status(instance, "benchmark_generations", generation_key) == StaleStatus.STALE

    # a re-resolve of unchanged weights keeps the data version: nothing downstream goes stale
    assert dg.materialize([benchmark_generations], instance=instance, partition_key=generation_key,
                          resources=resources, run_config=generation_config).success
    resolve()
    assert _status(instance, "benchmark_generations", generation_key) == StaleStatus.FRESH


def test_a_recipe_that_was_never_trained_is_not_taken_for_a_hub_id(warehouse, tiny_model):
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("checkpoint", ["sample-tiny", "org/some-model"])
    result = dg.materialize([evaluated_model], instance=instance, partition_key="sample-tiny",
                            resources=_resources(warehouse, tiny_model), raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.user_failure_data
    assert "training recipe with no sft_checkpoint yet" in failure.description
    # a hub id resolves offline too: its id (and revision when the cache knows it) is the version
    result = dg.materialize([evaluated_model], instance=instance, partition_key="org/some-model",
                            resources=_resources(warehouse, tiny_model))
    row = warehouse.read_table("evaluated_models").row(0, named=True)
    assert (row["kind"], row["source"], row["model"], row["revision"]) == ("base", "hub_id", "org/some-model", None)
