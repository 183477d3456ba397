"""instruction_examples for declared files, ad-hoc sources and the `webinstruct` table; sensor and CLI."""

import json

import dagster as dg
import polars as pl
import pytest

from mammoth_assets.cli import main as mammoth
from mammoth_assets.core import instruction_sets as sets
from mammoth_assets.defs.partitions import instruction_set_partitions
from mammoth_assets.defs.quality import (
    alpagasus_subset,
    instruction_examples,
    instruction_set_sensor,
    quality_scores,
    random_subset,
)

from .helpers import check_results, instance_with_sets, metadata_value, resources


def materialize(warehouse, instance, selection, key, config, model="unused-by-this-test"):
    return dg.materialize(
        selection, instance=instance, partition_key=key, resources=resources(warehouse, model),
        run_config={"ops": {name: {"config": c} for name, c in config.items()}},
        raise_on_error=False,
    )


def test_declared_dolly_file_with_invalid_rows(warehouse, shared_data, tmp_path):
    instance = instance_with_sets("dolly_alpagasus_3k", "broken")
    result = materialize(warehouse, instance, [instruction_examples],
                         "dolly_alpagasus_3k", {"instruction_examples": {"limit": 30}})
    assert result.success and check_results(result) == {"instruction_examples_accounted": True}
    rows = warehouse.read_table("instruction_examples")
    assert rows.height == 30 and rows["category"].null_count() == 0

    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"instruction": "Hi", "output": "Hello"}\n{"instruction": "", "output": "x"}\nnope\n')
    result = materialize(warehouse, instance, [instruction_examples],
                         "broken", {"instruction_examples": {"source": str(broken)}})
    assert result.success and check_results(result) == {"instruction_examples_accounted": True}
    assert metadata_value(result, "instruction_examples", "invalid") == 2
    assert "empty instruction" in metadata_value(result, "instruction_examples", "by_status_and_reason")
    # The other partition is untouched.
    assert warehouse.count("instruction_examples", "instruction_set", "dolly_alpagasus_3k") == 30


def test_undeclared_set_fails_with_a_clear_error(warehouse):
    instance = instance_with_sets("nowhere")
    result = materialize(warehouse, instance, [instruction_examples], "nowhere", {})
    assert not result.success
    failure = result.get_step_failure_events()[0].event_specific_data.error
    assert "not declared" in failure.to_string() and "add-instruction-set" in failure.to_string()


def write_webinstruct(warehouse, count: int) -> None:
    warehouse.replace_table("webinstruct", pl.DataFrame({
        "id": [f"wi-{i:03d}" for i in range(count)],
        "question": [f"What is {i} + {i}?" for i in range(count)],
        "answer": [f"{i} + {i} = {2 * i}. The answer is {2 * i}." for i in range(count)],
        "dump": ["CC-MAIN-SAMPLE"] * count,
        "url": [f"https://math.example.org/q/{i}" for i in range(count)],
        "domain": ["math.example.org"] * count,
    }))


def test_webinstruct_partition_without_table_is_a_clear_error(warehouse):
    instance = instance_with_sets("webinstruct")
    result = materialize(warehouse, instance, [instruction_examples], "webinstruct", {})
    failure = result.get_step_failure_events()[0].event_specific_data.error
    assert "materialize the `webinstruct` asset first" in failure.to_string()


@pytest.mark.slow
def test_webinstruct_rated_and_filtered_with_tiny_model(warehouse, tiny_model):
    write_webinstruct(warehouse, 6)
    instance = instance_with_sets("webinstruct")
    result = materialize(
        warehouse, instance, [instruction_examples, quality_scores, alpagasus_subset, random_subset],
        "webinstruct",
        {"quality_scores": {"limit": 4, "max_tokens": 16}, "alpagasus_subset": {"threshold": 0.0}},
        model=str(tiny_model),
    )
    assert result.success
    examples = warehouse.read_table("instruction_examples").sort("position")
    assert examples["example_id"].to_list() == [f"wi-{i:03d}" for i in range(6)]
    assert examples["source"][0] == "warehouse:webinstruct#wi-000"
    assert examples["category"][0] == "math.example.org"
    assert warehouse.count("quality_scores") == 4
    assert metadata_value(result, "alpagasus_subset", "kept") == 4
    assert metadata_value(result, "random_subset", "kept") == 4


def test_sensor_adds_declared_training_sets_once(tmp_path):
    data = tmp_path / "mine.json"
    data.write_text(json.dumps([{"instruction": "a", "input": "", "output": "b"}]))
    sets.add_declaration(sets.InstructionSetDeclaration(name="mine", source=str(data)))
    instance = dg.DagsterInstance.ephemeral()
    result = instruction_set_sensor(dg.build_sensor_context(instance=instance))
    requested = result.dynamic_partitions_requests[0].partition_keys
    assert {"webinstruct", "alpaca_random_9k", "mine"} <= set(requested)
    assert "vicuna" not in requested  # test sets feed the judge, they are not rated
    instance.add_dynamic_partitions(instruction_set_partitions.name, list(requested))
    assert isinstance(instruction_set_sensor(dg.build_sensor_context(instance=instance)), dg.SkipReason)


def test_cli_add_instruction_set(tmp_path, monkeypatch, capsys):
    data = tmp_path / "mine.jsonl"
    data.write_text('{"instruction": "Name a color", "input": "", "output": "Blue"}\n')
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    assert mammoth(["add-instruction-set", "mine", str(data)]) == 0
    assert "1/1 sample records valid" in capsys.readouterr().out
    assert sets.find_declaration("mine").source == str(data)
    with dg.DagsterInstance.get() as instance:
        assert "mine" in instance.get_dynamic_partitions(instruction_set_partitions.name)
    assert mammoth(["add-instruction-set", "gone", str(tmp_path / "missing.json")]) == 2
    assert "not found" in capsys.readouterr().out
    assert mammoth(["list-instruction-sets"]) == 0
    assert "mine" in capsys.readouterr().out
