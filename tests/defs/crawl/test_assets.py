"""wet_files and the per-shard pass (web_documents + recall_scores_round1) materialized through
Dagster on the sample dump (file mirror and HTTP), one run per `cc_dump x shard` partition."""

from __future__ import annotations

import gzip
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from fastwarc.warc import ArchiveIterator, WarcRecordType

from mammoth_assets.core.crawl_ingest import DOCUMENT_SCHEMA
from mammoth_assets.core.sample_dump import DUMP, read_labels, warc_record
from mammoth_assets.defs.crawl import demo_run_config
from mammoth_assets.defs.crawl.checks import shard_checks
from mammoth_assets.defs.recall import demo_run_config as recall_demo_config
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.warehouse import Warehouse
from tests.core.http_mirror import Faults, serve
from tests.defs.shard_runs import crawl_dump, crawl_shard, list_dump, shard_partition, train_round1

EDGE_KINDS = {"edge_empty", "edge_non_utf8_wet", "edge_huge"}
KEEP_TEXT = {"text_sample_rate": 1.0}  # every document keeps its text, so tests can compare it


def resources_for(path: Path) -> dict:
    return {"warehouse": WarehouseResource(path=str(path), lock_timeout_s=60)}


@pytest.fixture(scope="module")
def sample_run(sample_mirror: Path, tmp_path_factory: pytest.TempPathFactory):
    """The sample dump listed in shards of two files (two shards), round 1 trained, every shard crawled."""
    data = tmp_path_factory.mktemp("crawl-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MAMMOTH_DATA_DIR", str(data))
        instance = dg.DagsterInstance.ephemeral()
        resources = resources_for(data / "warehouse.duckdb")
        listed = list_dump(instance, resources, DUMP, sample_mirror.as_uri(), files_per_shard=2)
        train_round1(instance, resources, sample_mirror / "crawl-data" / DUMP / "seed-domains.txt")
        shards = crawl_dump(instance, resources, DUMP, **KEEP_TEXT)
    return listed, shards, Warehouse(path=data / "warehouse.duckdb"), instance, data


def documents_with_provenance(wh: Warehouse, dump: str) -> pl.DataFrame:
    """web_documents joined with its file names (wet_files) and its kept text (web_document_texts)."""
    return wh.query_text(
        "SELECT d.*, f.wet_file, f.warc_file, t.text, t.wet_record_id, t.warc_record_id "
        "FROM web_documents d JOIN wet_files f USING (dump, file_index) "
        "LEFT JOIN web_document_texts t USING (shard_key, doc_id) WHERE d.dump = $dump ORDER BY doc_id",
        {"dump": dump},
    )


def test_sample_shards_land_and_checks_pass(sample_run) -> None:
    listed, shards, wh, _, data = sample_run
    assert listed.success
    list_meta = listed.get_asset_materialization_events()[0].materialization.metadata
    assert list_meta["shards"].value == 2 and list_meta["files_selected"].value == 3
    assert wh.query_text("SELECT shard, count(*) AS n FROM wet_files GROUP BY shard ORDER BY shard").rows() == [
        ("00000", 2), ("00001", 1)]
    assert set(shards) == {"00000", "00001"}
    shard_check_names = {c.check_key.name for c in shard_checks}
    reasons = ""
    for shard, result in shards.items():
        assert result.success, shard
        evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
        assert shard_check_names <= set(evaluations)
        assert {"recall_scores_round1_reconciled", "web_documents_reconciled", "recall_rate_in_band"} <= set(evaluations)
        assert all(e.passed for e in evaluations.values()), {n: e.metadata for n, e in evaluations.items()}
        [documents_event] = [e for e in result.get_asset_materialization_events()
                             if e.asset_key == dg.AssetKey("web_documents")]
        assert documents_event.partition == str(shard_partition(DUMP, shard))
        metadata = documents_event.materialization.metadata
        assert metadata["records_seen"].value == metadata["documents"].value + metadata["rejected"].value
        assert metadata["docs_per_s"].value > 0 and metadata["compressed_mb_per_s"].value > 0
        assert metadata["docs_per_cpu_s"].value > 0 and metadata["texts_kept"].value == metadata["documents"].value
        assert "| url |" in metadata["sample"].value
        assert Path(metadata["profile_plot_path"].value).is_file()
        assert str(data) in metadata["profile_plot_path"].value
        reasons += metadata["rejected_by_reason"].value
    assert "too_large" in reasons and "empty" in reasons


