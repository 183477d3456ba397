"""One shard of WET files in one streaming pass: compact rows for every document, scores from a
real fastText model, text only above the floor, rejects with reasons; counts always reconcile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mammoth_assets.core import commoncrawl as cc
from mammoth_assets.core import recall as recall_core
from mammoth_assets.core.crawl_ingest import (
    ABOVE_FLOOR,
    DOCUMENT_SCHEMA,
    DOWNLOAD_FAILED,
    DUPLICATE_RECORD,
    FILE_SCHEMA,
    RANDOM_SAMPLE,
    RECALLED_SCHEMA,
    REJECT_SCHEMA,
    SCORE_SCHEMA,
    TEXT_SCHEMA,
    IngestSettings,
    ScoreSettings,
    StagingParts,
    crawl_shard,
    fasttext_scorer,
    iter_shard_documents,
    rescore_shard,
)
from mammoth_assets.core.sample_dump import DUMP, read_labels, warc_record
from mammoth_assets.core.shards import ShardFile, shard_key

FAST = cc.RetryPolicy(attempts=2, backoff_s=0.01, timeout_s=5)
SHARD = "00000"


def sample_files(mirror: Path, base_url: str | None = None) -> list[ShardFile]:
    wet = cc.list_files(DUMP, "wet", str(mirror))
    return [ShardFile(i, path, None, base_url or str(mirror)) for i, path in enumerate(wet)]


@pytest.fixture(scope="module")
def scorer(sample_mirror: Path, tmp_path_factory: pytest.TempPathFactory):
    """A real fastText model trained on the sample's own pages (labels from the generator)."""
    workdir = tmp_path_factory.mktemp("classifier")
    educational = {row["url"]: row["educational"] for row in read_labels(sample_mirror)}
    (workdir / "rejects").mkdir()
    batches = [
        batch.select(
            pl.col("doc_id").alias("example_id"),
            pl.col("url").replace_strict(educational, default=False).map_elements(
                lambda e: "positive" if e else "negative", return_dtype=pl.String).alias("label"),
            pl.lit("test").alias("source"), "text",
        )
        for batch in iter_shard_documents(DUMP, SHARD, sample_files(sample_mirror), IngestSettings(), [],
                                          StagingParts(workdir / "rejects"))
    ]
    params = recall_core.FastTextParams(dim=16, epoch=10, lr=0.5, word_ngrams=2, min_count=1, bucket=20_000)
    trained = recall_core.train_with_heldout(batches, workdir, params, heldout_fraction=0.2)
    return fasttext_scorer(recall_core.load_classifier(trained.model_path))


def test_a_shard_is_read_and_scored_in_one_pass_in_bounded_parts(sample_mirror: Path, tmp_path: Path, scorer) -> None:
    files = sample_files(sample_mirror)
    scan = crawl_shard(DUMP, SHARD, files, scorer, tmp_path, IngestSettings(batch_rows=50, retry=FAST),
                       ScoreSettings(threshold=0.5, text_floor=0.3, text_sample_rate=0.1))
    assert [f.file_index for f in scan.files] == [0, 1, 2]
    assert scan.records == scan.documents + scan.rejected
    assert scan.reasons() == {cc.EMPTY: 1, cc.TOO_LARGE: 1, cc.NON_UTF8: 1}  # the sample's edge records
    assert len(scan.parts["documents"]) >= 10  # ~510 documents in parts of at most 50 rows
    docs = pl.read_parquet(scan.parts["documents"])
    scores = pl.read_parquet(scan.parts["scores"])
    texts = pl.read_parquet(scan.parts["texts"])
    rejects = pl.read_parquet(scan.parts["rejects"])
    files_table = pl.read_parquet(scan.parts["files"])
    assert dict(docs.schema) == DOCUMENT_SCHEMA and dict(scores.schema) == SCORE_SCHEMA
    assert dict(texts.schema) == TEXT_SCHEMA and dict(rejects.schema) == REJECT_SCHEMA
    assert dict(files_table.schema) == FILE_SCHEMA
    # One compact row and one score per document; the key columns name the shard.
    assert docs.height == scores.height == scan.documents and docs["doc_id"].n_unique() == docs.height
    assert "text" not in docs.columns
    assert (docs["shard_key"] == shard_key(DUMP, SHARD)).all() and (docs["dump"] == DUMP).all()
    assert scores["score"].is_between(0, 1).all()
    assert scan.kept == int((scores["score"] >= 0.5).sum()) > 0
    # Text only at or above the floor, or in the stable random sample, and each says why.
    floor = scores.filter(pl.col("score") >= 0.3)["doc_id"]
    assert set(texts.filter(pl.col("text_reason") == ABOVE_FLOOR)["doc_id"]) == set(floor)
    sampled = texts.filter(pl.col("text_reason") == RANDOM_SAMPLE)
    below = scores.height - floor.len()
    assert 0 < sampled.height < below and texts.height == scan.texts
    # The classifier separates what the generator planted.
    educational = {row["url"]: row["educational"] for row in read_labels(sample_mirror)}
    joined = docs.join(scores, on="doc_id").with_columns(pl.col("url").replace_strict(educational).alias("edu"))
    assert joined.filter(pl.col("edu"))["score"].mean() > joined.filter(~pl.col("edu"))["score"].mean() + 0.3
    # Per file: records = documents + rejects.
    for row in files_table.iter_rows(named=True):
        assert row["records"] == row["documents"] + row["rejected"] and row["error"] is None
    assert rejects.height == scan.rejected and set(rejects["reason"]) == {cc.EMPTY, cc.TOO_LARGE, cc.NON_UTF8}


