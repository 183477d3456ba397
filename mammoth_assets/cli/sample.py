"""`mammoth build-sample`: write the bundled sample dump CC-MAIN-SAMPLE as a local mirror, or a
synthetic dump of any size (`--files N --docs-per-file M`) from the same generator."""

from __future__ import annotations

import argparse
import collections
from pathlib import Path

from mammoth_assets import paths
from mammoth_assets.core.sample_dump import build_sample_mirror, read_labels


def register(subparsers: argparse._SubParsersAction) -> None:
    build = subparsers.add_parser(
        "build-sample", help="write the sample dump CC-MAIN-SAMPLE as a local Common Crawl mirror"
    )
    build.add_argument("--dest", type=Path, default=None,
                       help="mirror directory (default $MAMMOTH_SAMPLE_MIRROR or <data dir>/mirror)")
    build.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    build.add_argument("--files", type=int, default=None,
                       help="number of WET (and WARC) files (default: 3, the bundled sample)")
    build.add_argument("--docs-per-file", type=int, default=0,
                       help="records per file: a synthetic dump of files x docs-per-file pages (default: the "
                       "bundled 513-page sample)")
    build.add_argument("--dump", default=None, help=f"dump id (default {paths.SAMPLE_DUMP})")
    build.add_argument("--no-warc", action="store_true", help="write WET files only (faster; no page_texts HTML)")
    build.set_defaults(handler=build_sample)


def build_sample(args: argparse.Namespace) -> int:
    if args.files is not None and args.files < 1 or args.docs_per_file < 0:
        print("error: --files must be at least 1 and --docs-per-file at least 0")
        return 2
    dest = args.dest or paths.sample_mirror_dir()
    manifest = build_sample_mirror(
        dest, seed=args.seed, dump=args.dump or paths.SAMPLE_DUMP,
        files=args.files or 3, docs_per_file=args.docs_per_file, with_warc=not args.no_warc,
    )
    labels = read_labels(manifest.dest, manifest.dump)
    kinds = collections.Counter(row["kind"] for row in labels)
    print(f"wrote {manifest.dump} to {manifest.dest}")
    print(f"  base URL      {manifest.base_url}")
    print(f"  pages         {manifest.pages} ({sum(r['educational'] for r in labels)} educational) "
          f"on {manifest.domains} domains")
    print(f"  files         {len(manifest.wet_paths)} WET + {len(manifest.warc_paths) if not args.no_warc else 0} WARC")
    print(f"  labels        {manifest.labels_path}")
    print(f"  seed domains  {manifest.seed_domains_path}")
    print("  kinds         " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    return 0
