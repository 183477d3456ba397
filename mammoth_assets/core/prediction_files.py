"""Predictions files to regrade, in three formats, read line by line without ever raising on bad
input: every line becomes a `Prediction` or a `BadLine` with a reason.

- `jsonl`: one object per line with `completion` and `reference` (optionally `id`, `answer_kind`,
  `choices`), the project's own format.
- `lm-eval`: the `samples_<task>_<date>.jsonl` files lm-evaluation-harness writes with
  `--log_samples`: `doc_id`, `doc`, `target`, `resps`, `filtered_resps`, `filter` and the task's
  per-sample metrics. Generative tasks are graded from the raw response (`resps`); multiple-choice
  loglikelihood tasks by the choice with the highest log-likelihood. A task with several filters
  logs each document once per filter; the first line of a document is graded, the others are
  skipped (the raw response is the same).
- `openai-batch`: the output file of the OpenAI Batch API (`custom_id`, `response.body`, `error`)
  for /v1/chat/completions, /v1/completions or /v1/responses. It holds no references: they come
  from a references file keyed by `custom_id`.

Lines come from `line_reader.iter_lines`: decoded one by one, so a file in another encoding gives
one clear error per line instead of a crash, and an over-long line is skipped unread.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from mammoth_assets.core.line_reader import iter_lines

FORMATS = ("jsonl", "lm-eval", "openai-batch")
DEFAULT_MAX_LINE_BYTES = 16 << 20  # an lm-eval sample carries its whole few-shot prompt
DEFAULT_MAX_FIELD_CHARS = 200_000  # a completion longer than this is not graded (regex cost)


class PredictionFileError(ValueError):
    """The file as a whole cannot be read (missing, unknown format, bad references file)."""


@dataclass(frozen=True)
class Prediction:
    line: int
    item_id: str
    completion: str | None  # text to extract an answer from (None for loglikelihood choices)
    reference: str
    answer_kind: str | None = None
    choices: list[str] | None = None
    chosen_index: int | None = None  # loglikelihood multiple choice: the option the model scored best
    reference_index: int | None = None
    source_metrics: dict[str, float] = field(default_factory=dict)  # the producer's own verdicts


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str
    item_id: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A line that repeats an item already read (an lm-eval document logged for another filter);
    its own per-sample metrics still count for the producer's score."""

    line: int
    item_id: str
    source_metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ReadOptions:
    encoding: str = "utf-8"
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    max_field_chars: int = DEFAULT_MAX_FIELD_CHARS


class _LineError(Exception):
    pass


# -- records ----------------------------------------------------------------------------------
def _lines(stream: BinaryIO, options: ReadOptions) -> Iterator[tuple[int, str | None, str | None]]:
    try:
        yield from iter_lines(stream, options.encoding, options.max_line_bytes, "pass --encoding latin-1")
    except LookupError as error:
        raise PredictionFileError(str(error)) from error


def read_predictions(
    path: str | Path,
    file_format: str = "jsonl",
    options: ReadOptions = ReadOptions(),
    references: dict[str, dict[str, Any]] | None = None,
) -> Iterator[Prediction | BadLine | Skipped]:
    """Every non-blank line of `path` as a Prediction, a BadLine (with its reason) or a Skipped
    duplicate. `references` (custom_id -> reference fields) is required for openai-batch."""
    if file_format not in FORMATS:
        raise PredictionFileError(f"unknown format {file_format!r}: use one of {', '.join(FORMATS)}")
    if file_format == "openai-batch" and references is None:
        raise PredictionFileError("openai-batch output holds no references: pass a references file")
    parse = {"jsonl": _from_jsonl, "lm-eval": _from_lm_eval, "openai-batch": _from_openai_batch}[file_format]
    seen: set[str] = set()
    try:
        stream = open(path, "rb")
    except OSError as error:
        raise PredictionFileError(f"cannot open {path}: {error.strerror or error}") from error
    with stream:
        for number, text, error in _lines(stream, options):
            if error is not None:
                yield BadLine(number, error)
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as decode_error:
                yield BadLine(number, f"invalid JSON: {decode_error.msg} at column {decode_error.colno}")
                continue
            except RecursionError:
                yield BadLine(number, "invalid JSON: nested too deeply")
                continue
            if not isinstance(row, dict):
                yield BadLine(number, f"a line must be a JSON object, not {_kind(row)}")
                continue
            try:
                prediction = parse(number, row, options, references)
            except _LineError as line_error:
                yield BadLine(number, str(line_error), _short_id(row))
                continue
            if prediction.item_id in seen and file_format == "lm-eval":
                yield Skipped(number, prediction.item_id, prediction.source_metrics)
                continue
            seen.add(prediction.item_id)
            yield prediction


