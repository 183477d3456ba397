"""wet_files + web_documents materialized through Dagster on the sample dump (file mirror and HTTP)."""

from __future__ import annotations

import gzip
from pathlib import Path

import dagster as dg
import pytest
from fastwarc.warc import ArchiveIterator, WarcRecordType

from mammoth_assets.core.crawl_ingest import DOCUMENT_SCHEMA
from mammoth_assets.core.sample_dump import DUMP, read_labels, warc_record
from mammoth_assets.defs.crawl import demo_run_config, web_documents, wet_files
from mammoth_assets.defs.crawl.checks import checks
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.warehouse import Warehouse
from tests.core.http_mirror import Faults, serve

EDGE_KINDS = {"edge_empty", "edge_non_utf8_wet", "edge_huge"}


def materialize(instance: dg.DagsterInstance, warehouse_path: Path, dump: str, base_url: str, **documents_config):
    if dump not in instance.get_dynamic_partitions("cc_dump"):
        instance.add_dynamic_partitions("cc_dump", [dump])
    return dg.materialize(
        [wet_files, web_documents, *checks],
        partition_key=dump,
        instance=instance,
        resources={"warehouse": WarehouseResource(path=str(warehouse_path), lock_timeout_s=60)},
        run_config={"ops": {"wet_files": {"config": {"base_url": base_url}},
                            "web_documents": {"config": documents_config}}},
        raise_on_error=False,
    )


@pytest.fixture(scope="module")
def sample_run(sample_mirror: Path, tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("crawl-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MAMMOTH_DATA_DIR", str(data))
        instance = dg.DagsterInstance.ephemeral()
        result = materialize(instance, data / "warehouse.duckdb", DUMP, sample_mirror.as_uri())
    return result, Warehouse(path=data / "warehouse.duckdb"), instance, data


def test_sample_partition_lands_and_checks_pass(sample_run) -> None:
    result, wh, _, data = sample_run
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == {c.check_key.name for c in checks}
    assert all(e.passed for e in evaluations.values()), {n: e.metadata for n, e in evaluations.items()}
    [documents_event] = [
        e for e in result.get_asset_materialization_events() if e.asset_key == web_documents.key
    ]
    metadata = documents_event.materialization.metadata
    assert metadata["records_seen"].value == metadata["documents"].value + metadata["rejected"].value
    assert metadata["docs_per_s"].value > 0 and metadata["compressed_mb_per_s"].value > 0
    assert "too_large" in metadata["rejected_by_reason"].value
    assert "| url |" in metadata["sample"].value
    assert Path(metadata["profile_plot_path"].value).is_file()
    assert str(data) in metadata["profile_plot_path"].value


def test_documents_match_the_ground_truth(sample_run, sample_mirror: Path) -> None:
    _, wh, _, _ = sample_run
    labels = {row["url"]: row for row in read_labels(sample_mirror)}
    docs = wh.read_table("web_documents", "dump", DUMP)
    assert docs.columns == list(DOCUMENT_SCHEMA)
    assert docs.height == sum(1 for row in labels.values() if row["kind"] not in EDGE_KINDS)
    assert docs["doc_id"].n_unique() == docs.height
    for row in docs.iter_rows(named=True):
        label = labels[row["url"]]
        assert row["domain"] == label["domain"]
        assert row["language"] == label["language"]
        assert row["wet_file"] == label["wet_file"] and row["warc_file"] == label["warc_file"]
        assert row["length_chars"] == len(row["text"]) > 0
    cp1251 = docs.filter(docs["url"].is_in([u for u, r in labels.items() if r["charset"] == "windows-1251"]))
    assert cp1251.height == 1 and "Задача" in cp1251["text"][0]


def test_provenance_leads_back_to_the_records(sample_run, sample_mirror: Path) -> None:
    _, wh, _, _ = sample_run
    docs = wh.read_table("web_documents", "dump", DUMP).sample(5, seed=1)
    for row in docs.iter_rows(named=True):
        with open(sample_mirror / row["wet_file"], "rb") as stream:
            stream.seek(row["wet_offset"])
            record = next(iter(ArchiveIterator(stream, record_types=WarcRecordType.conversion)))
            assert record.headers["WARC-Record-ID"] == row["wet_record_id"]
        with open(sample_mirror / row["warc_file"], "rb") as stream:
            ids = {r.headers["WARC-Record-ID"] for r in ArchiveIterator(stream, record_types=WarcRecordType.response)}
        assert row["warc_record_id"] in ids


def test_rejects_say_why(sample_run, sample_mirror: Path) -> None:
    _, wh, _, _ = sample_run
    rejects = wh.read_table("web_documents_rejects", "dump", DUMP)
    assert sorted(rejects["reason"].to_list()) == ["empty", "non_utf8", "too_large"]
    assert rejects["record_id"].null_count() == 0 and rejects["offset"].null_count() == 0
    files = wh.read_table("web_documents_files", "dump", DUMP)
    assert int(files["records"].sum()) == wh.count("web_documents", "dump", DUMP) + rejects.height


@pytest.mark.slow
def test_rematerialize_over_http_with_two_workers_replaces_the_partition(sample_run, sample_mirror: Path) -> None:
    """The real HTTP path (downloads that drop mid-file and resume) in parallel workers gives the
    same documents, and the partition is replaced rather than appended."""
    _, wh, instance, data = sample_run
    before = set(wh.read_table("web_documents", "dump", DUMP)["doc_id"].to_list())
    with pytest.MonkeyPatch.context() as patch, serve(sample_mirror, Faults(drop_first=1)) as (base_url, faults):
        patch.setenv("MAMMOTH_DATA_DIR", str(data))
        result = materialize(instance, wh.path, DUMP, base_url, workers=2)
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    after = wh.read_table("web_documents", "dump", DUMP)
    assert set(after["doc_id"].to_list()) == before and after.height == len(before)
    assert set(wh.read_table("wet_files", "dump", DUMP)["base_url"].to_list()) == {base_url}
    assert sum(1 for _, r in faults.requests if r) >= 3  # every WET file resumed with a Range request
    assert len(list((data / "cache" / "commoncrawl").rglob("*.warc.wet.gz"))) == 3


def test_unknown_dump_fails_with_a_clear_error(sample_mirror: Path, warehouse: Warehouse) -> None:
    instance = dg.DagsterInstance.ephemeral()
    result = materialize(instance, warehouse.path, "CC-MAIN-1999-01", sample_mirror.as_uri())
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "cannot list the WET files of CC-MAIN-1999-01" in str(failures[0].event_specific_data.error)


def test_demo_config_covers_the_assets() -> None:
    assert set(demo_run_config()) == {"wet_files", "web_documents"}


def test_a_file_that_cannot_be_read_is_recorded_and_warned(tmp_path: Path, warehouse: Warehouse) -> None:
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
    result = materialize(dg.DagsterInstance.ephemeral(), warehouse.path, dump, str(tmp_path / "mirror"), download_attempts=1)
    assert result.success
    checks_by_name = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks_by_name["web_documents_reconciled"].passed
    assert not checks_by_name["web_documents_all_files_read"].passed
    assert checks_by_name["web_documents_all_files_read"].severity == dg.AssetCheckSeverity.WARN
    assert warehouse.count("web_documents", "dump", dump) == 1
    [reject] = warehouse.read_table("web_documents_rejects", "dump", dump).to_dicts()
    assert reject["file"] == missing and reject["reason"] == "download_failed"
