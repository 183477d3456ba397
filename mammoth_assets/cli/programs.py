"""`mammoth run-programs FILE.jsonl`: run programs in the sandbox and grade them.

Each input line is a JSON object with `program` and optionally `reference` (and `id`, `kind`).
Each output line has `status` (ok, error, timeout, killed; `invalid` for an unusable input line,
with the reason), `answer`, `reason`, `duration_s`, `isolation` (the mode it ran under) and, when a
reference is given, `correct`. The
last lines printed are `statuses: ...` and `accuracy: X (n/N)` over the lines that have a reference.

Input is JSON Lines in UTF-8 (a byte-order mark is allowed; UTF-16 with its BOM is decoded). A line
that is not UTF-8, not JSON, not an object, too long, or whose fields have the wrong type is reported
as `invalid` with the reason, never dropped. Exit status: 0 when at least one program ran, 1 when
the file held no usable program, 2 when the input or output cannot be opened, 3 when the sandbox
refuses to run here (the message says how to fix it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import IO, Any, BinaryIO, Iterator

from mammoth_assets.core.answers import KINDS, compare_answers
from mammoth_assets.core.line_reader import iter_lines
from mammoth_assets.core.sandbox import ISOLATIONS, SandboxLimits, SandboxUnavailable, run_programs

CHUNK_LINES = 256  # programs in flight per batch: memory stays flat on big files
MAX_LINE_BYTES = 8 << 20
MAX_PROGRAM_CHARS = 1 << 20
MAX_REFERENCE_CHARS = 10_000
MAX_ID_CHARS = 1_000


def register(subcommands: argparse._SubParsersAction) -> None:
    parser = subcommands.add_parser(
        "run-programs",
        help="run JSONL programs in the sandbox; grade against references",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", help="JSONL input: {program, reference?, id?, kind?} per line ('-' = stdin)")
    parser.add_argument("--timeout", type=float, default=5.0, help="wall-clock seconds per program (default 5)")
    parser.add_argument("--cpu-seconds", type=int, default=None,
                        help="CPU seconds per program (default: the timeout rounded up, plus 1)")
    parser.add_argument("--workers", type=int, default=0, help="programs in parallel (default: one per core)")
    parser.add_argument("--output", help="write result lines here instead of stdout")
    parser.add_argument("--memory-mb", type=int, default=2048, help="address-space limit per process")
    parser.add_argument("--isolation", choices=ISOLATIONS, default="auto",
                        help="auto (bwrap; refuses as root without it), or a weaker mode by name")
    parser.add_argument("--kind", choices=KINDS, default="auto", help="answer comparison (default auto)")
    parser.set_defaults(handler=run)


# -- reading ------------------------------------------------------------------------------------
def _is_text(value: str) -> bool:
    """False for strings JSON allows but UTF-8 cannot hold (lone surrogates such as "\\ud800")."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text_field(record: dict, name: str, limit: int, numbers: bool) -> tuple[str | None, str | None]:
    """(value, error) for an optional text field; numbers become their text when allowed."""
    value = record.get(name)
    if value is None:
        return None, None
    if numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        kinds = "a string or a number" if numbers else "a string"
        return None, f"'{name}' must be {kinds}, got {type(value).__name__}"
    if len(value) > limit:
        return None, f"'{name}' is {len(value)} characters; the limit is {limit}"
    if not _is_text(value):
        return None, f"'{name}' is not valid Unicode (a lone surrogate)"
    return value, None


