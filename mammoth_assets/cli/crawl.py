"""`mammoth list-files DUMP` and `mammoth fetch-file DUMP PATH`: Common Crawl file access."""

from __future__ import annotations

import argparse
import sys

from mammoth_assets import paths
from mammoth_assets.core import commoncrawl as cc


def _default_base(dump: str) -> str:
    return paths.sample_mirror_dir().resolve().as_uri() + "/" if dump == paths.SAMPLE_DUMP else cc.DEFAULT_BASE_URL


def register(subparsers: argparse._SubParsersAction) -> None:
    listing = subparsers.add_parser("list-files", help="list a dump's WET or WARC files")
    listing.add_argument("dump", help="e.g. CC-MAIN-2024-10 or CC-MAIN-SAMPLE")
    listing.add_argument("--kind", choices=cc.FILE_KINDS, default="wet")
    listing.add_argument("--base-url", default=None,
                         help=f"mirror URL or path (default {cc.DEFAULT_BASE_URL}; the local sample mirror for {paths.SAMPLE_DUMP})")
    listing.add_argument("--limit", type=int, default=0, help="print only the first N paths")
    listing.set_defaults(handler=list_files)

    fetch = subparsers.add_parser("fetch-file", help="download one file of a dump into the cache (resumable, verified)")
    fetch.add_argument("dump")
    fetch.add_argument("path", help="relative path as listed by list-files")
    fetch.add_argument("--base-url", default=None)
    fetch.set_defaults(handler=fetch_file)


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