def read_references(path: str | Path, options: ReadOptions = ReadOptions()) -> dict[str, dict[str, Any]]:
    """custom_id (or id) -> {reference, answer_kind, choices} from a JSONL references file. A bad
    line makes the whole file unusable: a reference silently missing would score an item wrong."""
    refs: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    try:
        stream = open(path, "rb")
    except OSError as error:
        raise PredictionFileError(f"cannot open references {path}: {error.strerror or error}") from error
    with stream:
        for number, text, error in _lines(stream, options):
            try:
                if error is not None:
                    raise _LineError(error)
                row = json.loads(text)
                if not isinstance(row, dict):
                    raise _LineError(f"not a JSON object but {_kind(row)}")
                key = row.get("custom_id", row.get("id"))
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    raise _LineError("needs a string `custom_id` (or `id`)")
                refs[str(key)] = {"reference": _reference(row.get("reference")),
                                  "answer_kind": _optional_text(row, "answer_kind"),
                                  "choices": _choices(row.get("choices"))}
            except (_LineError, json.JSONDecodeError) as line_error:
                problems.append(f"line {number}: {line_error}")
    if problems:
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        raise PredictionFileError(f"references file {path}: {shown}")
    return refs


def _from_jsonl(number: int, row: dict, options: ReadOptions, _refs) -> Prediction:
    if "completion" not in row:
        raise _LineError("missing field 'completion'")
    if "reference" not in row:
        raise _LineError("missing field 'reference'")
    return Prediction(
        line=number,
        item_id=_item_id(row.get("id"), number),
        completion=_completion(row["completion"], options),
        reference=_reference(row["reference"]),
        answer_kind=_optional_text(row, "answer_kind"),
        choices=_choices(row.get("choices")),
    )


def _from_lm_eval(number: int, row: dict, options: ReadOptions, _refs) -> Prediction:
    for key in ("doc_id", "target", "resps"):
        if key not in row:
            raise _LineError(f"missing field {key!r} (is this an lm-eval --log_samples file?)")
    item_id = _item_id(row["doc_id"], number)
    metrics = _lm_eval_metrics(row)
    resps = row["resps"]
    if not isinstance(resps, list) or not resps:
        raise _LineError("'resps' must be a non-empty list")
    loglikelihoods = _loglikelihoods(resps)
    doc = row.get("doc") if isinstance(row.get("doc"), dict) else {}
    if loglikelihoods is not None:  # multiple choice scored by log-likelihood
        target = row["target"]
        if isinstance(target, bool) or not isinstance(target, (int, str)):
            raise _LineError(f"multiple-choice 'target' must be an index or a label, not {_kind(target)}")
        index = _choice_index(target, doc, len(loglikelihoods))
        chosen = max(range(len(loglikelihoods)), key=loglikelihoods.__getitem__)
        return Prediction(number, item_id, None, option_letter(index), "choice", None, chosen, index, metrics)
    first = resps[0]
    text = first[0] if isinstance(first, list) and first else first
    return Prediction(
        line=number,
        item_id=item_id,
        completion=_completion(text, options),
        reference=_lm_eval_reference(row["target"]),
        choices=_choices(doc.get("choices")) if isinstance(doc.get("choices"), list) else None,
        source_metrics=metrics,
    )


def _from_openai_batch(number: int, row: dict, options: ReadOptions, refs) -> Prediction:
    custom_id = row.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        raise _LineError("missing 'custom_id' (is this an OpenAI Batch output file?)")
    error = row.get("error")
    response = row.get("response")
    if error:
        message = error.get("message") if isinstance(error, dict) else error
        raise _LineError(f"request {custom_id} failed: {str(message)[:200]}")
    if not isinstance(response, dict):
        raise _LineError(f"request {custom_id} has no response")
    status = response.get("status_code")
    body = response.get("body")
    if status != 200 or not isinstance(body, dict):
        detail = body.get("error", {}).get("message") if isinstance(body, dict) and isinstance(body.get("error"), dict) else ""
        raise _LineError(f"request {custom_id} returned HTTP {status} {str(detail)[:200]}".rstrip())
    if custom_id not in refs:
        raise _LineError(f"no reference for custom_id {custom_id!r} in the references file")
    ref = refs[custom_id]
    return Prediction(
        line=number,
        item_id=custom_id,
        completion=_completion(_batch_text(body), options),
        reference=ref["reference"],
        answer_kind=ref.get("answer_kind"),
        choices=ref.get("choices"),
    )


