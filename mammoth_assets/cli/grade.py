"""`mammoth grade BENCHMARK FILE.jsonl [--output OUT.jsonl]`: regrade any predictions file.

Each input line is a JSON object with `completion` (the full model output) and `reference`
(optionally `answer_kind`, `choices`, `id`). Each output line repeats the input's `id` (or line
number) with `extracted`, `correct`, `unparsable` and `extraction_method`; a line that cannot be
read is written with its `error` and counted as wrong. The last line printed is
`accuracy: X (n/N)`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from mammoth_assets.core import grading
from mammoth_assets.core.benchmarks import SUPPORTED_BENCHMARKS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "grade", help="grade a JSONL predictions file (completion, reference) for a benchmark",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("benchmark", choices=SUPPORTED_BENCHMARKS)
    parser.add_argument("file", type=Path, help="JSONL with `completion` and `reference` per line")
    parser.add_argument("--output", type=Path, default=None,
                        help="write graded lines here (default: standard output)")
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="seconds per LaTeX comparison (default 5)")
    parser.set_defaults(handler=grade_file)


def grade_line(benchmark: str, line_no: int, text: str, timeout_s: float) -> dict[str, Any]:
    try:
        row = json.loads(text)
        if not isinstance(row, dict):
            raise ValueError("not a JSON object")
        completion, reference = row["completion"], row["reference"]
    except (json.JSONDecodeError, ValueError, KeyError) as error:
        reason = f"missing field {error}" if isinstance(error, KeyError) else str(error)
        return {"line": line_no, "error": f"unreadable line: {reason}", "extracted": None,
                "correct": False, "unparsable": True, "extraction_method": "none"}
    if isinstance(reference, bool):
        reference = "True" if reference else "False"
    elif isinstance(reference, list):
        reference = "[" + ", ".join(str(v) for v in reference) + "]"
    kind = row.get("answer_kind") or grading.infer_answer_kind(benchmark, str(reference))
    grade = grading.grade_completion(
        completion, grading.normalize_reference(str(reference), kind), answer_kind=kind,
        choices=row.get("choices"), timeout_s=timeout_s,
    )
    return {"id": row.get("id", line_no), "extracted": grade.extracted, "correct": grade.correct,
            "unparsable": grade.unparsable, "extraction_method": grade.extraction_method,
            "answer_kind": kind, "reference": reference}


def grade_file(args: argparse.Namespace) -> int:
    if not args.file.exists():
        print(f"error: no such file {args.file}", file=sys.stderr)
        return 2
    out: TextIO = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    correct = total = unparsable = unreadable = 0
    try:
        with open(args.file, encoding="utf-8") as handle:
            for line_no, text in enumerate(handle, 1):
                if not text.strip():
                    continue
                graded = grade_line(args.benchmark, line_no, text, args.timeout)
                out.write(json.dumps(graded, ensure_ascii=False) + "\n")
                total += 1
                correct += graded["correct"]
                unparsable += graded["unparsable"]
                unreadable += "error" in graded
    finally:
        if args.output:
            out.close()
    if unreadable:
        print(f"unreadable lines: {unreadable}", file=sys.stderr)
    print(f"unparsable: {unparsable}")
    accuracy = correct / total if total else 0.0
    print(f"accuracy: {accuracy:.4f} ({correct}/{total})")
    return 1 if unreadable else 0
