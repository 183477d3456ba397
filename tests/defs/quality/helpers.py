"""Shared helpers for the quality-domain Dagster tests."""

import json
from pathlib import Path

import dagster as dg

from mammoth_assets.defs.partitions import instruction_set_partitions
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource


def instance_with_sets(*names: str) -> dg.DagsterInstance:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(instruction_set_partitions.name, list(names))
    return instance


def llm_resource(model: str = "unused-by-this-test") -> LLMResource:
    """An LLM resource; without a real model only its cache (call log) is used."""
    return LLMResource(model=model)


def resources(warehouse, model: str = "unused-by-this-test") -> dict:
    return {"warehouse": warehouse_resource(warehouse), "llm": llm_resource(model)}


def warehouse_resource(warehouse) -> WarehouseResource:
    return WarehouseResource(path=str(warehouse.path), lock_timeout_s=60)


def write_alpaca(path: Path, count: int, coding_every: int = 4) -> Path:
    records = []
    for i in range(count):
        if i % coding_every == 0:
            records.append({"instruction": f"Write Python code that prints {i}.", "input": "",
                            "output": f"print({i})"})
        else:
            records.append({"instruction": f"Name a fruit, number {i}.", "input": "",
                            "output": f"Apple {i}."})
    path.write_text(json.dumps(records))
    return path


def metadata_value(result: dg.ExecuteInProcessResult, asset: str, key: str):
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key == dg.AssetKey(asset):
            return materialization.metadata[key].value
    raise KeyError(f"no materialization of {asset}")


def check_results(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {
        evaluation.check_name: evaluation.passed
        for evaluation in result.get_asset_check_evaluations()
    }



def checks_of(checks, *assets: str) -> list:
    """The (generated) check definitions among `checks` that check one of `assets`."""
    return [c for c in checks if any(key.asset_key.to_user_string() in assets for key in c.check_keys)]
