"""`mammoth webinstruct-provenance ID`, `mammoth decontamination-index` and
`mammoth clean-page FILE`: WebInstruct lineage and tools from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    walk = subparsers.add_parser(
        "webinstruct-provenance", help="walk a webinstruct example back to its page"
    )
    walk.add_argument("example_id", help="the `id` column of the webinstruct table (wi-...)")
    walk.set_defaults(handler=provenance)

    index = subparsers.add_parser(
        "decontamination-index",
        help="build (or load from cache) the benchmark n-gram index and test texts against it",
    )
    index.add_argument(
        "--benchmarks",
        nargs="*",
        default=None,
        help="default: every benchmark available under --root",
    )
    index.add_argument(
        "--root",
        type=Path,
        default=None,
        help="benchmark directory (default ../shared/data/benchmarks)",
    )
    index.add_argument("-n", type=int, default=10, help="n-gram length in words (default 10, the paper's)")
    index.add_argument(
        "--check", type=Path, nargs="*", default=(), help="text files to check for overlap"
    )
    index.set_defaults(handler=decontamination_index)

    clean = subparsers.add_parser(
        "clean-page", help="print the extraction text and schema.org pairs of an HTML file"
    )
    clean.add_argument("file", type=Path, help="an HTML file to clean to text")
    clean.set_defaults(handler=clean_page)


def provenance(args: argparse.Namespace) -> int:
    from mammoth_assets.warehouse import warehouse_from_env

    frame = warehouse_from_env().query("webinstruct_provenance", {"example_id": args.example_id})
    if frame.is_empty():
        print(f"no webinstruct example {args.example_id!r}", file=sys.stderr)
        return 1
    for key, value in frame.row(0, named=True).items():
        print(f"{key:24} {value}")
    return 0


def decontamination_index(args: argparse.Namespace) -> int:
    from mammoth_assets.core import benchmarks as bench
    from mammoth_assets.core.decontamination import load_contamination_index

    root = args.root if args.root is not None else bench.default_root()
    names = args.benchmarks or bench.available_benchmarks(root)
    index, cached, seconds = load_contamination_index(sorted(names), root, args.n)
    print(f"{len(index)} {args.n}-grams of {index.item_count} items from {', '.join(sorted(names))} "
          f"({'loaded from cache' if cached else 'built'} in {seconds:.1f}s)")  # fmt: skip
    dirty = 0
    for path, match in zip(
        args.check,
        index.first_matches([p.read_text(encoding="utf-8", errors="replace") for p in args.check]),
    ):
        dirty += match is not None
        verdict = (
            f"CONTAMINATED {match.benchmark}/{match.item_id}: {match.ngram!r}" if match else "clean"
        )
        print(f"{path}: {verdict}")
    return 1 if dirty else 0


def clean_page(args: argparse.Namespace) -> int:
    from mammoth_assets.core.page_text import clean_html
    from mammoth_assets.core.qa_extraction import structured_qa_pairs

    html = args.file.read_text(encoding="utf-8", errors="replace")
    print(clean_html(html))
    method, pairs = structured_qa_pairs(html)
    for pair in pairs:
        print(f"\n[{method}] Q: {pair.question}\n[{method}] A: {pair.answer}")
    return 0
