"""The two recall rounds end to end on the sample dump, with the tiny model as domain judge."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from mammoth_assets.core import recall_domains as rd
from mammoth_assets.core.decisions import registry
from mammoth_assets.defs.decision_checks import reconciliation_result
from mammoth_assets import paths
from mammoth_assets.defs import recall
from mammoth_assets.core.crawl_ingest import RECALLED_SCHEMA
from mammoth_assets.defs.crawl.assets import wet_files
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource
from mammoth_assets.warehouse import Warehouse, file_record
from tests.defs.shard_runs import crawl_shard, shard_partition

SAMPLE = paths.SAMPLE_DUMP
SHARD = "00000"  # the sample's three files in one shard


def materialize(assets, resources, instance, config: dict, partition: str | None = None) -> dg.ExecuteInProcessResult:
    names = [a.key.to_user_string() for a in assets if isinstance(a, dg.AssetsDefinition) and a.keys]
    return dg.materialize(
        assets,
        instance=instance,
        resources=resources,
        partition_key=partition,
        run_config={"ops": {n: {"config": config[n]} for n in names if n in config}},
    )


def metadata_of(result: dg.ExecuteInProcessResult) -> dict:
    (event,) = result.get_asset_materialization_events()
    return {k: getattr(v, "value", v) for k, v in event.materialization.metadata.items()}


@pytest.mark.slow
def test_two_rounds_recall_the_planted_educational_pages(
    warehouse: Warehouse, sample_mirror: Path, tiny_model: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("MAMMOTH_SAMPLE_MIRROR", str(sample_mirror))
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cc_dump", [SAMPLE])
    resources = {"warehouse": WarehouseResource(), "llm": LLMResource(model=str(tiny_model))}
    # The real upstream: the dump's files, listed in one shard.
    assert dg.materialize([wet_files], instance=instance, resources=resources, partition_key=SAMPLE,
                          run_config={"ops": {"wet_files": {"config": {"files_per_shard": 3}}}}).success
    config = recall.demo_run_config()
    metadata = {}
    for asset in recall.ASSETS:
        name = asset.key.to_user_string()
        if name == "domain_verdicts":  # round 1 reads and scores the shard's WET files in one pass
            crawled = crawl_shard(instance, resources, SAMPLE, SHARD, **config["crawl_and_score_shard"])
            assert crawled.success and all(c.passed for c in crawled.get_asset_check_evaluations())
            [round1] = [e for e in crawled.get_asset_materialization_events()
                        if e.asset_key == dg.AssetKey("recall_scores_round1")]
            metadata["recall_scores_round1"] = {k: getattr(v, "value", v) for k, v in round1.materialization.metadata.items()}
        result = materialize([asset], resources, instance, config,
                             shard_partition(SAMPLE, SHARD) if asset.partitions_def else None)
        assert result.success, name
        metadata[name] = metadata_of(result)
        assert all(check.passed for check in result.get_asset_check_evaluations()), name
    assert metadata["recall_scores_round1"]["ground_truth_recall"] > 0.5  # round 1 already finds them

    wh = warehouse
    documents = wh.count("web_documents", "dump", SAMPLE)
    final = metadata["recalled_documents"]
    # Ground truth (generator labels, used only for reporting): round 2 recalls what was planted.
    assert final["ground_truth_labelled_docs"] == documents
    assert final["ground_truth_precision"] >= 0.9
    assert final["ground_truth_recall"] >= 0.9
    assert "round1_ground_truth_recall" in final and "round1_kept" in final

    # recalled_documents (round 2 re-read the WET) scores every page; the kept ones carry every
    # web_documents column plus text and provenance, the dropped ones their key, score and reason.
    web_columns = wh.read_table("web_documents").columns
    table = wh.read_table("recalled_documents", "dump", SAMPLE)
    decision = {"decision", "decision_detail", "threshold", "classifier_sha256"}
    assert set(table.columns) == set(RECALLED_SCHEMA) | decision and set(web_columns) <= set(table.columns)
    assert table.height == documents == final["kept"] + final["dropped"]
    assert set(table["doc_id"]) == set(wh.read_table("web_documents")["doc_id"])
    kept = table.filter(pl.col("decision") == "kept")
    assert kept["text"].null_count() == 0 and kept["wet_record_id"].null_count() == 0 and kept["url"].null_count() == 0
    dropped = table.filter(pl.col("decision") != "kept")
    assert set(dropped["decision"].unique().to_list()) <= {"below_threshold"}
    assert dropped["text"].null_count() == dropped.height  # no text stored for what recall dropped

    # The threshold lives in SQL: a stricter one needs no re-scoring.
    stricter = wh.query_text(
        "SELECT count(*) AS n FROM recalled_documents WHERE dump = $d AND score >= 0.9", {"d": SAMPLE}
    )["n"][0]
    assert 0 < stricter <= final["kept"]

    # Classifier artefacts are recorded with their hash; round 2 reports both rounds side by side.
    round2 = metadata["recall_classifier_round2"]
    assert file_record(round2["artifact_path"])["sha256"] == round2["artifact_sha256"]
    assert table["classifier_sha256"].unique().to_list() == [round2["artifact_sha256"]]
    assert "round 1" in round2["rounds_side_by_side"] and "round 2" in round2["rounds_side_by_side"]
    assert Path(round2["pr_curve_path"]).stat().st_size > 0

    # Domain verdicts: every candidate domain accounted for; judged ones keep raw text and prompt.
    verdicts = wh.read_table("domain_verdicts")
    judged = verdicts.filter(pl.col("verdict").is_not_null())
    assert judged.height == metadata["domain_verdicts"]["judged_domains"] > 0
    assert judged["raw_text"].null_count() == 0 and judged["prompt_version"].null_count() == 0
    assert verdicts.height == metadata["domain_verdicts"]["candidate_domains"]
    assert 0.0 <= metadata["domain_verdicts"]["verdict_round1_agreement"] <= 1.0
    assert metadata["domain_verdicts"]["llm_requests"] == judged.height

    # The generated reconciliation checks (what CI runs) pass on what was written, per shard.
    for stage in (registry.RECALL_SCORES_ROUND1, registry.RECALLED_DOCUMENTS, registry.DOMAIN_VERDICTS):
        keys = set(wh.read_table(stage.name)["shard_key"]) if stage.partitioning == "shard" else {None}
        for key in keys:
            evaluation = reconciliation_result(wh, stage, key)
            assert evaluation.passed, (stage.name, key, evaluation.description)

    # A judge that gets every domain wrong cannot poison round 2: verdicts only count where they
    # agree with round 1, so round 2 falls back to round-1 quality instead of collapsing.
    truth = pl.read_ndjson(Path(final["ground_truth_labels_file"])).group_by("domain").agg(pl.col("educational").any())
    educational = dict(truth.iter_rows())

    def wrong(row: dict) -> dict:
        if row["verdict"] is None:
            return row
        verdict = rd.REJECT if educational.get(row["domain"]) else rd.ACCEPT
        return {**row, "verdict": verdict, "round2_role": rd.round2_role(verdict, row["favoured"]),
                **rd.judged_decision(verdict, row["favoured"]).columns()}

    adversarial = pl.DataFrame([wrong(r) for r in verdicts.iter_rows(named=True)], schema=verdicts.schema)
    assert rd.verdict_agreement(zip(adversarial["verdict"], adversarial["favoured"])).rate < 0.2
    wh.replace_table("domain_verdicts", adversarial)
    assert materialize([recall.recall_classifier_round2], resources, instance, config).success
    poisoned = metadata_of(materialize([recall.recalled_documents], resources, instance, config,
                                       shard_partition(SAMPLE, SHARD)))
    assert poisoned["ground_truth_precision"] >= 0.9
    assert poisoned["ground_truth_recall"] >= final["round1_ground_truth_recall"] - 0.05
