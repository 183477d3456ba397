"""Per-benchmark parsers: the upstream files' rows (local files or hub rows) as `BenchmarkItem`s.

GPQA's options are shuffled with a fixed seed per item (derived from the record id), so every run
and every checkpoint sees the same order (the reference harness shuffled unseeded).
"""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path
from typing import Any, Iterable

from mammoth_assets.core.answers import last_boxed
from mammoth_assets.core.benchmarks.items import (
    LETTERS,
    BenchmarkError,
    BenchmarkItem,
    number_text,
    read_json_or_jsonl,
    split_inline_choices,
    stable_seed,
)

def _gsm8k_item(row: dict[str, Any], index: int, benchmark: str = "gsm8k") -> BenchmarkItem:
    solution = row["answer"]
    if "####" not in solution:
        raise BenchmarkError(f"gsm8k row {index}: answer has no '#### <number>' line")
    rationale, final = solution.rsplit("####", 1)
    return BenchmarkItem(
        benchmark=benchmark,
        item_id=str(row.get("id", index)),
        question=row["question"].strip(),
        choices=None,
        reference=number_text(final),
        extra={
            "answer_kind": "number",
            "solution": re.sub(r"<<[^>]*>>", "", rationale).strip(),
        },
    )


def parse_gsm8k(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(read_json_or_jsonl(path)):
        yield _gsm8k_item(row, index, benchmark)


def _math_item(row: dict[str, Any], index: int, benchmark: str) -> BenchmarkItem:
    solution = row.get("solution", "")
    reference = row.get("answer") or last_boxed(solution)
    if reference is None:
        raise BenchmarkError(f"{benchmark} row {index}: no answer field and no \\boxed{{}} in solution")
    item_id = row.get("unique_id") or str(row.get("idx", index))
    return BenchmarkItem(
        benchmark=benchmark,
        item_id=str(item_id),
        question=row["problem"].strip(),
        choices=None,
        reference=reference.strip(),
        extra={
            "answer_kind": "latex",
            "solution": solution,
            "subject": row.get("type") or row.get("subject", ""),
            "level": str(row.get("level", "")),
        },
    )


def parse_math(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(read_json_or_jsonl(path)):
        yield _math_item(row, index, benchmark)


_THEOREMQA_KINDS = {
    "integer": "number",
    "float": "number",
    "bool": "boolean",
    "option": "choice",
    "list of integer": "list",
    "list of float": "list",
}


def _theoremqa_item(row: dict[str, Any], index: int, benchmark: str = "theoremqa") -> BenchmarkItem:
    answer_type = row.get("Answer_type") or row.get("answer_type")
    answer = row.get("Answer", row.get("answer"))
    if answer_type not in _THEOREMQA_KINDS:
        raise BenchmarkError(f"theoremqa row {index}: unknown Answer_type {answer_type!r}")
    if answer_type == "bool":
        if isinstance(answer, str):
            answer = {"true": True, "false": False}[answer.strip().lower()]
        reference = "True" if answer else "False"
    elif answer_type.startswith("list"):
        values = json.loads(answer) if isinstance(answer, str) else answer
        reference = "[" + ", ".join(number_text(v) for v in values) + "]"
    elif answer_type == "option":
        reference = str(answer).strip().strip("()").upper()
    else:
        reference = number_text(answer)
    explanation = row.get("explanation") or ""
    return BenchmarkItem(
        benchmark=benchmark,
        item_id=str(row.get("id", index)),
        question=str(row.get("Question", row.get("question", ""))).strip(),
        choices=None,
        reference=reference,
        extra={
            "answer_kind": _THEOREMQA_KINDS[answer_type],
            "answer_type": answer_type,
            "picture": row.get("Picture"),
            "theorem": row.get("theorem", ""),
            "field": row.get("field", ""),
            "solution": "" if explanation.strip().upper() == "NONE" else explanation,
        },
    )


def parse_theoremqa(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(read_json_or_jsonl(path)):
        yield _theoremqa_item(row, index, benchmark)


def _mmlu_item(row: dict[str, Any], index: int, benchmark: str) -> BenchmarkItem:
    answer = row["answer"]
    letter = LETTERS[answer] if isinstance(answer, int) else str(answer).strip().upper()
    subject = row.get("type") or row.get("subject", "")
    return BenchmarkItem(
        benchmark=benchmark,
        item_id=f"{subject}/{index}" if subject else str(index),
        question=row["question"].strip(),
        choices=[str(c) for c in row["choices"]],
        reference=letter,
        extra={"answer_kind": "choice", "subject": subject},
    )


def parse_mmlu(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(read_json_or_jsonl(path)):
        yield _mmlu_item(row, index, benchmark)


# BBH tasks whose targets are not option letters: how their answers compare.
_BBH_ANSWER_KINDS = {
    "boolean_expressions": "text",  # True / False
    "causal_judgement": "text",  # Yes / No
    "navigate": "text",
    "sports_understanding": "text",
    "web_of_lies": "text",
    "formal_fallacies": "text",  # valid / invalid
    "dyck_languages": "text",
    "word_sorting": "text",
    "multistep_arithmetic_two": "number",
    "object_counting": "number",
}


def bbh_item(task: str, row: dict[str, Any], index: int) -> BenchmarkItem:
    text, target = row["input"], str(row["target"]).strip()
    split = split_inline_choices(text, "Options:")
    if split is not None and re.fullmatch(r"\([A-Z]\)", target):
        stem, choices = split
        reference, kind = target.strip("()"), "choice"
    else:
        stem, choices, reference = text, None, target
        kind = _BBH_ANSWER_KINDS.get(task, "text")
    return BenchmarkItem(
        benchmark="bbh",
        item_id=f"{task}/{index}",
        question=stem.strip(),
        choices=choices,
        reference=reference,
        extra={"answer_kind": kind, "task": task, "input": text},
    )


def parse_bbh(directory: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    files = sorted(directory.glob("*.json"))
    if not files:
        raise BenchmarkError(f"no BBH task files (*.json) in {directory}")
    for file in files:
        data = json.loads(file.read_text(encoding="utf-8"))
        for index, row in enumerate(data["examples"]):
            yield bbh_item(file.stem, row, index)


def _arc_item(row: dict[str, Any], index: int, benchmark: str = "arc_challenge") -> BenchmarkItem:
    """ARC rows label options (A)..(D), or (1)..(4) for a few; both become letters by position."""
    text, answer = row["question"], str(row["answer"]).strip().upper()
    labels = "1234567" if answer.isdigit() else LETTERS
    split = split_inline_choices(text, "Options are:", labels)
    if split is None or answer not in labels[: len(split[1])]:
        raise BenchmarkError(f"arc row {index}: no 'Options are:' block holding answer {answer!r}")
    stem, choices = split
    return BenchmarkItem(
        benchmark=benchmark,
        item_id=str(row.get("id", index)),
        question=stem,
        choices=choices,
        reference=LETTERS[labels.index(answer)],
        extra={"answer_kind": "choice"},
    )


def parse_arc(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(read_json_or_jsonl(path)):
        yield _arc_item(row, index, benchmark)


def parse_svamp(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(read_json_or_jsonl(path)):
        yield hub_svamp(row, benchmark, index, None)


def parse_aqua(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(read_json_or_jsonl(path)):
        yield hub_aqua(row, benchmark, index, None)


def _answer_choices_item(row: dict[str, Any], index: int, benchmark: str) -> BenchmarkItem:
    """SAT-Math / NumGLUE / SimulEq / DeepMind rows: a question with optional inline options."""
    question, answer = row["question"].strip(), row["answer"]
    split = split_inline_choices(question, "Answer Choices:")
    answer_text = str(answer).strip()
    if split is not None and re.fullmatch(r"[A-E]", answer_text):
        stem, choices = split
        return BenchmarkItem(
            benchmark=benchmark,
            item_id=str(index),
            question=stem,
            choices=choices,
            reference=answer_text,
            extra={"answer_kind": "choice", "type": row.get("type", "")},
        )
    kind = "number"
    try:
        float(number_text(answer))
    except ValueError:
        # "[3]" lists, "-20*x" expressions, "August": let the comparison module decide
        kind = "list" if answer_text.startswith("[") else "auto"
    return BenchmarkItem(
        benchmark=benchmark,
        item_id=str(index),
        question=question,
        choices=None,
        reference=number_text(answer) if kind == "number" else answer_text,
        extra={"answer_kind": kind, "type": row.get("type", "")},
    )


def parse_answer_choices(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(read_json_or_jsonl(path)):
        yield _answer_choices_item(row, index, benchmark)


GPQA_COLUMNS = ("Question", "Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2",
                "Incorrect Answer 3")


def gpqa_item(row: dict[str, Any], index: int, benchmark: str = "gpqa") -> BenchmarkItem:
    """One GPQA row with its four options shuffled by a seed fixed per record."""
    missing = [column for column in GPQA_COLUMNS if not str(row.get(column) or "").strip()]
    if missing:
        raise BenchmarkError(f"gpqa row {index}: missing or empty columns {missing}")
    record_id = str(row.get("Record ID") or index).strip()
    correct = row["Correct Answer"].strip()
    options = [correct] + [row[f"Incorrect Answer {i}"].strip() for i in (1, 2, 3)]
    random.Random(stable_seed("gpqa", record_id)).shuffle(options)
    letter = LETTERS[options.index(correct)]
    return BenchmarkItem(
        benchmark=benchmark,
        item_id=record_id,
        question=row["Question"].strip(),
        choices=options,
        reference=letter,
        extra={
            "answer_kind": "choice",
            "correct_text": correct,
            "domain": row.get("High-level domain", ""),
            "subdomain": row.get("Subdomain", ""),
            "solution": row.get("Explanation", "") or "",
        },
    )


def parse_gpqa(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        absent = [c for c in GPQA_COLUMNS if c not in (reader.fieldnames or [])]
        if absent:
            raise BenchmarkError(f"{path}: not a GPQA CSV, columns {absent} are missing")
        for index, row in enumerate(reader):
            yield gpqa_item(row, index, benchmark)


# --- hub rows -> items (real users; never exercised in tests) ---------------------------------


def hub_gsm8k(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    return _gsm8k_item(row, index, benchmark)


def hub_math(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    item = _math_item(row, index, benchmark)
    if config and not row.get("unique_id"):
        return BenchmarkItem(**{**item.__dict__, "item_id": f"{config}/{index}"})
    return item


def hub_theoremqa(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    return _theoremqa_item(row, index, benchmark)


def hub_gpqa(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    return gpqa_item(row, index, benchmark)


def hub_mmlu(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    return _mmlu_item(row, index, benchmark)


def hub_bbh(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    return bbh_item(config or "bbh", row, index)


def hub_arc(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    labels, texts = row["choices"]["label"], row["choices"]["text"]
    answer = row["answerKey"]
    # a few ARC items label options 1-4 instead of A-D
    position = labels.index(answer)
    return BenchmarkItem(
        benchmark=benchmark,
        item_id=str(row.get("id", index)),
        question=row["question"].strip(),
        choices=list(texts),
        reference=LETTERS[position],
        extra={"answer_kind": "choice"},
    )


def hub_svamp(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    body, question = row["Body"].strip(), row["Question"].strip()
    joiner = " " if body.endswith((".", "?", "!")) else ". "
    return BenchmarkItem(
        benchmark=benchmark,
        item_id=str(row.get("ID", index)),
        question=f"{body}{joiner}{question}",
        choices=None,
        reference=number_text(row["Answer"]),
        extra={"answer_kind": "number", "equation": row.get("Equation", "")},
    )


def hub_aqua(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    return BenchmarkItem(
        benchmark=benchmark,
        item_id=str(index),
        question=row["question"].strip(),
        choices=[re.sub(r"^[A-E]\)\s*", "", o).strip() for o in row["options"]],
        reference=str(row["correct"]).strip().upper(),
        extra={"answer_kind": "choice", "solution": row.get("rationale", "")},
    )


