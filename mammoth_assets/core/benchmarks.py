"""Benchmark loaders: one `BenchmarkItem` shape for every evaluation set.

Each benchmark is read from a local directory laid out like `../shared/data/benchmarks` (the
upstream repositories' own files, unchanged), or, for real users without such a directory, from
the Hugging Face hub by dataset id. Every item carries what the grader needs in `extra`:
`answer_kind` (how the reference is compared), plus per-benchmark fields (BBH task, MMLU subject,
TheoremQA answer type, the worked solution where the data has one).

GPQA's authors ask that it not be posted in plain text, so it is read from the official CSV
(`gpqa_diamond.csv`) the user downloads. Its options are shuffled with a fixed seed per item
(derived from the record id), so every run and every checkpoint sees the same order.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from mammoth_assets import paths

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# The seven benchmarks of the MAmmoTH2 paper's main table, in its column order.
PAPER_BENCHMARKS = ("theoremqa", "math", "gsm8k", "gpqa", "mmlu_stem", "bbh", "arc_challenge")
# MAmmoTH's additional math sets.
MAMMOTH_BENCHMARKS = ("svamp", "aqua", "numglue", "simuleq", "deepmind", "sat_math", "mmlu_math")


class BenchmarkError(ValueError):
    """A benchmark name, file or row that cannot be loaded (the message says which and why)."""


@dataclass(frozen=True)
class BenchmarkItem:
    benchmark: str
    item_id: str
    question: str  # the question stem, without the options
    choices: list[str] | None  # option texts in display order (letters A, B, ... by position)
    reference: str  # the gold answer as text: a number, LaTeX, a letter, True/False, a list
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def answer_kind(self) -> str:
        return self.extra.get("answer_kind", "auto")

    def __hash__(self) -> int:  # dataclass(frozen) cannot hash the list/dict fields
        return hash((self.benchmark, self.item_id))


@dataclass(frozen=True)
class HubSource:
    """Where a benchmark lives on the Hugging Face hub (the real-user path)."""

    dataset_id: str
    configs: tuple[str | None, ...] = (None,)
    splits: dict[str, str] = field(default_factory=dict)  # our split name -> hub split name


@dataclass(frozen=True)
class BenchmarkSpec:
    name: str
    shots: int  # the paper's few-shot count
    local_paths: dict[str, tuple[str, ...]]  # split -> candidate paths under the root
    parse_local: Callable[[Path, str], Iterable[BenchmarkItem]]
    hub: HubSource | None = None
    parse_hub_row: Callable[[dict[str, Any], str, int, str | None], BenchmarkItem] | None = None
    description: str = ""


# --- small helpers ----------------------------------------------------------------------------


def _read_json_or_jsonl(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        return json.loads(text)
    rows = []
    for line_no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise BenchmarkError(f"{path}:{line_no}: not valid JSON ({error})") from error
    return rows


def number_text(value: Any) -> str:
    """A numeric reference as plain text: 51.0 -> "51", "1,234" -> "1234", 0.25 -> "0.25"."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value).strip().replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() and "e" not in text.lower() else text


def split_inline_choices(
    text: str, marker: str, labels: str = LETTERS
) -> tuple[str, list[str]] | None:
    """Split "stem <marker> (A) x (B) y" into ("stem", ["x", "y"]); None when there is no marker
    or no "(A)". Labels are searched in sequence, so "(g)" or "(2)" inside an option is kept."""
    index = text.rfind(marker)
    if index < 0:
        return None
    stem, options = text[:index].rstrip(), text[index + len(marker):]
    starts: list[tuple[int, int]] = []  # (label start, text start) per option
    position = 0
    for label in labels:
        match = re.compile(r"(?:^|(?<=\s))\(" + re.escape(label) + r"\)\s*:?\s*").search(
            options, position
        )
        if match is None:
            break
        starts.append((match.start(), match.end()))
        position = match.end()
    if not starts:
        return None
    ends = [start for start, _ in starts[1:]] + [len(options)]
    return stem, [options[begin:end].strip() for (_, begin), end in zip(starts, ends)]


