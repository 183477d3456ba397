"""Unsafe instruction-set, recipe and judge names in real Dagster runs, sensors and the CLI: refused
with a clear error, nothing written outside the data dir (every file here lives in tmp)."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from mammoth_assets.cli import main as mammoth
from mammoth_assets.core import instruction_sets as sets
from mammoth_assets.defs.partitions import instruction_set_partitions
from mammoth_assets.defs.quality import instruction_examples, instruction_set_sensor
from mammoth_assets.defs.quality.judge_answers import judge_answers
from mammoth_assets.defs.train.assets import sft_checkpoint
from mammoth_assets.defs.train.sensors import training_recipe_sensor
from mammoth_assets.defs.resources import WarehouseResource
from tests.defs.quality.helpers import resources

ESCAPE = "../../escaped"


def _failure(result: dg.ExecuteInProcessResult) -> str:
    return "\n".join(e.event_specific_data.error.to_string() for e in result.get_step_failure_events())


def _files_outside(tmp_path: Path, data: Path) -> list[str]:
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*escaped*") if data not in p.parents)


def test_instruction_examples_with_a_traversing_key_fails_cleanly(warehouse, tmp_path: Path) -> None:
    source = tmp_path / "set.jsonl"
    source.write_text('{"instruction": "Name a color", "input": "", "output": "Blue"}\n')
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(instruction_set_partitions.name, [ESCAPE])
    result = dg.materialize(
        [instruction_examples], instance=instance, partition_key=ESCAPE, resources=resources(warehouse),
        run_config={"ops": {"instruction_examples": {"config": {"source": str(source)}}}}, raise_on_error=False,
    )
    assert not result.success
    assert "is not a safe name" in _failure(result)
    assert _files_outside(tmp_path, warehouse.path.parent) == []


def test_sft_checkpoint_with_a_traversing_recipe_key_fails_cleanly(warehouse, tmp_path: Path, monkeypatch) -> None:
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    monkeypatch.setenv("MAMMOTH_TRAINING_RECIPES", str(recipes))
    (tmp_path / "escaped.yaml").write_text("base_model: x\ntraining_sets: [{name: a, table: t}]\n")
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("training_recipe", ["../escaped"])
    result = dg.materialize(
        [sft_checkpoint], instance=instance, partition_key="../escaped",
        resources={"warehouse": WarehouseResource(path=str(warehouse.path))}, raise_on_error=False,
    )
    assert not result.success and "recipe name '../escaped' is not a safe name" in _failure(result)


def test_judge_label_that_traverses_never_becomes_a_directory(warehouse, tmp_path: Path) -> None:
    config = {"model_a": {"label": "../../../escaped", "seed": 1}, "model_b": {"label": "b", "seed": 2},
              "test_sets": [], "limit_per_set": 1}
    result = dg.materialize(
        [judge_answers], instance=dg.DagsterInstance.ephemeral(), resources=resources(warehouse),
        run_config={"ops": {"judge_answers": {"config": config}}}, raise_on_error=False,
    )
    assert not result.success and "is not a safe name" in _failure(result)
    assert _files_outside(tmp_path, warehouse.path.parent) == []


def test_instruction_set_sensor_skips_bad_declarations_and_keeps_the_good(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"instruction": "a", "output": "b"}\n')
    sets.user_declarations_path().write_text(json.dumps({"instruction_sets": {
        "good_set": {"source": str(good)},
        "../../escaped": {"source": str(good)},
        "with space": str(good),
        "odd_entry": 42,
    }}))
    instance = dg.DagsterInstance.ephemeral()
    context = dg.build_sensor_context(instance=instance)
    result = instruction_set_sensor(context)
    requested = set(result.dynamic_partitions_requests[0].partition_keys)
    assert "good_set" in requested
    assert not {"../../escaped", "with space", "odd_entry"} & requested


def test_training_recipe_sensor_never_registers_an_unsafe_file_stem(tmp_path: Path, monkeypatch) -> None:
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    monkeypatch.setenv("MAMMOTH_TRAINING_RECIPES", str(recipes))
    body = "base_model: x\ntraining_sets: [{name: a, table: t}]\n"
    (recipes / "good.yaml").write_text(body)
    (recipes / "bad name.yaml").write_text(body.replace("base_model", "name: bad name\nbase_model"))
    (recipes / "-rf.yaml").write_text(body)
    result = training_recipe_sensor(dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral()))
    assert list(result.dynamic_partitions_requests[0].partition_keys) == ["good"]


@pytest.mark.parametrize("name", ["../../escaped", "a/b", ".hidden", "with space"])
def test_add_instruction_set_refuses_unsafe_names(name: str, tmp_path: Path, capsys) -> None:
    source = tmp_path / "set.jsonl"
    source.write_text('{"instruction": "a", "output": "b"}\n')
    assert mammoth(["add-instruction-set", name, str(source), "--no-partition"]) == 2
    assert "is not a safe name" in capsys.readouterr().out
    assert not sets.user_declarations_path().exists()
