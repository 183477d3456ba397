"""The WebInstruct stages on the sample dump with the tiny offline model: real Dagster runs, real
DuckDB, real LLM engine."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import datasets
import polars as pl
import pytest

from mammoth_assets.core.decisions import registry
from mammoth_assets.defs.decision_checks import reconciliation_result
from mammoth_assets.core.sample_dump import DUMP
from mammoth_assets.defs.plots import embedded_png_bytes
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.webinstruct import ASSET_CHECKS, ASSETS, PER_DUMP_ASSETS, PER_SHARD_ASSETS, demo_run_config
from mammoth_assets.llm import LLMResource
from mammoth_assets.warehouse import Warehouse

from .conftest import SHARD, SHARD_KEY, RecalledDump, shard_instance, write_recalled_documents

pytestmark = pytest.mark.slow  # one module-wide pipeline run (about a minute on 2 cores)
SHARD_KEY_STRING = SHARD.key
MAX_PAIRS = 4  # pairs sent to the refiners; the others are recorded as not_sent
# Two refiners as in the paper (here the same tiny model, greedy and sampled).
REFINERS = [
    {"name": "greedy", "max_tokens": 64},
    {"name": "sampled", "max_tokens": 64, "temperature": 0.8},
]


@dataclass
class PipelineRun:
    instance: dg.DagsterInstance
    warehouse: Warehouse
    resources: dict
    per_dump: dg.ExecuteInJobResult  # the shard's run (page texts .. refinement)
    minhash: dg.ExecuteInJobResult  # the dump's run (MinHash buckets)
    result: dg.ExecuteInJobResult
    data_dir: Path
    dump: RecalledDump
    first_extraction: dict


def run_config(assets: list[str], **overrides: dict) -> dg.RunConfig:
    """The demo config of the selected assets, with overrides."""
    config = demo_run_config()
    config["page_texts"] = {**config["page_texts"], "warc_base": overrides.pop("warc_base")}
    for asset, values in overrides.items():
        config[asset] = {**config.get(asset, {}), **values}
    return dg.RunConfig(ops={asset: {"config": config[asset]} for asset in assets})


@pytest.fixture(scope="module")
def pipeline(
    tmp_path_factory: pytest.TempPathFactory,
    planted_mirror: RecalledDump,
    tiny_model: Path,
    shared_data: Path,
):
    data_dir = tmp_path_factory.mktemp("webinstruct-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MAMMOTH_DATA_DIR", str(data_dir))
        patch.setenv("HF_HUB_OFFLINE", "1")
        warehouse = Warehouse(path=data_dir / "warehouse.duckdb", lock_timeout_s=60)
        write_recalled_documents(warehouse, planted_mirror.mirror, planted_mirror.recalled_urls)
        instance = shard_instance()
        resources = {
            "warehouse": WarehouseResource(path=str(warehouse.path)),
            "llm": LLMResource(
                model=str(tiny_model), cache_path=str(data_dir / "llm_cache.duckdb"), batch_size=8
            ),
        }
        everything = [*ASSETS, *ASSET_CHECKS]
        per_dump = dg.materialize(
            everything,
            instance=instance,
            partition_key=SHARD_KEY,
            resources=resources,
            selection=PER_SHARD_ASSETS,
            run_config=run_config(
                ["page_texts", "decontaminated_documents", "extracted_qa", "refined_qa"],
                warc_base=str(planted_mirror.mirror),
                extracted_qa={"max_llm_pages": 2},
                refined_qa={"max_pairs": MAX_PAIRS, "refiners": REFINERS},
            ),
        )
        assert per_dump.success
        minhash = dg.materialize(everything, instance=instance, resources=resources, selection=PER_DUMP_ASSETS,
                                 partition_key=DUMP)  # the dump's MinHash buckets, over its shards
        assert minhash.success
        final = dg.materialize(
            everything, instance=instance, resources=resources, selection=[ASSETS[-1]]
        )
        assert final.success
        first_extraction = _latest(instance, "extracted_qa")
        yield PipelineRun(
            instance,
            warehouse,
            resources,
            per_dump,
            minhash,
            final,
            data_dir,
            planted_mirror,
            first_extraction,
        )


def _latest(instance: dg.DagsterInstance, asset: str) -> dict:
    event = instance.get_latest_materialization_event(dg.AssetKey(asset))
    return {k: getattr(v, "value", v) for k, v in event.asset_materialization.metadata.items()}


def _metadata(run: PipelineRun, asset: str) -> dict:
    return _latest(run.instance, asset)


def test_page_texts_come_from_warc_html_and_reconcile(pipeline: PipelineRun):
    pages = pipeline.warehouse.read_table("page_texts")
    assert set(pages["url"]) == pipeline.dump.recalled_urls
    assert (pages["decision"] == "kept").all()
    assert (pages["text_source"] == "warc_html").all()
    labels = {l["url"]: l for l in pipeline.dump.labels}
    for row in pages.filter(pl.col("structured_method") != "").iter_rows(named=True):
        assert labels[row["url"]]["kind"] in ("faq_jsonld", "qa_jsonld", "qa_microdata")


def test_every_planted_benchmark_question_is_removed(pipeline: PipelineRun):
    decisions = pipeline.warehouse.read_table("decontaminated_documents")
    removed = decisions.filter(pl.col("decision") == "contaminated")
    assert {
        r["url"]: (r["matched_benchmark"], r["matched_item_id"])
        for r in removed.iter_rows(named=True)
    } == pipeline.dump.planted
    assert decisions.height == len(pipeline.dump.recalled_urls)
    meta = _metadata(pipeline, "decontaminated_documents")
    assert meta["dropped"] == len(pipeline.dump.planted) and meta["index_items"] > 10_000
    assert f"| contaminated | {len(pipeline.dump.planted)} |" in meta["decisions"]


def test_jsonld_and_microdata_pages_yield_the_real_pairs(pipeline: PipelineRun):
    pairs = pipeline.warehouse.read_table("extracted_qa")
    pages = pipeline.warehouse.read_table("extracted_qa_pages")
    labels = {l["url"]: l for l in pipeline.dump.labels}
    structured = pages.filter(pl.col("method") != "llm")
    assert structured.height == 4 and (structured["decision"] == "kept").all()
    for page in structured.iter_rows(named=True):
        found = pairs.filter((pl.col("doc_id") == page["doc_id"]) & (pl.col("decision") == "kept"))
        truth = [(p["question"], p["answer"]) for p in labels[page["url"]]["qa_pairs"]]
        assert list(zip(found["question"], found["answer"])) == truth


def test_llm_pages_are_kept_or_dropped_with_a_declared_reason_and_garbage_is_not_kept(pipeline: PipelineRun):
    pages = pipeline.warehouse.read_table("extracted_qa_pages").filter(pl.col("method") == "llm")
    pairs = pipeline.warehouse.read_table("extracted_qa").filter(pl.col("method") == "llm")
    assert pages.height == 3  # 2 plain pages + 1 prompt-injection page
    assert set(pages["decision"]) <= registry.EXTRACTED_QA_PAGES.vocabulary
    [not_sent] = pages.filter(pl.col("decision") == "not_sent")["decision_detail"].to_list()
    assert not_sent.startswith("max_llm_pages=2 reached")
    assert int(pages["prompt_tokens"].sum()) > 0
    kept = pairs.filter(pl.col("decision") == "kept")
    assert (kept["question_grounding"] >= 0.6).all()  # the random model's inventions never pass
    assert set(pairs["decision"]) <= registry.EXTRACTED_QA.vocabulary
    meta = _metadata(pipeline, "extracted_qa")
    assert meta["llm_requests"] == 2 and meta["pages"] == 7
    assert meta["pairs_dropped"] > 0  # the random model proposes pairs; none is on its page
    assert "| question_not_on_page |" in meta["pairs_decisions"]


def test_refinements_are_judged_and_unrefined_fallback_keeps_jsonld_pairs(pipeline: PipelineRun):
    refined = pipeline.warehouse.read_table("refined_qa")
    kept_pairs = pipeline.warehouse.read_table("extracted_qa").filter(pl.col("decision") == "kept")
    assert refined.height == kept_pairs.height * len(REFINERS)  # every pair by every refiner
    assert set(refined["refiner"]) == {"greedy", "sampled"}
    assert set(refined["decision"]) <= registry.REFINED_QA.vocabulary
    per_pair = refined.group_by("pair_id").agg((pl.col("decision") == "kept").sum().alias("kept"))
    assert (per_pair["kept"] >= 1).all()  # accepted refinements, or one unrefined fallback
    fallback = refined.filter(pl.col("final_source") == "original")
    assert fallback.height and (fallback["question"] == fallback["original_question"]).all()
    assert (fallback["decision"] == "kept").all() and fallback["decision_detail"].str.starts_with("unrefined fallback").all()
    # Pairs over the cap: dropped as not_sent, or (first refiner) kept unrefined saying so.
    not_sent = refined.filter(pl.col("decision_detail").str.contains("max_pairs=", literal=True))
    assert not_sent.height == (kept_pairs.height - MAX_PAIRS) * len(REFINERS)
    assert (not_sent["prompt_tokens"] == 0).all()
    meta = _metadata(pipeline, "refined_qa")
    assert (
        "| greedy |" in meta["tokens_per_refiner"] and "| sampled |" in meta["tokens_per_refiner"]
    )
    assert meta["rows"] == meta["rows_in"] == meta["kept"] + meta["dropped"] == kept_pairs.height * len(REFINERS)
    refiners = pipeline.warehouse.read_table("refined_qa_refiners")
    assert sorted(refiners["refiner"]) == ["greedy", "sampled"]


def test_final_dataset_exports_walk_back_to_pages_and_card_discloses_fallback(
    pipeline: PipelineRun,
):
    final = pipeline.warehouse.read_table("webinstruct")
    assert final.height > 0
    assert final["id"].n_unique() == final.height
    labels = {l["url"] for l in pipeline.dump.labels}
    example = final.row(0, named=True)
    walk = pipeline.warehouse.query("webinstruct_provenance", {"example_id": example["id"]}).row(
        0, named=True
    )
    assert walk["url"] in labels and walk["dump"] == DUMP and walk["warc_record_id"]
    assert walk["decontamination_decision"] == "kept" and walk["refinement_decision"] == "kept"
    meta = _metadata(pipeline, "webinstruct")
    export = Path(meta["export_dir"])
    chat = datasets.load_dataset(
        "parquet", data_files=str(export / "chat" / "train.parquet"), split="train"
    )
    assert chat.num_rows == final.height and chat[0]["messages"][0]["role"] == "user"
    alpaca = datasets.load_dataset(
        "json", data_files=str(export / "alpaca" / "train.jsonl"), split="train"
    )
    assert alpaca.num_rows == final.height
    card = (export / "README.md").read_text()
    assert "keep_unrefined_when_rejected=True" in card and "gsm8k" in card
    assert "| extracted_qa_pages | " in card  # counts per stage
    assert embedded_png_bytes(meta["funnel_plot"]).startswith(b"\x89PNG")


def test_all_asset_checks_ran_in_the_runs_and_passed(pipeline: PipelineRun):
    evaluations = (
        pipeline.per_dump.get_asset_check_evaluations()
        + pipeline.minhash.get_asset_check_evaluations()
        + pipeline.result.get_asset_check_evaluations()
    )
    names = {spec.name for definition in [*ASSETS, *ASSET_CHECKS] for spec in definition.check_specs}
    assert {f"{stage}_reconciled" for stage in ("page_texts", "decontaminated_documents", "extracted_qa_pages",
                                                 "extracted_qa", "refined_qa", "webinstruct")} <= names
    assert {e.check_name for e in evaluations} == names
    failed = {e.check_name: e.description for e in evaluations if not e.passed}
    assert not failed, failed


def test_grounding_floor_fails_the_check_when_raised(pipeline: PipelineRun):
    again = dg.materialize(
        [*ASSETS, *ASSET_CHECKS],
        instance=pipeline.instance,
        partition_key=SHARD_KEY,
        resources=pipeline.resources,
        selection=[ASSETS[2]],
        raise_on_error=False,
        run_config=run_config(
            ["extracted_qa"],
            warc_base=str(pipeline.dump.mirror),
            extracted_qa={"min_grounding_rate": 0.99, "max_llm_pages": 2},
        ),
    )
    meta = _metadata(pipeline, "extracted_qa")
    assert (
        meta["llm_cache_hits"] == 2 - pipeline.first_extraction["llm_failures"]
    )  # nothing paid twice
    grounding = [
        e
        for e in again.get_asset_check_evaluations()
        if e.check_name == "extracted_qa_grounding_rate"
    ]
    assert len(grounding) == 1 and not grounding[0].passed


@pytest.mark.parametrize(
    "stage, doctor",
    [
        ("page_texts", "DELETE FROM page_texts WHERE doc_id = (SELECT min(doc_id) FROM page_texts)"),
        ("decontaminated_documents", "UPDATE decontaminated_documents SET decision = 'dirty' WHERE decision = 'contaminated'"),
        ("extracted_qa", "INSERT INTO extracted_qa SELECT * FROM extracted_qa LIMIT 1"),
        ("refined_qa", "DELETE FROM refined_qa WHERE refiner = 'sampled' AND decision = 'not_sent'"),
        ("webinstruct", "DELETE FROM webinstruct WHERE id = (SELECT min(id) FROM webinstruct)"),
    ],
)
def test_generated_reconciliation_fails_on_a_doctored_copy_of_the_real_tables(
    pipeline: PipelineRun, tmp_path: Path, stage: str, doctor: str
):
    stage_def = registry.STAGES[stage]
    key = None if stage_def.partitioning == "none" else SHARD_KEY_STRING
    assert reconciliation_result(pipeline.warehouse, stage_def, key).passed
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(pipeline.warehouse.path, copy)
    doctored = Warehouse(path=copy, lock_timeout_s=60)
    with doctored.connect() as con:
        con.execute(doctor)
    result = reconciliation_result(doctored, stage_def, key)
    assert not result.passed, result.description