def last_boxed(text: str) -> str | None:
    """Content of the last `\\boxed{...}` (or `\\fbox{...}`) in `text`, braces balanced."""
    start = max(text.rfind("\\boxed"), text.rfind("\\fbox"))
    if start < 0:
        return None
    brace = text.find("{", start)
    if brace < 0:
        # "\boxed 5" form
        tail = text[start + len("\\boxed"):].strip()
        return tail.split("$")[0].strip() or None
    depth = 0
    for index in range(brace, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[brace + 1 : index]
    return None


def stable_seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


# --- per-benchmark parsers --------------------------------------------------------------------


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


def _parse_gsm8k(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(_read_json_or_jsonl(path)):
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


def _parse_math(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(_read_json_or_jsonl(path)):
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


def _parse_theoremqa(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(_read_json_or_jsonl(path)):
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


def _parse_mmlu(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(_read_json_or_jsonl(path)):
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


def _parse_bbh(directory: Path, benchmark: str) -> Iterable[BenchmarkItem]:
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


def _parse_arc(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(_read_json_or_jsonl(path)):
        yield _arc_item(row, index, benchmark)


def _parse_svamp(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(_read_json_or_jsonl(path)):
        yield _hub_svamp(row, benchmark, index, None)


def _parse_aqua(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(_read_json_or_jsonl(path)):
        yield _hub_aqua(row, benchmark, index, None)


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


def _parse_answer_choices(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    for index, row in enumerate(_read_json_or_jsonl(path)):
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


def _parse_gpqa(path: Path, benchmark: str) -> Iterable[BenchmarkItem]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        absent = [c for c in GPQA_COLUMNS if c not in (reader.fieldnames or [])]
        if absent:
            raise BenchmarkError(f"{path}: not a GPQA CSV, columns {absent} are missing")
        for index, row in enumerate(reader):
            yield gpqa_item(row, index, benchmark)


# --- hub rows -> items (real users; never exercised in tests) ---------------------------------


def _hub_gsm8k(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    return _gsm8k_item(row, index, benchmark)


def _hub_math(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    item = _math_item(row, index, benchmark)
    if config and not row.get("unique_id"):
        return BenchmarkItem(**{**item.__dict__, "item_id": f"{config}/{index}"})
    return item


def _hub_theoremqa(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    return _theoremqa_item(row, index, benchmark)


def _hub_gpqa(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    return gpqa_item(row, index, benchmark)


def _hub_mmlu(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    return _mmlu_item(row, index, benchmark)


def _hub_bbh(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    return bbh_item(config or "bbh", row, index)


def _hub_arc(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
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


def _hub_svamp(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
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


def _hub_aqua(row: dict, benchmark: str, index: int, config: str | None) -> BenchmarkItem:
    return BenchmarkItem(
        benchmark=benchmark,
        item_id=str(index),
        question=row["question"].strip(),
        choices=[re.sub(r"^[A-E]\)\s*", "", o).strip() for o in row["options"]],
        reference=str(row["correct"]).strip().upper(),
        extra={"answer_kind": "choice", "solution": row.get("rationale", "")},
    )


BBH_TASKS = (
    "boolean_expressions", "causal_judgement", "date_understanding", "disambiguation_qa",
    "dyck_languages", "formal_fallacies", "geometric_shapes", "hyperbaton",
    "logical_deduction_five_objects", "logical_deduction_seven_objects",
    "logical_deduction_three_objects", "movie_recommendation", "multistep_arithmetic_two",
    "navigate", "object_counting", "penguins_in_a_table", "reasoning_about_colored_objects",
    "ruin_names", "salient_translation_error_detection", "snarks", "sports_understanding",
    "temporal_sequences", "tracking_shuffled_objects_five_objects",
    "tracking_shuffled_objects_seven_objects", "tracking_shuffled_objects_three_objects",
    "web_of_lies", "word_sorting",
)
MATH_SUBJECTS = ("algebra", "counting_and_probability", "geometry", "intermediate_algebra",
                 "number_theory", "prealgebra", "precalculus")

_MAMMOTH2 = "TIGER-AI-Lab__MAmmoTH2/math_eval/dataset"
_HARNESS = "ZubinGou__math-evaluation-harness/data"

BENCHMARKS: dict[str, BenchmarkSpec] = {
    spec.name: spec
    for spec in (
        BenchmarkSpec(
            "gsm8k", 4,
            {"test": ("openai__grade-school-math/grade_school_math/data/test.jsonl",
                      f"{_MAMMOTH2}/gsm8k/gsm8k.jsonl", "gsm8k/test.jsonl"),
             "train": ("openai__grade-school-math/grade_school_math/data/train.jsonl",
                       "gsm8k/train.jsonl")},
            _parse_gsm8k, HubSource("openai/gsm8k", ("main",)), _hub_gsm8k,
            "Grade-school math word problems (1,319 test)."),
        BenchmarkSpec(
            "math", 4,
            {"test": (f"{_HARNESS}/math/test.jsonl", "math/test.jsonl"),
             "train": (f"{_HARNESS}/math/train.jsonl", "math/train.jsonl")},
            _parse_math, HubSource("EleutherAI/hendrycks_math", MATH_SUBJECTS), _hub_math,
            "Competition math (Hendrycks MATH, 5,000 test), answers in \\boxed{}."),
        BenchmarkSpec(
            "math500", 4,
            {"test": (f"{_HARNESS}/math_oai/test.jsonl", "math500/test.jsonl")},
            _parse_math, HubSource("HuggingFaceH4/MATH-500"), _hub_math,
            "MATH-500, the PRM800K subset of MATH test."),
        BenchmarkSpec(
            "theoremqa", 5,
            {"test": ("wenhuchen__TheoremQA/theoremqa_test.json",
                      f"{_MAMMOTH2}/theoremqa/theoremqa_test.json", "theoremqa/test.json")},
            _parse_theoremqa, HubSource("TIGER-Lab/TheoremQA"), _hub_theoremqa,
            "Theorem-driven STEM questions (800), typed answers (number, bool, list, option)."),
        BenchmarkSpec(
            "gpqa", 5,
            {"test": ("gpqa/gpqa_diamond.csv", "gpqa_diamond.csv",
                      "idavidrein__gpqa/dataset/gpqa_diamond.csv", "dataset/gpqa_diamond.csv"),
             "train": ("gpqa/gpqa_main.csv", "gpqa_main.csv",
                       "idavidrein__gpqa/dataset/gpqa_main.csv", "dataset/gpqa_main.csv")},
            _parse_gpqa, HubSource("Idavidrein/gpqa", ("gpqa_diamond",), {"test": "train"}),
            _hub_gpqa, "GPQA diamond (198), official CSV; options shuffled with a per-item seed."),
        BenchmarkSpec(
            "mmlu_stem", 5,
            {"test": (f"{_HARNESS}/mmlu_stem/test.jsonl", "mmlu_stem/test.jsonl")},
            _parse_mmlu, HubSource("TIGER-Lab/MMLU-STEM"), _hub_mmlu,
            "The STEM subjects of MMLU (3,018)."),
        BenchmarkSpec(
            "bbh", 3,
            {"test": ("suzgunmirac__BIG-Bench-Hard/bbh", "bbh")},
            _parse_bbh, HubSource("lukaemon/bbh", BBH_TASKS), _hub_bbh,
            "BIG-Bench Hard, all 27 tasks (250 items each but 3 smaller)."),
        BenchmarkSpec(
            "arc_challenge", 8,
            {"test": (f"{_MAMMOTH2}/arc/challenge.json", "arc_challenge/test.json")},
            _parse_arc, HubSource("allenai/ai2_arc", ("ARC-Challenge",)), _hub_arc,
            "AI2 Reasoning Challenge, challenge set (1,172 test)."),
        BenchmarkSpec(
            "svamp", 4, {"test": (f"{_MAMMOTH2}/SVAMP/SVAMP.json", "svamp/test.json")},
            _parse_svamp, HubSource("ChilleD/SVAMP"), _hub_svamp, "SVAMP (1,000)."),
        BenchmarkSpec(
            "aqua", 4, {"test": (f"{_MAMMOTH2}/AQuA/AQuA.json", "aqua/test.json")},
            _parse_aqua, HubSource("deepmind/aqua_rat", ("raw",)), _hub_aqua,
            "AQuA-RAT algebra word problems with options (254)."),
        BenchmarkSpec(
            "numglue", 4, {"test": (f"{_MAMMOTH2}/numglue/numglue.json", "numglue/test.json")},
            _parse_answer_choices, description="NumGLUE (1,042, MAmmoTH's selection)."),
        BenchmarkSpec(
            "simuleq", 4, {"test": (f"{_MAMMOTH2}/simuleq/simuleq.json", "simuleq/test.json")},
            _parse_answer_choices, description="SimulEq linear systems (514)."),
        BenchmarkSpec(
            "deepmind", 4,
            {"test": (f"{_MAMMOTH2}/deepmind/deepmind.json", "deepmind/test.json")},
            _parse_answer_choices, description="DeepMind Mathematics (1,000 sampled)."),
        BenchmarkSpec(
            "sat_math", 4, {"test": (f"{_MAMMOTH2}/sat/sat.json", "sat_math/test.json")},
            _parse_answer_choices, description="SAT-Math with options (220)."),
        BenchmarkSpec(
            "mmlu_math", 5,
            {"test": (f"{_MAMMOTH2}/mmlu/mathematics.json", "mmlu_math/test.json")},
            _parse_mmlu, description="MMLU mathematics subjects (974)."),
    )
}

SUPPORTED_BENCHMARKS = tuple(BENCHMARKS)


def benchmark_spec(name: str) -> BenchmarkSpec:
    try:
        return BENCHMARKS[name]
    except KeyError:
        raise BenchmarkError(
            f"unknown benchmark {name!r}; supported: {', '.join(SUPPORTED_BENCHMARKS)}"
        ) from None


def default_root() -> Path | None:
    root = paths.shared_data_dir() / "benchmarks"
    return root if root.exists() else None


def local_path(name: str, root: Path, split: str = "test") -> Path | None:
    """The first candidate file (or directory) of `name`/`split` that exists under `root`."""
    for candidate in benchmark_spec(name).local_paths.get(split, ()):
        path = Path(root) / candidate
        if path.exists():
            return path
    return None


def available_benchmarks(root: Path | None = None) -> list[str]:
    """Benchmarks loadable from `root` (default: the shared benchmark directory). Without any
    local directory, the benchmarks that have a Hugging Face hub source."""
    root = Path(root) if root is not None else default_root()
    if root is None:
        return [name for name, spec in BENCHMARKS.items() if spec.hub is not None]
    return [name for name in BENCHMARKS if local_path(name, root) is not None]


def load_benchmark(
    name: str, root: Path | None = None, *, split: str = "test", limit: int | None = None
) -> list[BenchmarkItem]:
    """Items of benchmark `name` in file order (the first `limit` when given).

    `root=None` reads `<shared data>/benchmarks` when it exists, else the Hugging Face hub."""
    spec = benchmark_spec(name)
    if limit is not None and limit < 0:
        raise BenchmarkError(f"limit must be >= 0, got {limit}")
    explicit_root = root is not None
    root = Path(root) if explicit_root else default_root()
    if root is not None:
        path = local_path(name, root, split)
        if path is not None:
            return _take(spec.parse_local(path, name), limit)
        if explicit_root or split != "test":
            tried = ", ".join(spec.local_paths.get(split, ())) or "(none known)"
            raise BenchmarkError(f"{name} split {split!r} not found under {root}; tried {tried}")
    return load_from_hub(name, split=split, limit=limit)


def load_from_hub(name: str, *, split: str = "test", limit: int | None = None) -> list[BenchmarkItem]:
    """Read a benchmark from the Hugging Face hub (needs network; gated sets need a token)."""
    spec = benchmark_spec(name)
    if spec.hub is None or spec.parse_hub_row is None:
        raise BenchmarkError(
            f"{name} has no Hugging Face source; pass root= a directory holding "
            f"{' or '.join(spec.local_paths['test'])}"
        )
    import datasets  # heavy import, only on this path

    items: list[BenchmarkItem] = []
    hub_split = spec.hub.splits.get(split, split)
    for config in spec.hub.configs:
        try:
            rows = datasets.load_dataset(spec.hub.dataset_id, config, split=hub_split)
        except Exception as error:  # offline, gated, renamed: say which dataset and why
            raise BenchmarkError(
                f"{name}: could not load {spec.hub.dataset_id!r} (config {config!r}, split "
                f"{hub_split!r}) from the Hugging Face hub: {type(error).__name__}: {error}"
            ) from error
        for index, row in enumerate(rows):
            items.append(spec.parse_hub_row(dict(row), name, index, config))
            if limit is not None and len(items) >= limit:
                return items
    return items


def _take(items: Iterable[BenchmarkItem], limit: int | None) -> list[BenchmarkItem]:
    out: list[BenchmarkItem] = []
    for item in items:
        if limit is not None and len(out) >= limit:
            break
        out.append(item)
    return out
