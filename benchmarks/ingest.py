"""Ingestion throughput of the crawl stage beside the raw FastWARC read loop, on the same files.

    .venv/bin/python benchmarks/ingest.py [--repeat 3] [--mirror DIR]

Rows, one process each (so the figures are per core):
  raw FastWARC loop      iterate the records and read their bytes, nothing else (the floor)
  warcio loop            the same with warcio (the reader datatrove's WarcReader uses)
  crawl reader           commoncrawl.iter_text_records: size/UTF-8/truncation checks, skip reasons
  web_documents path     crawl_ingest.iter_shard_documents: + row building (NFC, domain, language,
                         ids) and Parquet staging of the rows (the shard pass without scoring)
For WARC files the reader also converts HTML to text (resiliparse), as for a mirror without WET.
Files: the sample mirror (built if absent) plus the WET/WARC files in ../shared/data/web if present.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from fastwarc.warc import ArchiveIterator, WarcRecordType

from mammoth_assets import paths
from mammoth_assets.core import commoncrawl as cc
from mammoth_assets.core.crawl_ingest import IngestSettings, StagingParts, iter_shard_documents
from mammoth_assets.core.shards import ShardFile
from mammoth_assets.core.sample_dump import DUMP, ensure_sample_mirror

SHARED_WET = ["commoncrawl__whirlwind-python/whirlwind.warc.wet.gz"]
SHARED_WARC = [
    "chatnoir-eu__chatnoir-resiliparse/tests/data/warcfile.warc.gz",
    "allenai__dolma/tests/data/warc/sample-0000.warc.gz",
    "allenai__dolma/tests/data/warc/sample-0001.warc.gz",
    "commoncrawl__whirlwind-python/whirlwind.warc.gz",
]


def raw_fastwarc(files: list[Path], kind: str) -> int:
    wanted = WarcRecordType.conversion if kind == "wet" else WarcRecordType.response
    records = 0
    for path in files:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream, record_types=wanted, parse_http=kind == "warc"):
                record.reader.read()
                records += 1
    return records


def warcio_loop(files: list[Path], kind: str) -> int:
    """The warcio read loop (what datatrove's WarcReader builds on), reading the same records."""
    from warcio.archiveiterator import ArchiveIterator as WarcioIterator

    wanted = "conversion" if kind == "wet" else "response"
    records = 0
    for path in files:
        with open(path, "rb") as stream:
            for record in WarcioIterator(stream):
                if record.rec_type == wanted:
                    record.content_stream().read()
                    records += 1
    return records


def crawl_reader(files: list[Path], kind: str) -> int:
    documents = 0
    for path in files:
        for record in cc.iter_text_records(path, kind):
            documents += isinstance(record, cc.TextRecord)
    return documents


def stage_path(files: list[Path], _: str) -> int:
    staging = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    try:
        documents = 0
        (staging / "rows").mkdir()
        (staging / "rejects").mkdir()
        rows, rejects = StagingParts(staging / "rows"), StagingParts(staging / "rejects")
        shard = [ShardFile(i, path.name, None, path.parent.as_uri() + "/") for i, path in enumerate(files)]
        for batch in iter_shard_documents("BENCH", "00000", shard, IngestSettings(), [], rejects):
            rows.write(batch)
            documents += batch.height
        return documents
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def scaled_wet_file(sources: list[Path], copies: int, dest: Path) -> Path:
    """One big WET file: every sample conversion record `copies` times under fresh record ids, so
    per-file fixed costs (opening, Parquet part setup) stop dominating, as with real 40k-record
    Common Crawl WET files."""
    import uuid

    from mammoth_assets.core.sample_dump import warc_record

    records = []
    for path in sources:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream, record_types=WarcRecordType.conversion):
                headers = [(k, v) for k, v in record.headers.items() if k.lower() not in ("content-length", "warc-record-id")]
                records.append((headers, record.reader.read()))
    with open(dest, "wb") as out:
        for copy in range(copies):
            for number, (headers, body) in enumerate(records):
                record_id = f"<urn:uuid:{uuid.UUID(int=copy * 1_000_003 + number + 1)}>"
                out.write(warc_record([*headers, ("WARC-Record-ID", record_id)], body))
    return dest


def best_of(repeat: int, run: Callable[[], int]) -> tuple[float, int]:
    best, count = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = run()
        best = min(best, time.perf_counter() - started)
    return best, count


def report(title: str, files: list[Path], kind: str, rows: list[tuple[str, Callable]], repeat: int) -> None:
    size_mb = sum(p.stat().st_size for p in files) / 1e6
    print(f"\n{title}: {len(files)} files, {size_mb:.2f} MB compressed")
    print(f"{'path':<22}{'seconds':>9}{'records':>9}{'MB/s':>9}{'docs/s':>10}{'vs raw':>8}")
    raw_seconds = None
    for name, run in rows:
        seconds, count = best_of(repeat, lambda: run(files, kind))
        raw_seconds = raw_seconds or seconds
        print(f"{name:<22}{seconds:>9.3f}{count:>9}{size_mb / seconds:>9.1f}{count / seconds:>10.0f}{raw_seconds / seconds:>7.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mirror", type=Path, default=None, help="sample mirror (default: built under the data dir)")
    parser.add_argument("--scale", type=int, default=20, help="copies of the sample in the one-big-file run (0: skip)")
    args = parser.parse_args()
    print(f"one process, one core; best of {args.repeat}; cpu count {os.cpu_count()}")

    mirror = ensure_sample_mirror(args.mirror)
    wet = [mirror / rel for rel in cc.list_files(DUMP, "wet", str(mirror))]
    warc = [mirror / rel for rel in cc.list_files(DUMP, "warc", str(mirror))]
    wet_rows = [("raw FastWARC loop", raw_fastwarc), ("crawl reader", crawl_reader), ("web_documents path", stage_path)]
    warc_rows = [("raw FastWARC loop", raw_fastwarc), ("crawl reader (+html)", crawl_reader)]
    try:
        import warcio  # noqa: F401  (a test dependency; the baseline row is skipped without it)

        wet_rows.insert(1, ("warcio loop", warcio_loop))
        warc_rows.insert(1, ("warcio loop", warcio_loop))
    except ImportError:
        print("(warcio not installed: no warcio baseline row)")
    report("sample mirror WET", wet, "wet", wet_rows, args.repeat)
    report("sample mirror WARC", warc, "warc", warc_rows, args.repeat)
    if args.scale:
        with tempfile.TemporaryDirectory(prefix="ingest-bench-") as folder:
            big = scaled_wet_file(wet, args.scale, Path(folder) / "scaled.warc.wet.gz")
            report(f"one WET file, sample x{args.scale}", [big], "wet", wet_rows, args.repeat)

    shared = paths.shared_data_dir() / "web"
    shared_wet = [shared / p for p in SHARED_WET if (shared / p).exists()]
    shared_warc = [shared / p for p in SHARED_WARC if (shared / p).exists()]
    if shared_wet:
        report("real Common Crawl WET (../shared/data/web)", shared_wet, "wet", wet_rows, args.repeat)
    if shared_warc:
        report("real WARC files (../shared/data/web)", shared_warc, "warc", warc_rows, args.repeat)
    if not (shared_wet or shared_warc):
        print(f"\n(no shared files under {shared})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
