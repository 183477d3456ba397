"""`mammoth add-instruction-set` and `mammoth list-instruction-sets`."""

from __future__ import annotations

import argparse
import itertools
import os
from collections import Counter

from mammoth_assets.core import instruction_sets as sets


def register(subparsers: argparse._SubParsersAction) -> None:
    add = subparsers.add_parser(
        "add-instruction-set",
        help="declare an instruction set (file or Hugging Face dataset) as an instruction_set partition",
    )
    add.add_argument("name", help="partition name, e.g. alpaca_52k")
    add.add_argument("source", help="a .json/.jsonl/.parquet path, shared:<path>, or hf:<dataset id>")
    add.add_argument("--split", default="train", help="Hugging Face split (default train)")
    add.add_argument("--kind", choices=["train", "test"], default="train",
                     help="train: an instruction set to rate and train on; test: a judging test set")
    add.add_argument("--description", default="", help="free text shown with the declaration")
    add.add_argument("--encoding", default="utf-8",
                     help="text encoding of a JSON/JSONL file (default utf-8; e.g. latin-1)")
    add.add_argument("--no-partition", action="store_true",
                     help="only write the declaration; the sensor adds the partition later")
    add.set_defaults(handler=add_instruction_set)

    show = subparsers.add_parser("list-instruction-sets", help="declared instruction sets")
    show.set_defaults(handler=list_instruction_sets)


PREVIEW_RECORDS = 100


def _preview(declaration: sets.InstructionSetDeclaration) -> list[dict]:
    """Read the first records now so a wrong path, format or encoding fails here, not in a run."""
    kind, _ = sets.resolve_source(declaration.source)
    if kind != "file":
        return []
    return list(itertools.islice(sets.iter_examples(declaration), PREVIEW_RECORDS))


def add_instruction_set(args: argparse.Namespace) -> int:
    source = args.source
    if not source.startswith(("hf:", "shared:", "warehouse:")):
        source = os.path.abspath(source)
    try:
        declaration = sets.InstructionSetDeclaration(
            name=args.name, source=source, split=args.split, kind=args.kind,
            description=args.description, encoding=args.encoding,
        )
        preview = _preview(declaration)
    except sets.InstructionSetError as error:
        print(f"error: {error}")
        return 2
    valid = sum(1 for row in preview if row["status"] == "ok")
    if preview and not valid:
        print(f"error: none of the first {len(preview)} records of {source} is usable; not declared:")
        for reason, count in Counter(row["reason"] for row in preview).most_common(5):
            print(f"  {count} x {reason}")
        return 1
    path = sets.add_declaration(declaration)
    print(f"declared {args.name} -> {source} in {path}" + (f" ({valid}/{len(preview)} sample records valid)" if preview else ""))
    if args.kind == "train" and not args.no_partition:
        import dagster as dg

        from mammoth_assets.core.partition_names import INSTRUCTION_SET

        if not os.environ.get("DAGSTER_HOME"):
            print("DAGSTER_HOME is not set: the instruction_set_sensor will add the partition")
            return 0
        with dg.DagsterInstance.get() as instance:
            instance.add_dynamic_partitions(INSTRUCTION_SET, [args.name])
        print(f"added partition {args.name!r} to {INSTRUCTION_SET}")
    return 0


def list_instruction_sets(args: argparse.Namespace) -> int:
    errors: list[str] = []
    try:
        declarations = sets.all_declarations(errors)
    except sets.InstructionSetError as error:
        print(f"error: {error}")
        return 2
    for name, declaration in sorted(declarations.items()):
        print(f"{name:24} {declaration.kind:5} {declaration.source}")
    for error in errors:
        print(f"invalid: {error}")
    return 1 if errors else 0
