"""One WET file to staged documents and rejects: counts always reconcile, failures are recorded."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from mammoth_assets.core import commoncrawl as cc
from mammoth_assets.core.crawl_ingest import (
    DOCUMENT_SCHEMA,
    DOWNLOAD_FAILED,
    DUPLICATE_RECORD,
    REJECT_SCHEMA,
    IngestSettings,
    ingest_wet_file,
)
from mammoth_assets.core.sample_dump import DUMP, warc_record

FAST = cc.RetryPolicy(attempts=2, backoff_s=0.01, timeout_s=5)


def test_a_sample_file_is_staged_in_bounded_parts(sample_mirror: Path, tmp_path: Path) -> None:
    wet = cc.list_files(DUMP, "wet", str(sample_mirror))[1]  # the file with the empty and huge records
    result = ingest_wet_file(DUMP, str(sample_mirror), wet, "w.warc.gz", tmp_path, IngestSettings(batch_rows=50, retry=FAST))
    assert result.records == result.documents + result.rejected
    assert result.reasons == {cc.EMPTY: 1, cc.TOO_LARGE: 1}
    assert len(result.document_parts) >= 3  # 169 documents in parts of at most 50 rows
    docs = pl.read_parquet(result.document_parts)
    assert docs.height == result.documents and dict(docs.schema) == DOCUMENT_SCHEMA
    assert (docs["dump"] == DUMP).all() and (docs["wet_file"] == wet).all() and (docs["warc_file"] == "w.warc.gz").all()
    rejects = pl.read_parquet(result.reject_parts)
    assert dict(rejects.schema) == REJECT_SCHEMA and rejects.height == result.rejected
    assert result.file_row()["records"] == result.records and result.error is None


def test_a_missing_file_is_one_recorded_failure(sample_mirror: Path, tmp_path: Path) -> None:
    result = ingest_wet_file(DUMP, str(sample_mirror), "crawl-data/nope.warc.wet.gz", None, tmp_path, IngestSettings(retry=FAST))
    assert result.records == result.rejected == 1 and result.documents == 0
    assert result.reasons == {DOWNLOAD_FAILED: 1} and "does not exist" in result.error
    [reject] = pl.read_parquet(result.reject_parts).to_dicts()
    assert reject["file"] == "crawl-data/nope.warc.wet.gz" and reject["reason"] == DOWNLOAD_FAILED


def test_a_repeated_record_id_is_rejected_not_duplicated(tmp_path: Path) -> None:
    record = warc_record(
        [("WARC-Type", "conversion"), ("WARC-Target-URI", "https://example.org/a"),
         ("WARC-Record-ID", "<urn:uuid:00000000-0000-4000-8000-000000000001>"), ("Content-Type", "text/plain")],
        "Title\nSome text".encode(),
    )
    (tmp_path / "twice.warc.wet.gz").write_bytes(record + record)
    result = ingest_wet_file("X", str(tmp_path), "twice.warc.wet.gz", None, tmp_path / "stage", IngestSettings(retry=FAST))
    assert (result.records, result.documents, result.reasons) == (2, 1, {DUPLICATE_RECORD: 1})


def test_downloads_can_be_dropped_after_reading(sample_mirror: Path, tmp_path: Path, isolated_data_dir: Path) -> None:
    from tests.core.http_mirror import serve

    wet = cc.list_files(DUMP, "wet", str(sample_mirror))[0]
    with serve(sample_mirror) as (base_url, _):
        kept = ingest_wet_file(DUMP, base_url, wet, None, tmp_path / "a", IngestSettings(retry=FAST))
        assert cc.cached_path(base_url, wet).is_file()
        cc.cached_path(base_url, wet).unlink()
        dropped = ingest_wet_file(DUMP, base_url, wet, None, tmp_path / "b", IngestSettings(retry=FAST, keep_downloads=False))
        assert not cc.cached_path(base_url, wet).exists()
    assert kept.documents == dropped.documents > 0
    local = ingest_wet_file(DUMP, str(sample_mirror), wet, None, tmp_path / "c", IngestSettings(keep_downloads=False))
    assert local.documents == kept.documents and (sample_mirror / wet).is_file()  # a mirror's own files stay