def test_documents_match_the_ground_truth(sample_run, sample_mirror: Path) -> None:
    _, _, wh, _, _ = sample_run
    labels = {row["url"]: row for row in read_labels(sample_mirror)}
    assert wh.read_table("web_documents").columns == list(DOCUMENT_SCHEMA)
    docs = documents_with_provenance(wh, DUMP)
    assert docs.height == sum(1 for row in labels.values() if row["kind"] not in EDGE_KINDS)
    assert docs["doc_id"].n_unique() == docs.height
    for row in docs.iter_rows(named=True):
        label = labels[row["url"]]
        assert row["domain"] == label["domain"]
        assert row["language"] == label["language"]
        assert row["wet_file"] == label["wet_file"] and row["warc_file"] == label["warc_file"]
        assert row["length_chars"] == len(row["text"]) > 0
        assert row["shard"] == ("00000" if row["file_index"] < 2 else "00001")
    cp1251 = docs.filter(docs["url"].is_in([u for u, r in labels.items() if r["charset"] == "windows-1251"]))
    assert cp1251.height == 1 and "Задача" in cp1251["text"][0]
    # Every document is scored once in round 1, in the pass that read it.
    scores = wh.read_table("recall_scores_round1", "dump", DUMP)
    assert scores.height == docs.height and set(scores["doc_id"]) == set(docs["doc_id"])


def test_provenance_leads_back_to_the_records(sample_run, sample_mirror: Path) -> None:
    _, _, wh, _, _ = sample_run
    docs = documents_with_provenance(wh, DUMP).sample(5, seed=1)
    for row in docs.iter_rows(named=True):
        with open(sample_mirror / row["wet_file"], "rb") as stream:
            stream.seek(row["wet_offset"])
            record = next(iter(ArchiveIterator(stream, record_types=WarcRecordType.conversion)))
            assert record.headers["WARC-Record-ID"] == row["wet_record_id"]
        with open(sample_mirror / row["warc_file"], "rb") as stream:
            ids = {r.headers["WARC-Record-ID"] for r in ArchiveIterator(stream, record_types=WarcRecordType.response)}
        assert row["warc_record_id"] in ids


def test_rejects_say_why(sample_run) -> None:
    _, _, wh, _, _ = sample_run
    rejects = wh.read_table("web_documents_rejects", "dump", DUMP)
    assert sorted(rejects["reason"].to_list()) == ["empty", "non_utf8", "too_large"]
    assert rejects["record_id"].null_count() == 0 and rejects["offset"].null_count() == 0
    files = wh.read_table("web_documents_files", "dump", DUMP)
    assert int(files["records"].sum()) == wh.count("web_documents", "dump", DUMP) + rejects.height
    assert sorted(files["file_index"].to_list()) == [0, 1, 2]


def test_text_is_kept_only_above_the_floor_by_default(sample_run) -> None:
    """Without the demo's keep-everything sample rate, a shard keeps text only at or above the
    recall floor (plus a 0.1% random sample): that is what makes a real dump fit."""
    _, _, wh, instance, data = sample_run
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MAMMOTH_DATA_DIR", str(data))
        result = crawl_shard(instance, resources_for(wh.path), DUMP, "00000", text_floor=0.4, text_sample_rate=0.0)
    assert result.success
    try:
        texts = wh.query_text(
            "SELECT s.score, t.text_reason FROM recall_scores_round1 s "
            "LEFT JOIN web_document_texts t USING (shard_key, doc_id) WHERE s.shard = '00000'")
        above = texts.filter(pl.col("score") >= 0.4)
        assert above.height > 0 and (above["text_reason"] == "above_floor").all()
        assert texts.filter(pl.col("score") < 0.4)["text_reason"].null_count() == texts.filter(pl.col("score") < 0.4).height
        assert texts.height == wh.count("web_documents", "shard_key", f"{DUMP}|00000")  # the shard was replaced
    finally:  # leave the module's shard as the other tests expect it
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MAMMOTH_DATA_DIR", str(data))
            assert crawl_shard(instance, resources_for(wh.path), DUMP, "00000", **KEEP_TEXT).success


def test_a_text_floor_above_the_threshold_is_refused(sample_run) -> None:
    _, _, wh, instance, data = sample_run
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MAMMOTH_DATA_DIR", str(data))
        result = crawl_shard(instance, resources_for(wh.path), DUMP, "00001", text_floor=0.8, threshold=0.5)
    assert not result.success
    assert "text_floor 0.8 is above threshold 0.5" in str(result.get_step_failure_events()[0].event_specific_data.error)


