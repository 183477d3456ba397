"""`mammoth list-files DUMP`, `mammoth fetch-file DUMP PATH` and `mammoth inspect-archive FILE`:
Common Crawl file access from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mammoth_assets import paths
from mammoth_assets.core import commoncrawl as cc


def _default_base(dump: str) -> str:
    return paths.sample_mirror_dir().resolve().as_uri() + "/" if dump == paths.SAMPLE_DUMP else cc.DEFAULT_BASE_URL


def register(subparsers: argparse._SubParsersAction) -> None:
    listing = subparsers.add_parser("list-files", help="list a dump's WET or WARC files")
    listing.add_argument("dump", help="e.g. CC-MAIN-2024-10 or CC-MAIN-SAMPLE")
    listing.add_argument("--kind", choices=cc.FILE_KINDS, default="wet", help="which file listing (default wet)")
    listing.add_argument("--base-url", default=None,
                         help=f"mirror URL or path (default {cc.DEFAULT_BASE_URL}; the local sample mirror for {paths.SAMPLE_DUMP})")
    listing.add_argument("--limit", type=int, default=0, help="print only the first N paths")
    listing.set_defaults(handler=list_files)

    fetch = subparsers.add_parser("fetch-file", help="download one file of a dump into the cache (resumable, verified)")
    fetch.add_argument("dump", help="e.g. CC-MAIN-2024-10 or CC-MAIN-SAMPLE")
    fetch.add_argument("path", help="relative path as listed by list-files")
    fetch.add_argument("--base-url", default=None,
                       help="mirror to read from (default: the sample mirror for the sample dump, else Common Crawl)")
    fetch.set_defaults(handler=fetch_file)

    inspect = subparsers.add_parser(
        "inspect-archive", help="read a local WET/WARC file as web_documents would: documents and skip reasons"
    )
    inspect.add_argument("file", type=Path, help="a local WARC or WET file (.gz)")
    inspect.add_argument("--kind", choices=cc.FILE_KINDS, default=None, help="default: wet for *.wet.gz, else warc")
    inspect.add_argument("--max-record-bytes", type=int, default=cc.DEFAULT_MAX_RECORD_BYTES,
                         help=f"records larger than this are rejected (default {cc.DEFAULT_MAX_RECORD_BYTES:,})")
    inspect.add_argument("--quirks", action="store_true", help="FastWARC lenient parsing")
    inspect.add_argument("--show", type=int, default=3, help="print the first N documents' URL and title")
    inspect.set_defaults(handler=inspect_archive)


def list_files(args: argparse.Namespace) -> int:
    try:
        files = cc.list_files(args.dump, args.kind, args.base_url or _default_base(args.dump))
    except cc.CommonCrawlError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in files[: args.limit or None]:
        print(path)
    print(f"# {len(files)} {args.kind} files", file=sys.stderr)
    return 0


def fetch_file(args: argparse.Namespace) -> int:
    try:
        result = cc.fetch_file(args.base_url or _default_base(args.dump), args.path)
    except cc.CommonCrawlError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    source = "cache" if result.from_cache else f"downloaded in {result.attempts} attempt(s), {result.resumed} resumed"
    print(f"{result.path}\t{result.bytes} bytes\t{source}")
    return 0


def inspect_archive(args: argparse.Namespace) -> int:
    kind = args.kind or ("wet" if ".wet" in args.file.name else "warc")
    stats = cc.ReadStats()
    shown = 0
    for record in cc.iter_text_records(args.file, kind, args.max_record_bytes, args.quirks, stats):
        if isinstance(record, cc.SkippedRecord):
            print(f"skip  {record.reason:<20} offset={record.offset} {record.detail[:80]}")
        elif shown < args.show:
            shown += 1
            print(f"doc   {record.url}  [{record.language or '-'}] {record.text.split(chr(10), 1)[0][:60]!r}")
    print(f"{args.file}: {stats.records} {kind} records, {stats.documents} documents, skipped {stats.skipped or 0}")
    return 0
