"""`mammoth run-programs FILE.jsonl`: run programs in the sandbox and grade them.

Each input line is a JSON object with `program` and optionally `reference` (and `id`, `kind`).
Each output line has `status` (ok, error, timeout, killed; `invalid` for an unusable input line),
`answer`, `reason`, `duration_s` and, when a reference is given, `correct`. The last line printed
is `accuracy: X (n/N)` over the lines that have a reference.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import IO, Any, Iterator

from mammoth_assets.core.answers import KINDS, compare_answers
from mammoth_assets.core.sandbox import ISOLATIONS, SandboxLimits, run_programs

CHUNK_LINES = 256  # programs in flight per batch: memory stays flat on big files


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "run-programs",
        help="run JSONL programs in the sandbox; grade against references",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", help="JSONL input: {program, reference?, id?, kind?} per line ('-' = stdin)")
    parser.add_argument("--timeout", type=float, default=5.0, help="wall-clock seconds per program (default 5)")
    parser.add_argument("--workers", type=int, default=0, help="programs in parallel (default: one per core)")
    parser.add_argument("--output", help="write result lines here instead of stdout")
    parser.add_argument("--memory-mb", type=int, default=2048, help="address-space limit per process")
    parser.add_argument("--isolation", choices=ISOLATIONS, default="auto")
    parser.add_argument("--kind", choices=KINDS, default="auto", help="answer comparison (default auto)")
    parser.set_defaults(handler=run)


def _parse_line(number: int, text: str) -> dict[str, Any]:
    """The usable fields of one input line, or an `error` saying why it cannot be run."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        return {"line": number, "error": f"not JSON: {error.msg} at column {error.colno}"}
    if not isinstance(record, dict):
        return {"line": number, "error": f"expected a JSON object, got {type(record).__name__}"}
    parsed: dict[str, Any] = {"line": number, "id": record.get("id")}
    if record.get("reference") is not None:
        parsed["reference"] = str(record["reference"])
    if record.get("kind") is not None:
        if record["kind"] not in KINDS:
            return parsed | {"error": f"unknown kind {record['kind']!r} (expected one of {', '.join(KINDS)})"}
        parsed["kind"] = record["kind"]
    program = record.get("program")
    if not isinstance(program, str) or not program.strip():
        return parsed | {"error": "missing or empty 'program' (a string)"}
    return parsed | {"program": program}


def _read(handle: IO[str]) -> Iterator[dict[str, Any]]:
    for number, text in enumerate(handle, start=1):
        if text.strip():
            yield _parse_line(number, text)


def _chunks(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def grade_chunk(chunk: list[dict[str, Any]], limits: SandboxLimits, workers: int | None, kind: str) -> list[dict[str, Any]]:
    runnable = [item for item in chunk if "error" not in item]
    results = iter(run_programs([item["program"] for item in runnable], workers=workers, limits=limits))
    lines = []
    for item in chunk:
        line: dict[str, Any] = {"line": item["line"], "id": item.get("id")}
        if "error" in item:
            line |= {"status": "invalid", "answer": None, "reason": item["error"]}
            if "reference" in item:
                line["correct"] = False
            lines.append(line)
            continue
        result = next(results)
        line |= {"status": result.status, "answer": result.answer, "reason": result.reason,
                 "duration_s": result.duration_s}
        if "reference" in item:
            comparison = compare_answers(result.answer, item["reference"], kind=item.get("kind", kind)) if result.answer is not None else None
            line["correct"] = bool(comparison and comparison.match)
            line["reference"] = item["reference"]
        lines.append(line)
    return lines


def format_accuracy(correct: int, graded: int) -> str:
    value = f"{correct / graded:.4f}" if graded else "n/a"
    return f"accuracy: {value} ({correct}/{graded})"


def run(args: argparse.Namespace) -> int:
    limits = SandboxLimits(timeout_s=args.timeout, memory_mb=args.memory_mb, isolation=args.isolation)
    statuses: Counter[str] = Counter()
    correct = graded = 0
    try:
        source = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")
    except OSError as error:
        print(f"run-programs: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    sink = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    try:
        for chunk in _chunks(_read(source), CHUNK_LINES):
            for line in grade_chunk(chunk, limits, args.workers or None, args.kind):
                statuses[line["status"]] += 1
                if "correct" in line:
                    graded += 1
                    correct += int(line["correct"])
                sink.write(json.dumps(line, ensure_ascii=False) + "\n")
            sink.flush()
    finally:
        if source is not sys.stdin:
            source.close()
        if sink is not sys.stdout:
            sink.close()
    print("statuses: " + ", ".join(f"{k}={v}" for k, v in sorted(statuses.items())) if statuses else "statuses: none")
    print(format_accuracy(correct, graded))
    return 0