@pytest.mark.slow
def test_recrawl_over_http_resumes_downloads_and_replaces_the_shards(sample_run, sample_mirror: Path) -> None:
    """The real HTTP path (downloads that drop mid-file and resume) gives the same documents, each
    shard is replaced rather than appended, and downloads are deleted once read unless kept."""
    _, _, wh, instance, data = sample_run
    before = set(wh.read_table("web_documents", "dump", DUMP)["doc_id"].to_list())
    with pytest.MonkeyPatch.context() as patch, serve(sample_mirror, Faults(drop_first=1)) as (base_url, faults):
        patch.setenv("MAMMOTH_DATA_DIR", str(data))
        resources = resources_for(wh.path)
        assert list_dump(instance, resources, DUMP, base_url, files_per_shard=2).success
        first = crawl_shard(instance, resources, DUMP, "00000", **KEEP_TEXT)
        cached = list((data / "cache" / "commoncrawl").rglob("*.warc.wet.gz"))
        second = crawl_shard(instance, resources, DUMP, "00001", keep_downloads=True, **KEEP_TEXT)
        kept = list((data / "cache" / "commoncrawl").rglob("*.warc.wet.gz"))
    for result in (first, second):
        assert result.success and all(e.passed for e in result.get_asset_check_evaluations())
    after = wh.read_table("web_documents", "dump", DUMP)
    assert set(after["doc_id"].to_list()) == before and after.height == len(before)
    assert set(wh.read_table("wet_files", "dump", DUMP)["base_url"].to_list()) == {base_url}
    assert sum(1 for _, r in faults.requests if r) >= 3  # every WET file resumed with a Range request
    assert cached == [] and len(kept) == 1  # shard 00000's two files deleted; 00001's one kept
    files = wh.read_table("web_documents_files", "dump", DUMP).sort("file_index")
    assert files["deleted_after_read"].to_list() == [True, True, False]


def test_a_new_shard_layout_drops_the_stale_shard_rows(sample_mirror: Path, warehouse: Warehouse) -> None:
    instance = dg.DagsterInstance.ephemeral()
    resources = resources_for(warehouse.path)
    assert list_dump(instance, resources, DUMP, sample_mirror.as_uri(), files_per_shard=3).success
    warehouse.replace_partition("web_documents_files", "dump", DUMP, pl.DataFrame(
        {"dump": [DUMP], "shard": ["00000"], "shard_key": [f"{DUMP}|00000"], "wet_file": ["x"]}))
    same = list_dump(instance, resources, DUMP, sample_mirror.as_uri(), files_per_shard=3)
    assert same.get_asset_materialization_events()[0].materialization.metadata["layout_changed"].value is False
    assert warehouse.count("web_documents_files", "dump", DUMP) == 1  # an unchanged layout keeps the shards
    relaid = list_dump(instance, resources, DUMP, sample_mirror.as_uri(), files_per_shard=1)
    metadata = relaid.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["layout_changed"].value is True and metadata["shards"].value == 3
    assert warehouse.count("web_documents_files", "dump", DUMP) == 0
    assert sorted(instance.get_dynamic_partitions("shard")) == ["00000", "00001", "00002"]


def test_unknown_dump_fails_with_a_clear_error(sample_mirror: Path, warehouse: Warehouse) -> None:
    result = list_dump(dg.DagsterInstance.ephemeral(), resources_for(warehouse.path), "CC-MAIN-1999-01",
                       sample_mirror.as_uri(), raise_on_error=False)
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "cannot list the WET files of CC-MAIN-1999-01" in str(failures[0].event_specific_data.error)


def test_demo_config_covers_the_assets() -> None:
    assert set(demo_run_config()) == {"wet_files"}
    assert demo_run_config()["wet_files"]["files_per_shard"] == 1  # the demo runs three shards
    assert "crawl_and_score_shard" in recall_demo_config()  # the shard pass scores with round 1