def test_the_same_shard_gives_the_same_rows(sample_mirror: Path, tmp_path: Path, scorer) -> None:
    files = sample_files(sample_mirror)
    one = crawl_shard(DUMP, SHARD, files, scorer, tmp_path / "a", IngestSettings(batch_rows=5000),
                      ScoreSettings(text_sample_rate=0.1))
    two = crawl_shard(DUMP, SHARD, files, scorer, tmp_path / "b", IngestSettings(batch_rows=37),
                      ScoreSettings(text_sample_rate=0.1))
    for name in ("documents", "scores", "texts"):
        a, b = (pl.read_parquet(s.parts[name]).sort("doc_id") for s in (one, two))
        assert a.equals(b), name  # batch size changes memory only; the text sample is stable


def test_round_two_rescores_and_keeps_text_only_for_kept_documents(sample_mirror: Path, tmp_path: Path, scorer) -> None:
    files = sample_files(sample_mirror)
    scan = rescore_shard(DUMP, SHARD, files, scorer, tmp_path, IngestSettings(batch_rows=100), ScoreSettings(threshold=0.5))
    recalled = pl.read_parquet(scan.parts["recalled"])
    assert dict(recalled.schema) == RECALLED_SCHEMA and recalled.height == scan.documents
    kept = recalled.filter(pl.col("score") >= 0.5)
    assert kept.height == scan.kept > 0
    assert kept["text"].null_count() == 0 and kept["wet_record_id"].null_count() == 0
    assert kept["wet_file"].null_count() == 0 and kept["url"].null_count() == 0
    dropped = recalled.filter(pl.col("score") < 0.5)
    assert dropped["text"].null_count() == dropped.height and dropped["url"].null_count() == dropped.height
    assert dropped["length_chars"].null_count() == 0  # what a check needs stays for every document
    assert np.all(kept["length_chars"].to_numpy() == kept["text"].str.len_chars().to_numpy())


def test_a_missing_file_is_one_recorded_failure(sample_mirror: Path, tmp_path: Path, scorer) -> None:
    files = [ShardFile(7, "crawl-data/nope.warc.wet.gz", None, str(sample_mirror))]
    scan = crawl_shard(DUMP, SHARD, files, scorer, tmp_path, IngestSettings(retry=FAST))
    [result] = scan.files
    assert result.records == result.rejected == 1 and result.documents == 0
    assert result.reasons == {DOWNLOAD_FAILED: 1} and "does not exist" in result.error
    [reject] = pl.read_parquet(scan.parts["rejects"]).to_dicts()
    assert reject["file"] == "crawl-data/nope.warc.wet.gz" and reject["reason"] == DOWNLOAD_FAILED
    [row] = pl.read_parquet(scan.parts["files"]).to_dicts()
    assert row["file_index"] == 7 and row["records"] == 1 and "does not exist" in row["error"]
    assert scan.parts["documents"] == [] and scan.documents == 0


def test_a_repeated_record_id_is_rejected_not_duplicated(tmp_path: Path, scorer) -> None:
    record = warc_record(
        [("WARC-Type", "conversion"), ("WARC-Target-URI", "https://example.org/a"),
         ("WARC-Record-ID", "<urn:uuid:00000000-0000-4000-8000-000000000001>"), ("Content-Type", "text/plain")],
        "Title\nSome text".encode(),
    )
    (tmp_path / "twice.warc.wet.gz").write_bytes(record + record)
    scan = crawl_shard("X", SHARD, [ShardFile(0, "twice.warc.wet.gz", None, str(tmp_path))], scorer,
                       tmp_path / "stage", IngestSettings(retry=FAST))
    [result] = scan.files
    assert (result.records, result.documents, result.reasons) == (2, 1, {DUPLICATE_RECORD: 1})
    assert pl.read_parquet(scan.parts["documents"]).height == 1


def test_downloads_are_dropped_after_reading_unless_kept(sample_mirror: Path, tmp_path: Path, isolated_data_dir: Path, scorer) -> None:
    from tests.core.http_mirror import serve

    with serve(sample_mirror) as (base_url, _):
        wet = sample_files(sample_mirror, base_url)[:1]
        kept = crawl_shard(DUMP, SHARD, wet, scorer, tmp_path / "a", IngestSettings(retry=FAST, keep_downloads=True))
        assert cc.cached_path(base_url, wet[0].wet_file).is_file()
        assert not kept.files[0].deleted_after_read
        cc.cached_path(base_url, wet[0].wet_file).unlink()
        dropped = crawl_shard(DUMP, SHARD, wet, scorer, tmp_path / "b", IngestSettings(retry=FAST))  # the default
        assert not cc.cached_path(base_url, wet[0].wet_file).exists()
        assert dropped.files[0].deleted_after_read
    assert kept.documents == dropped.documents > 0
    local = crawl_shard(DUMP, SHARD, sample_files(sample_mirror)[:1], scorer, tmp_path / "c", IngestSettings())
    assert local.documents == kept.documents and (sample_mirror / wet[0].wet_file).is_file()  # a mirror's own files stay
    assert not local.files[0].deleted_after_read
