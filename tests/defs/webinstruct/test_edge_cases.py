"""Edge cases of the WebInstruct stages that need no model: missing inputs fail clearly, missing
WARC files fall back to WET text with a reason, and an empty dump flows through every stage."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from mammoth_assets.core.sample_dump import DUMP
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.webinstruct import ASSET_CHECKS, ASSETS, PER_DUMP_ASSETS, PER_SHARD_ASSETS
from mammoth_assets.llm import LLMResource
from mammoth_assets.warehouse import Warehouse

from .conftest import SHARD_KEY, RecalledDump, shard_instance, write_recalled_documents


def _resources(warehouse: Warehouse, tmp_path: Path) -> dict:
    # No request reaches the model in these tests: the path is never loaded.
    return {
        "warehouse": WarehouseResource(path=str(warehouse.path)),
        "llm": LLMResource(
            model=str(tmp_path / "no-model"), cache_path=str(tmp_path / "llm.duckdb")
        ),
    }


def _instance() -> dg.DagsterInstance:
    return shard_instance()


def test_missing_upstream_table_fails_with_a_clear_error(warehouse: Warehouse, tmp_path: Path):
    result = dg.materialize(ASSETS, selection=[ASSETS[0]], partition_key=SHARD_KEY, instance=_instance(),
                            resources=_resources(warehouse, tmp_path), raise_on_error=False)  # fmt: skip
    assert not result.success
    failure = result.get_step_failure_events()[0]
    assert "recalled_documents" in failure.step_failure_data.error.message


def test_missing_warc_file_falls_back_to_wet_text_with_reason(
    warehouse: Warehouse, tmp_path: Path, planted_mirror: RecalledDump
):
    recalled = {l["url"] for l in planted_mirror.labels if l["kind"] == "faq_jsonld"}
    write_recalled_documents(warehouse, planted_mirror.mirror, recalled)
    result = dg.materialize(
        ASSETS, selection=[ASSETS[0]], partition_key=SHARD_KEY, instance=_instance(), resources=_resources(warehouse, tmp_path),
        run_config=dg.RunConfig(ops={"page_texts": {"config": {"warc_base": str(tmp_path / "empty-mirror")}}}),
    )  # fmt: skip
    assert result.success
    pages = warehouse.read_table("page_texts")
    assert pages.height == len(recalled)
    assert (pages["text_source"] == "wet_text").all() and (
        pages["fallback_reason"] == "warc_file_missing"
    ).all()
    assert (pages["structured_pair_count"] == 0).all()  # no HTML, so no JSON-LD
    assert (pages["decision"] == "kept").all()


def test_empty_dump_flows_through_every_stage_and_reconciles(
    warehouse: Warehouse, tmp_path: Path, planted_mirror: RecalledDump
):
    write_recalled_documents(warehouse, planted_mirror.mirror, set())  # recall kept nothing
    instance = _instance()
    resources = _resources(warehouse, tmp_path)
    everything = [*ASSETS, *ASSET_CHECKS]
    per_dump = dg.materialize(
        everything, selection=PER_SHARD_ASSETS, partition_key=SHARD_KEY, instance=instance, resources=resources,
        run_config=dg.RunConfig(ops={"page_texts": {"config": {"warc_base": str(planted_mirror.mirror)}},
                                     "decontaminated_documents": {"config": {"benchmarks": ["gsm8k"]}}}),
    )  # fmt: skip
    assert per_dump.success
    minhash = dg.materialize(everything, selection=PER_DUMP_ASSETS, partition_key=DUMP, instance=instance,
                             resources=resources)  # the dump's MinHash buckets, over its shards
    assert minhash.success
    final = dg.materialize(
        everything, selection=[ASSETS[-1]], instance=instance, resources=resources
    )
    assert final.success
    for table in (
        "page_texts",
        "decontaminated_documents",
        "extracted_qa",
        "extracted_qa_pages",
        "refined_qa",
        "webinstruct",
    ):
        assert warehouse.table_exists(table) and warehouse.count(table) == 0, table
    evaluations = (per_dump.get_asset_check_evaluations() + minhash.get_asset_check_evaluations()
                   + final.get_asset_check_evaluations())
    assert evaluations and all(e.passed for e in evaluations), [
        (e.check_name, e.description) for e in evaluations if not e.passed
    ]
