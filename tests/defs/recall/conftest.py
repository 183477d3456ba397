"""Recall test data: the sample dump's WET files read into a `web_documents` table with the crawl
stage's own core (the table layout the crawl asset writes)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from mammoth_assets import paths
from mammoth_assets.core import commoncrawl, documents
from mammoth_assets.warehouse import Warehouse

SAMPLE = paths.SAMPLE_DUMP


def read_wet_documents(mirror: Path, dump: str) -> pl.DataFrame:
    dump_dir = mirror / "crawl-data" / dump
    rows = []
    for wet in sorted(dump_dir.glob("segments/*/wet/*.warc.wet.gz")):
        relative = str(wet.relative_to(mirror))
        for record in commoncrawl.iter_text_records(wet, kind="wet"):
            if isinstance(record, commoncrawl.TextRecord):
                rows.append(
                    documents.document_row(
                        dump=dump, url=record.url, text=record.text, wet_file=relative,
                        wet_record_id=record.record_id, wet_offset=record.offset,
                        warc_file=documents.warc_path_for_wet(relative), warc_record_id=record.refers_to,
                        language_header=record.language, warc_date=record.date,
                    )
                )
    return pl.DataFrame(rows)


@pytest.fixture(scope="session")
def sample_documents(sample_mirror: Path) -> pl.DataFrame:
    return read_wet_documents(sample_mirror, SAMPLE)


@pytest.fixture
def sample_warehouse(
    warehouse: Warehouse, sample_documents: pl.DataFrame, sample_mirror: Path, monkeypatch: pytest.MonkeyPatch
) -> Warehouse:
    """A warehouse whose `web_documents` holds the sample dump; the mirror is where paths look."""
    monkeypatch.setenv("MAMMOTH_SAMPLE_MIRROR", str(sample_mirror))
    warehouse.replace_partition("web_documents", "dump", SAMPLE, sample_documents)
    return warehouse
