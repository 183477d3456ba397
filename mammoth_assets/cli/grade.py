"""`mammoth grade BENCHMARK FILE [--format jsonl|lm-eval|openai-batch] [--output OUT.jsonl]`:
regrade any predictions file with the project's grader.

Formats:
  jsonl         one object per line: `completion`, `reference` (optionally `id`, `answer_kind`,
                `choices`)
  lm-eval       lm-evaluation-harness `--log_samples` output (samples_<task>_<date>.jsonl);
                lm-eval's own per-sample verdicts are reported beside ours
  openai-batch  an OpenAI Batch API output file; references come from `--references REFS.jsonl`
                (one `{"custom_id": ..., "reference": ...}` per line)

Each output line repeats the item's id with `extracted`, `correct`, `unparsable` and
`extraction_method`; a line that cannot be used (bad JSON, another encoding, a non-string or huge
field, a failed request) is written with its `error` and counted as wrong. With `--output`, an
lm-eval-style results file is written beside it (`<output>.results.json`, or `--results PATH`).
The last line printed is `accuracy: X (n/N)`. Exit status: 0 when every line was graded, 1 when
some lines could not be used, 2 when none could (or the file cannot be read).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, TextIO

from mammoth_assets.core import grading
from mammoth_assets.core import prediction_files as pf
from mammoth_assets.core.benchmarks import SUPPORTED_BENCHMARKS
from mammoth_assets.core.redaction import redact
from mammoth_assets.core.results_file import FILTER, results_document


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "grade", help="grade a predictions file (jsonl, lm-eval samples or OpenAI Batch output)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("benchmark", choices=SUPPORTED_BENCHMARKS, help="whose answer rules apply")
    parser.add_argument("file", type=Path, help="the predictions file")
    parser.add_argument("--format", choices=pf.FORMATS, default="jsonl", dest="file_format",
                        help="input format (default jsonl)")
    parser.add_argument("--references", type=Path, default=None,
                        help="JSONL of {custom_id, reference[, answer_kind, choices]} (openai-batch)")
    parser.add_argument("--output", type=Path, default=None,
                        help="write graded lines here (default: standard output)")
    parser.add_argument("--results", type=Path, default=None,
                        help="lm-eval-style results JSON (default with --output: <output>.results.json)")
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="seconds per LaTeX comparison (default 5)")
    parser.add_argument("--encoding", default="utf-8",
                        help="text encoding of the file (default utf-8; a byte-order mark wins)")
    parser.add_argument("--max-line-bytes", type=int, default=pf.DEFAULT_MAX_LINE_BYTES,
                        help="longer lines are reported, not read (default %(default)s)")
    parser.add_argument("--max-field-chars", type=int, default=pf.DEFAULT_MAX_FIELD_CHARS,
                        help="longer completions are reported, not graded (default %(default)s)")
    parser.set_defaults(handler=grade_file)


def _unusable(line: int, reason: str, item_id: str | None) -> dict[str, Any]:
    return {"id": item_id if item_id is not None else line, "line": line, "error": reason,
            "extracted": None, "correct": False, "unparsable": True, "extraction_method": "none"}


def grade_prediction(benchmark: str, prediction: pf.Prediction, timeout_s: float) -> dict[str, Any]:
    """One output row. Whatever the grader raises on this item becomes the row's error."""
    if prediction.chosen_index is not None:  # lm-eval loglikelihood multiple choice
        return {"id": prediction.item_id, "line": prediction.line, "extracted": pf.option_letter(prediction.chosen_index),
                "correct": prediction.chosen_index == prediction.reference_index, "unparsable": False,
                "extraction_method": "loglikelihood", "answer_kind": "choice", "reference": prediction.reference}
    try:
        kind = prediction.answer_kind or grading.infer_answer_kind(benchmark, prediction.reference)
        grade = grading.grade_completion(
            prediction.completion, grading.normalize_reference(prediction.reference, kind),
            answer_kind=kind, choices=prediction.choices, timeout_s=timeout_s,
        )
    except Exception as error:  # noqa: BLE001 - one odd item must not end the whole regrade
        return _unusable(prediction.line, f"grader error: {type(error).__name__}: {str(error)[:200]}",
                         prediction.item_id)
    return {"id": prediction.item_id, "line": prediction.line, "extracted": grade.extracted,
            "correct": grade.correct, "unparsable": grade.unparsable,
            "extraction_method": grade.extraction_method, "answer_kind": kind,
            "reference": prediction.reference}