def _parse_line(number: int, text: str) -> dict[str, Any]:
    """The usable fields of one decoded input line, or an `error` saying why it cannot be run."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        return {"line": number, "error": f"not JSON: {error.msg} at column {error.colno}"}
    except RecursionError:
        return {"line": number, "error": "not usable JSON: nested too deeply"}
    except ValueError as error:
        return {"line": number, "error": f"not usable JSON: {error}"[:300]}
    if not isinstance(record, dict):
        return {"line": number, "error": f"expected a JSON object, got {type(record).__name__}"}
    parsed: dict[str, Any] = {"line": number, "id": None}
    identifier, error = _text_field(record, "id", MAX_ID_CHARS, numbers=True)
    if error:
        return parsed | {"error": error}
    parsed["id"] = record["id"] if isinstance(record.get("id"), (int, float)) else identifier
    reference, error = _text_field(record, "reference", MAX_REFERENCE_CHARS, numbers=True)
    if error:
        return parsed | {"error": error}
    if reference is not None:
        parsed["reference"] = reference
    kind, error = _text_field(record, "kind", 100, numbers=False)
    if error:
        return parsed | {"error": error}
    if kind is not None:
        if kind not in KINDS:
            return parsed | {"error": f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})"}
        parsed["kind"] = kind
    program, error = _text_field(record, "program", MAX_PROGRAM_CHARS, numbers=False)
    if error:
        return parsed | {"error": error}
    if not program or not program.strip():
        return parsed | {"error": "missing or empty 'program' (a string)"}
    return parsed | {"program": program}


def _read(handle: BinaryIO) -> Iterator[dict[str, Any]]:
    """Parsed lines; undecodable or over-long ones carry the line reader's reason."""
    for number, text, error in iter_lines(handle, "utf-8", MAX_LINE_BYTES,
                                          encoding_hint="convert it with `iconv -t UTF-8`"):
        yield {"line": number, "error": error} if text is None else _parse_line(number, text)


def _chunks(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# -- running and grading ------------------------------------------------------------------------
def _grade(answer: str | None, item: dict[str, Any], kind: str) -> dict[str, Any]:
    if answer is None:
        return {"correct": False}
    try:
        comparison = compare_answers(answer, item["reference"], kind=item.get("kind", kind))
    except Exception as error:  # a grader fault on odd input must not end the run
        return {"correct": False, "grading_error": f"{type(error).__name__}: {error}"[:300]}
    return {"correct": bool(comparison and comparison.match)}


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
                 "duration_s": result.duration_s, "isolation": result.isolation}
        if "reference" in item:
            line |= _grade(result.answer, item, kind)
            line["reference"] = item["reference"]
        lines.append(line)
    return lines


def format_accuracy(correct: int, graded: int) -> str:
    value = f"{correct / graded:.4f}" if graded else "n/a"
    return f"accuracy: {value} ({correct}/{graded})"


def _open_input(name: str) -> BinaryIO:
    return sys.stdin.buffer if name == "-" else open(name, "rb")


def run(args: argparse.Namespace) -> int:
    limits = SandboxLimits(timeout_s=args.timeout, cpu_s=args.cpu_seconds, memory_mb=args.memory_mb,
                           isolation=args.isolation)
    statuses: Counter[str] = Counter()
    correct = graded = 0
    try:
        source = _open_input(args.file)
    except OSError as error:
        print(f"run-programs: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        sink: IO[str] = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    except OSError as error:
        print(f"run-programs: cannot write {args.output}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        for chunk in _chunks(_read(source), CHUNK_LINES):
            for line in grade_chunk(chunk, limits, args.workers or None, args.kind):
                statuses[line["status"]] += 1
                if "correct" in line:
                    graded += 1
                    correct += int(line["correct"])
                sink.write(json.dumps(line, ensure_ascii=False) + "\n")
            sink.flush()
    except SandboxUnavailable as error:
        print(f"run-programs: {error}", file=sys.stderr)
        return 3
    finally:
        if source is not sys.stdin.buffer:
            source.close()
        if sink is not sys.stdout:
            sink.close()
    print("statuses: " + ", ".join(f"{k}={v}" for k, v in sorted(statuses.items())) if statuses else "statuses: none")
    print(format_accuracy(correct, graded))
    ran = sum(count for status, count in statuses.items() if status != "invalid")
    if not ran:
        invalid = statuses.get("invalid", 0)
        print(f"run-programs: no usable program in {args.file}"
              + (f" ({invalid} invalid lines, reasons above)" if invalid else " (no lines)"), file=sys.stderr)
        return 1
    return 0
