"""`mammoth demo`: the whole graph on the bundled sample dump, offline."""

from __future__ import annotations

import argparse


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "demo", help="materialize the whole asset graph for the bundled sample dump (offline)"
    )
    parser.add_argument(
        "--stage", action="append", default=None,
        help="run only these stages (web data, quality, judging, rationales, train, evaluate, summary)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mammoth_assets.demo import default_stages, run_demo

    stages = default_stages()
    if args.stage:
        stages = [stage for stage in stages if stage.name in set(args.stage)]
    results = run_demo(stages)
    return 0 if all(result.success for result in results) else 1
