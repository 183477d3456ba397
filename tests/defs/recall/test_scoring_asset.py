"""Round-1 scoring (in the shard pass that reads the WET files), classifier checks and domain
verdicts on a synthetic dump."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from mammoth_assets.core.decisions import registry
from mammoth_assets.defs import recall
from mammoth_assets.defs.decision_checks import reconciliation_result
from mammoth_assets.defs.recall import recall_classifier, recall_seeds
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource
from mammoth_assets.warehouse import Warehouse
from tests.defs.recall.synthetic import FAST_MODEL, write_synthetic_dump
from tests.defs.shard_runs import crawl_shard, list_dump

DUMP = "CC-MAIN-A"
SEEDS = {"seed_domains": ["edu-seed-a.org", "edu-seed-b.org"], "num_positives": 40, "num_negatives": 40,
         "auto_seed_domains": False, "negative_pool_rate": 1.0}
SHARD = "00000"  # both files of the synthetic dump in one shard


@pytest.fixture
def instance() -> dg.DagsterInstance:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cc_dump", [DUMP])
    return instance


@pytest.fixture
def trained(warehouse: Warehouse, instance: dg.DagsterInstance, tmp_path: Path) -> Warehouse:
    write_synthetic_dump(tmp_path / "mirror", DUMP, per_domain=24, empty=2)
    assert list_dump(instance, {"warehouse": WarehouseResource()}, DUMP, str(tmp_path / "mirror"), files_per_shard=2).success
    result = dg.materialize(
        [recall_seeds, recall_classifier],
        instance=instance,
        resources={"warehouse": WarehouseResource()},
        run_config={"ops": {"recall_seeds": {"config": SEEDS}, "recall_classifier": {"config": FAST_MODEL}}},
    )
    assert result.success
    return warehouse


def score(instance, config: dict) -> dg.ExecuteInProcessResult:
    """The shard pass: read the shard's WET files and score them with the round-1 classifier."""
    return crawl_shard(instance, {"warehouse": WarehouseResource()}, DUMP, SHARD,
                       **{"min_recall_rate": 0.001, "max_recall_rate": 0.5, **config})


def test_every_document_is_scored_in_small_batches_and_reconciles(trained: Warehouse, instance):
    result = score(instance, {"batch_rows": 100, "max_recall_rate": 0.9})
    assert result.success
    table = trained.read_table("recall_scores_round1", "dump", DUMP)
    assert table.height == trained.count("web_documents", "dump", DUMP) == 120
    # Pages with no text never become documents: they are rejects with a reason, still counted.
    rejects = trained.read_table("web_documents_rejects", "dump", DUMP)
    assert rejects["reason"].to_list() == ["empty", "empty"]
    assert int(trained.read_table("web_documents_files")["records"].sum()) == 122
    assert set(table["decision"]) <= {"kept", "below_threshold"}
    kept_domains = set(table.filter(pl.col("decision") == "kept")["domain"])
    assert {"edu-seed-a.org", "edu-seed-b.org", "edu-other.net"} <= kept_domains
    assert "shop-one.com" not in kept_domains
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks == {"recall_scores_round1_reconciled": True, "recall_rate_in_band": True,
                      "web_documents_all_files_read": True, "web_documents_dump_matches_partition": True,
                      "web_documents_reconciled": True, "web_documents_unique_doc_id": True}

    # Batch size changes nothing but memory; re-materializing replaces the partition.
    assert score(instance, {"batch_rows": 5_000, "max_recall_rate": 0.9}).success
    again = trained.read_table("recall_scores_round1", "dump", DUMP)
    assert again.height == table.height
    assert again.sort("doc_id")["decision"].to_list() == table.sort("doc_id")["decision"].to_list()


def test_a_top_fraction_is_chosen_in_sql_without_rescoring(trained: Warehouse, instance):
    """Every document keeps its score, so a top fraction of the dump (a quantile threshold) is a
    query over the stored scores: no document is read or scored again."""
    assert score(instance, {"max_recall_rate": 0.9}).success
    top = trained.query_text(
        "SELECT count(*) FILTER (WHERE score >= (SELECT quantile_disc(score, 0.75) FROM recall_scores_round1 "
        "WHERE dump = $d)) AS kept FROM recall_scores_round1 WHERE dump = $d", {"d": DUMP})["kept"][0]
    assert 0.2 * 120 <= top <= 0.3 * 120


def test_recall_rate_outside_the_band_fails_the_blocking_check(trained: Warehouse, instance):
    result = score(instance, {"min_recall_rate": 0.95, "max_recall_rate": 1.0})
    assert not result.success
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks["recall_rate_in_band"] is False
    # The step failed, so the generated checks did not run after it; what it wrote still reconciles.
    assert reconciliation_result(trained, registry.RECALL_SCORES_ROUND1, f"{DUMP}|{SHARD}").passed


def test_classifier_floor_check_reads_the_stored_metrics_against_the_configured_floors(trained: Warehouse, instance):
    strict = dg.materialize(
        [recall_classifier],
        instance=instance,
        resources={"warehouse": WarehouseResource()},
        run_config={"ops": {"recall_classifier": {"config": {**FAST_MODEL, "epoch": 1, "lr": 0.01,
                                                               "min_heldout_precision": 1.0, "min_heldout_recall": 1.0}}}},
        raise_on_error=False,
    )
    [evaluation] = [e for e in strict.get_asset_check_evaluations() if e.check_name == "heldout_precision_recall_floors"]
    row = trained.read_table("recall_classifier").row(0, named=True)
    assert evaluation.metadata["min_precision"].value == 1.0
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
    judged = verdicts.filter(pl.col("verdict").is_not_null())
    assert judged.height >= 3
    assert judged["verdict"].unique().to_list() == ["failed"]
    assert judged["error"].null_count() == 0
    assert judged["round2_role"].unique().to_list() == ["excluded_no_verdict"]
    assert judged["decision"].unique().to_list() == ["no_verdict"]
    assert reconciliation_result(trained, registry.DOMAIN_VERDICTS, None).passed