class Tally:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.lines = 0
        self.skipped = 0
        self.reasons: Counter[str] = Counter()
        self.source_metrics: dict[str, list[float]] = defaultdict(list)
        self.agreement: dict[str, list[bool]] = defaultdict(list)  # per lm-eval metric key
        self.verdicts: dict[str, bool] = {}  # item id -> our verdict, for lines repeating an item

    def add(self, row: dict[str, Any], source_metrics: dict[str, float] | None = None) -> None:
        self.rows.append(row)
        self.lines += 1
        if row.get("error"):
            self.reasons[_reason_kind(row["error"])] += 1
        else:
            self.verdicts[str(row["id"])] = bool(row["correct"])
        self.add_source_metrics(str(row["id"]), source_metrics or {})

    def add_source_metrics(self, item_id: str, source_metrics: dict[str, float]) -> None:
        """The producer's verdicts on an item, compared with ours where we have one."""
        for key, value in source_metrics.items():
            self.source_metrics[key].append(value)
            if item_id in self.verdicts:
                self.agreement[key].append(bool(value) == self.verdicts[item_id])

    @property
    def correct(self) -> int:
        return sum(1 for r in self.rows if r["correct"])

    @property
    def unreadable(self) -> int:
        return sum(self.reasons.values())


def _reason_kind(reason: str) -> str:
    """A reason without the parts that differ per line, to group them in the summary."""
    reason = reason.removeprefix("unreadable line: ")
    for marker in (": byte 0x", " at column", " for custom_id", "request ", " is ", " (limit"):
        if marker in reason:
            return reason.split(marker, 1)[0] + ("" if marker.startswith(" (") else " ...")
    return reason[:120]


def grade_file(args: argparse.Namespace) -> int:
    options = pf.ReadOptions(args.encoding, args.max_line_bytes, args.max_field_chars)
    try:
        references = pf.read_references(args.references, options) if args.references else None
        out: TextIO = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    except (pf.PredictionFileError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    tally = Tally()
    try:
        for record in pf.read_predictions(args.file, args.file_format, options, references):
            if isinstance(record, pf.Skipped):
                tally.skipped += 1
                tally.add_source_metrics(record.item_id, record.source_metrics)
                continue
            if isinstance(record, pf.BadLine):
                row, metrics = _unusable(record.line, "unreadable line: " + redact(record.reason), record.item_id), None
            else:
                row, metrics = grade_prediction(args.benchmark, record, args.timeout), record.source_metrics
            tally.add(row, metrics)
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    except pf.PredictionFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        if args.output:
            out.close()
    return _report(args, tally)


def _report(args: argparse.Namespace, tally: Tally) -> int:
    total = tally.lines
    if tally.unreadable:
        print(f"unreadable lines: {tally.unreadable}", file=sys.stderr)
        for reason, count in tally.reasons.most_common(5):
            print(f"  {count} x {reason}", file=sys.stderr)
    if tally.skipped:
        print(f"skipped {tally.skipped} repeated lines (the same documents under other lm-eval filters)",
              file=sys.stderr)
    for key in sorted(tally.source_metrics):
        values = tally.source_metrics[key]
        agree = tally.agreement.get(key, [])
        print(f"lm-eval {key}: {sum(values) / len(values):.4f}"
              + (f" (our verdict agrees on {sum(agree)}/{len(agree)} items)" if agree else ""))
    results_path = args.results or (args.output.with_name(args.output.name + ".results.json") if args.output else None)
    if results_path is not None and total:
        document = results_document(
            args.benchmark, tally.rows, total + tally.skipped, tally.source_metrics,
            {"source_file": str(args.file), "format": args.file_format, "grader": f"mammoth_assets ({FILTER})"},
        )
        try:
            results_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as error:
            print(f"error: cannot write results {results_path}: {error.strerror or error}", file=sys.stderr)
            return 2
        print(f"results: {results_path}", file=sys.stderr)
    graded = total - tally.unreadable
    print(f"unparsable: {sum(1 for r in tally.rows if r['unparsable'] and not r.get('error'))}")
    print(f"accuracy: {tally.correct / total if total else 0.0:.4f} ({tally.correct}/{total})")
    if graded == 0:
        print(f"error: no usable line in {args.file}", file=sys.stderr)
        return 2
    return 1 if tally.unreadable else 0
