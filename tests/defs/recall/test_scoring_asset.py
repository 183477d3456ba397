"""Round-1 scoring, classifier checks and domain verdicts on synthetic documents."""

from __future__ import annotations

import dagster as dg
import polars as pl
import pytest

from mammoth_assets.defs import recall
from mammoth_assets.defs.recall import recall_classifier, recall_scores_round1, recall_seeds
from mammoth_assets.defs.recall.checks import recall_classifier_floors
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource
from mammoth_assets.warehouse import Warehouse
from tests.defs.recall.synthetic import FAST_MODEL, synthetic_documents

DUMP = "CC-MAIN-A"
SEEDS = {"seed_domains": ["edu-seed-a.org", "edu-seed-b.org"], "num_positives": 40, "num_negatives": 40,
         "auto_seed_domains": False}


@pytest.fixture
def instance() -> dg.DagsterInstance:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cc_dump", [DUMP])
    return instance


@pytest.fixture
def trained(warehouse: Warehouse, instance: dg.DagsterInstance) -> Warehouse:
    warehouse.replace_partition("web_documents", "dump", DUMP, synthetic_documents(DUMP, per_domain=24, empty=2))
    result = dg.materialize(
        [recall_seeds, recall_classifier],
        instance=instance,
        resources={"warehouse": WarehouseResource()},
        run_config={"ops": {"recall_seeds": {"config": SEEDS}, "recall_classifier": {"config": FAST_MODEL}}},
    )
    assert result.success
    return warehouse


def score(instance, config: dict) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [recall_scores_round1],
        instance=instance,
        resources={"warehouse": WarehouseResource()},
        partition_key=DUMP,
        run_config={"ops": {"recall_scores_round1": {"config": config}}},
        raise_on_error=False,
    )


def test_every_document_is_scored_in_small_batches_and_reconciles(trained: Warehouse, instance):
    result = score(instance, {"batch_rows": 100, "max_recall_rate": 0.9})
    assert result.success
    table = trained.read_table("recall_scores_round1", "dump", DUMP)
    assert table.height == trained.count("web_documents", "dump", DUMP) == 122
    assert table.filter(pl.col("reason") == "empty_text").height == 2
    assert (table["status"] == "kept").sum() + (table["status"] == "dropped").sum() == table.height
    kept_domains = set(table.filter(pl.col("kept"))["domain"])
    assert {"edu-seed-a.org", "edu-seed-b.org", "edu-other.net"} <= kept_domains
    assert "shop-one.com" not in kept_domains
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks == {"scored_equals_kept_plus_dropped": True, "recall_rate_in_band": True}

    # Batch size changes nothing but memory; re-materializing replaces the partition.
    assert score(instance, {"batch_rows": 5_000, "max_recall_rate": 0.9}).success
    again = trained.read_table("recall_scores_round1", "dump", DUMP)
    assert again.height == table.height
    assert again.sort("doc_id")["kept"].to_list() == table.sort("doc_id")["kept"].to_list()


def test_top_fraction_keeps_that_share(trained: Warehouse, instance):
    result = score(instance, {"top_fraction": 0.25, "max_recall_rate": 0.9})
    assert result.success
    kept = trained.read_table("recall_scores_round1", "dump", DUMP)["kept"].sum()
    assert 0.2 * 122 <= kept <= 0.3 * 122


def test_recall_rate_outside_the_band_fails_the_blocking_check(trained: Warehouse, instance):
    result = score(instance, {"min_recall_rate": 0.95, "max_recall_rate": 1.0})
    assert not result.success
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks["recall_rate_in_band"] is False
    assert checks["scored_equals_kept_plus_dropped"] is True


def test_classifier_floor_check_reads_the_stored_metrics(trained: Warehouse, instance):
    assert recall_classifier_floors(warehouse=WarehouseResource()).passed
    strict = dg.materialize(
        [recall_classifier],
        instance=instance,
        resources={"warehouse": WarehouseResource()},
        run_config={"ops": {"recall_classifier": {"config": {**FAST_MODEL, "epoch": 1, "lr": 0.01,
                                                               "min_heldout_precision": 1.0, "min_heldout_recall": 1.0}}}},
    )
    assert strict.success
    evaluation = recall_classifier_floors(warehouse=WarehouseResource())
    row = trained.read_table("recall_classifier").row(0, named=True)
    assert evaluation.passed == (row["precision"] >= 1.0 and row["recall"] >= 1.0)
    assert not evaluation.passed  # one epoch at lr 0.01 does not separate the classes perfectly


def test_unreachable_judge_is_recorded_as_failed_verdicts(trained: Warehouse, instance):
    assert score(instance, {"max_recall_rate": 0.9}).success
    dead_server = LLMResource(backend="openai", model="judge", base_url="http://127.0.0.1:9/v1",
                              max_retries=0, timeout_s=2.0)
    result = dg.materialize(
        [recall.domain_verdicts],
        instance=instance,
        resources={"warehouse": WarehouseResource(), "llm": dead_server},
        run_config={"ops": {"domain_verdicts": {"config": {"min_recalled_docs": 3}}}},
    )
    assert result.success
    verdicts = trained.read_table("domain_verdicts")
    judged = verdicts.filter(pl.col("status") == "judged")
    assert judged.height >= 3
    assert judged["verdict"].unique().to_list() == ["failed"]
    assert judged["error"].null_count() == 0
    assert judged["round2_role"].unique().to_list() == ["excluded_no_verdict"]
    assert recall.CHECKS[2](warehouse=WarehouseResource()).passed