def _batch_text(body: dict) -> Any:
    """The generated text of a chat completion, a completion or a Responses API body."""
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        choice = choices[0]
        message = choice.get("message")
        if isinstance(message, dict):
            if message.get("content") is None and message.get("refusal"):
                raise _LineError(f"the model refused: {str(message['refusal'])[:200]}")
            return message.get("content")
        return choice.get("text")
    output = body.get("output")
    if isinstance(output, list):  # /v1/responses
        texts = [part.get("text") for item in output if isinstance(item, dict) and item.get("type") == "message"
                 for part in item.get("content") or [] if isinstance(part, dict) and part.get("type") == "output_text"]
        if texts and all(isinstance(t, str) for t in texts):
            return "".join(texts)
    raise _LineError("response body has no choices[0].message.content, choices[0].text or output text")


# -- field checks -----------------------------------------------------------------------------
def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _short_id(row: dict) -> str | None:
    for key in ("id", "custom_id", "doc_id"):
        value = row.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)[:200]
    return None


def _item_id(value: Any, number: int) -> str:
    if value is None:
        return str(number)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _LineError(f"'id' must be a string or an integer, not {_kind(value)}")
    return str(value)[:200]


def _completion(value: Any, options: ReadOptions) -> str:
    if value is None:
        raise _LineError("completion is null (no generation)")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _LineError(f"completion must be a string, not {_kind(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise _LineError(f"completion is {value}")
    text = value if isinstance(value, str) else repr(value)
    if len(text) > options.max_field_chars:
        raise _LineError(f"completion is {len(text):,} characters (limit {options.max_field_chars:,}, "
                         "see --max-field-chars)")
    return text


def _reference(value: Any) -> str:
    if value is None:
        raise _LineError("reference is null")
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, str):
        if len(value) > DEFAULT_MAX_FIELD_CHARS:
            raise _LineError(f"reference is {len(value):,} characters long")
        return value
    raise _LineError(f"reference must be a string, number, boolean or list, not {_kind(value)}")


def _optional_text(row: dict, key: str) -> str | None:
    value = row.get(key)
    if value is None or isinstance(value, str):
        return value or None
    raise _LineError(f"{key!r} must be a string, not {_kind(value)}")


def _choices(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _LineError("'choices' must be a list of strings")
    return value


def _lm_eval_reference(target: Any) -> str:
    """lm-eval targets: the gold answer text, GSM8K's full solution ("... #### 72"), a MATH solution
    with \\boxed{}, or a list of acceptable answers (the first is used)."""
    if isinstance(target, list):
        if not target:
            raise _LineError("'target' is an empty list")
        target = target[0]
    text = _reference(target)
    if "####" in text:
        return text.rsplit("####", 1)[1].strip()
    from mammoth_assets.core.answers import last_boxed

    boxed = last_boxed(text) if "\\boxed" in text else None
    return boxed if boxed else text


def _loglikelihoods(resps: list) -> list[float] | None:
    """Per-choice log-likelihoods when every response is lm-eval's (loglikelihood, is_greedy) pair,
    which its sample files hold as strings: [["-10.84", "False"]] per choice."""
    values = []
    for resp in resps:
        pair = resp[0] if isinstance(resp, list) and len(resp) == 1 and isinstance(resp[0], list) else resp
        if not (isinstance(pair, list) and len(pair) == 2 and str(pair[1]) in ("True", "False", "true", "false")):
            return None
        try:
            value = float(pair[0])
        except (TypeError, ValueError):
            return None
        if isinstance(pair[0], bool) or not math.isfinite(value):
            return None
        values.append(value)
    return values


def _choice_index(target: int | str, doc: dict, count: int) -> int:
    if isinstance(target, int):
        index = target
    elif target.strip().isdigit():  # lm-eval renders doc_to_target templates to text: "2"
        index = int(target.strip())
    elif len(target.strip()) == 1 and target.strip().isalpha():
        index = ord(target.strip().upper()) - ord("A")
    elif isinstance(doc.get("choices"), list) and target in doc["choices"]:
        index = doc["choices"].index(target)
    else:
        raise _LineError(f"multiple-choice target {target[:40]!r} is neither an index nor a letter")
    if not 0 <= index < count:
        raise _LineError(f"target index {index} is outside the {count} choices")
    return index


def option_letter(index: int) -> str:
    """0 -> "A", 1 -> "B", ..."""
    return chr(ord("A") + index)


def _lm_eval_metrics(row: dict) -> dict[str, float]:
    """lm-eval's own per-sample verdicts, keyed like its results file: "exact_match,strict-match"."""
    listed = row.get("metrics")
    names = [k for k in listed if isinstance(k, str)] if isinstance(listed, list) else []
    filter_name = row.get("filter") if isinstance(row.get("filter"), str) else "none"
    return {f"{name},{filter_name}": float(row[name]) for name in names
            if isinstance(row.get(name), (int, float)) and math.isfinite(row[name])}
