"""`mammoth build-sample`: write the bundled sample dump CC-MAIN-SAMPLE as a local mirror."""

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
    build.set_defaults(handler=build_sample)


def build_sample(args: argparse.Namespace) -> int:
    dest = args.dest or paths.sample_mirror_dir()
    manifest = build_sample_mirror(dest, seed=args.seed)
    labels = read_labels(manifest.dest)
    kinds = collections.Counter(row["kind"] for row in labels)
    print(f"wrote {manifest.dump} to {manifest.dest}")
    print(f"  base URL      {manifest.base_url}")
    print(f"  pages         {manifest.pages} ({sum(r['educational'] for r in labels)} educational) "
          f"on {manifest.domains} domains")
    print(f"  files         {len(manifest.wet_paths)} WET + {len(manifest.warc_paths)} WARC")
    print(f"  labels        {manifest.labels_path}")
    print(f"  seed domains  {manifest.seed_domains_path}")
    print("  kinds         " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    return 0