def test_a_file_that_cannot_be_read_is_recorded_and_warned(tmp_path: Path, warehouse: Warehouse, sample_mirror: Path) -> None:
    """A listed file that is missing from the mirror does not fail the run: it becomes a
    download_failed reject, the counts still reconcile, and a WARN check names the file."""
    dump = "CC-MAIN-2099-09"
    folder = tmp_path / "mirror" / "crawl-data" / dump
    good = f"crawl-data/{dump}/segments/1.0/wet/part-00000.warc.wet.gz"
    missing = f"crawl-data/{dump}/segments/1.0/wet/part-00001.warc.wet.gz"
    (tmp_path / "mirror" / good).parent.mkdir(parents=True)
    (tmp_path / "mirror" / good).write_bytes(
        warc_record([("WARC-Type", "conversion"), ("WARC-Target-URI", "https://example.org/q"),
                     ("WARC-Record-ID", "<urn:uuid:00000000-0000-4000-8000-00000000000a>"),
                     ("WARC-Identified-Content-Language", "eng"), ("Content-Type", "text/plain")],
                    b"What is 2 + 2?\nThe answer is 4.")
    )
    (folder / "wet.paths.gz").write_bytes(gzip.compress(f"{good}\n{missing}\n".encode()))
    instance = dg.DagsterInstance.ephemeral()
    resources = resources_for(warehouse.path)
    assert list_dump(instance, resources, dump, str(tmp_path / "mirror"), files_per_shard=2).success
    # Round 1 is trained on the sample dump (this dump holds one page): list and train it beside.
    assert list_dump(instance, resources, DUMP, sample_mirror.as_uri()).success
    train_round1(instance, resources, sample_mirror / "crawl-data" / DUMP / "seed-domains.txt", dumps=[DUMP])
    result = crawl_shard(instance, resources, dump, "00000", download_attempts=1)
    assert result.success
    checks_by_name = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks_by_name["web_documents_reconciled"].passed
    assert not checks_by_name["web_documents_all_files_read"].passed
    assert checks_by_name["web_documents_all_files_read"].severity == dg.AssetCheckSeverity.WARN
    assert warehouse.count("web_documents", "dump", dump) == 1
    [reject] = warehouse.read_table("web_documents_rejects", "dump", dump).to_dicts()
    assert reject["file"] == missing and reject["reason"] == "download_failed"


def test_a_shard_past_the_end_of_the_dump_is_empty_and_says_why(sample_run) -> None:
    _, _, wh, instance, data = sample_run
    instance.add_dynamic_partitions("shard", ["00007"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MAMMOTH_DATA_DIR", str(data))
        result = crawl_shard(instance, resources_for(wh.path), DUMP, "00007")
    assert result.success
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey("web_documents")]
    assert "past its end" in event.materialization.metadata["note"].value
    assert event.materialization.metadata["documents"].value == 0


def test_a_record_in_two_files_fails_the_shard_or_the_dump_check(tmp_path: Path, warehouse: Warehouse,
                                                                 sample_mirror: Path) -> None:
    """The same WET record in two files: in one shard the shard's blocking uniqueness check fails;
    in two shards each shard passes alone, and dump_progress's check counts it once per dump."""
    from mammoth_assets.defs.crawl.progress import COMPLETE_CHECK, dump_progress

    dump = "CC-MAIN-2099-10"
    record = warc_record([("WARC-Type", "conversion"), ("WARC-Target-URI", "https://example.org/q"),
                          ("WARC-Record-ID", "<urn:uuid:00000000-0000-4000-8000-0000000000bb>"),
                          ("WARC-Identified-Content-Language", "eng"), ("Content-Type", "text/plain")],
                         b"What is 2 + 2?\nThe answer is 4.")
    names = [f"crawl-data/{dump}/segments/1.0/wet/part-0000{i}.warc.wet.gz" for i in range(2)]
    for name in names:
        (tmp_path / "mirror" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "mirror" / name).write_bytes(record)
    (tmp_path / "mirror" / "crawl-data" / dump / "wet.paths.gz").write_bytes(gzip.compress("\n".join(names).encode()))
    instance = dg.DagsterInstance.ephemeral()
    resources = resources_for(warehouse.path)
    assert list_dump(instance, resources, DUMP, sample_mirror.as_uri()).success
    train_round1(instance, resources, sample_mirror / "crawl-data" / DUMP / "seed-domains.txt", dumps=[DUMP])

    assert list_dump(instance, resources, dump, str(tmp_path / "mirror"), files_per_shard=2).success
    one_shard = crawl_shard(instance, resources, dump, "00000")
    unique = {e.check_name: e for e in one_shard.get_asset_check_evaluations()}["web_documents_unique_doc_id"]
    assert not unique.passed and unique.metadata["duplicated_doc_ids"].value == 1
    assert not one_shard.success  # a blocking check

    assert list_dump(instance, resources, dump, str(tmp_path / "mirror"), files_per_shard=1).success
    for shard in ("00000", "00001"):
        assert crawl_shard(instance, resources, dump, shard).success
    progress = dg.materialize([dump_progress], instance=instance, partition_key=dump, resources=resources)
    [check] = progress.get_asset_check_evaluations()
    assert check.check_name == COMPLETE_CHECK and not check.passed
    assert check.metadata["duplicated_doc_ids"].value == 1 and check.metadata["shards_crawled"].value == 2
