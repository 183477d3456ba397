"""Benchmark grading: pull the final answer out of a completion, then compare it with the reference
through the project's one comparison module (`mammoth_assets.core.answers`).

Extraction order, per completion (after cutting off any few-shot continuation the model wrote):
1. `\\boxed{...}` (the last one) for LaTeX answers (MATH);
2. the text after the last "The answer is" ("So the answer is", "the answer is:", GSM8K's "####");
3. only when no answer was stated: the last number (numeric and LaTeX answers), the last option
   label "(C)" (multiple choice), the last standalone True/False (booleans).
A completion with none of these is *unparsable*: it counts as wrong and is counted separately.
There is no default answer (the reference harness scored unparsable multiple-choice answers as
"A"), and booleans are read as whole words, never by substring.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from mammoth_assets.core import answers
from mammoth_assets.core.answers import last_boxed
from mammoth_assets.core.benchmarks import LETTERS, BenchmarkItem, benchmark_spec

# Bump when extraction or comparison changes: every grade row records it.
GRADER_VERSION = "grading-v1"

# Where a completion that ran past its answer starts the next few-shot turn.
CONTINUATION_MARKERS = (
    "\n\nQ:", "\nQ:", "\n\nQuestion:", "\nQuestion:", "\n\nProblem:", "\nProblem:",
    "\n\n### Instruction", "### Instruction:", "USER:", "[INST]", "<|im_start|>", "<|eot_id|>",
)

_NUMBER = re.compile(
    r"-?\s?\\?\$?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+)?%?|-?\.\d+"
)
_LATEX_FRACTION = re.compile(r"-?\\[dt]?frac\s*\{[^{}]*\}\s*\{[^{}]*\}|-?\\[dt]?frac\d\d")
_OPTION_LABEL = re.compile(r"\(([A-Za-z])\)")
_OPTION_PREFIX = re.compile(r"(?<![A-Za-z0-9])([A-Z])\)")  # AQuA's "B)230"
_LEADING_LETTER = re.compile(r"^\s*(?:option\s+)?\(?([A-Za-z])(?:\)|[.:,]|\s|$)", re.IGNORECASE)
_BOOLEAN_WORD = re.compile(r"\b(true|false|yes|no)\b", re.IGNORECASE)
_LIST = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True)
class Extraction:
    answer: str | None  # the final answer text, None when nothing could be read
    method: str  # boxed | answer_is | last_number | last_option | last_boolean | program | none

    @property
    def parsed(self) -> bool:
        return self.answer is not None


@dataclass(frozen=True)
class Grade:
    extracted: str | None
    extraction_method: str
    correct: bool
    unparsable: bool
    comparison_method: str
    error: str | None = None


def truncate_continuation(completion: str, markers: Sequence[str] = CONTINUATION_MARKERS) -> str:
    """The completion up to the first marker of a new few-shot turn."""
    cut = len(completion)
    for marker in markers:
        index = completion.find(marker)
        if 0 < index < cut:
            cut = index
    return completion[:cut]


def stated_answer(completion: str) -> str | None:
    """Text after the last "the answer is" (or "####"), cleaned; None when there is none."""
    return answers.stated_answer(completion)


def first_number(text: str) -> str | None:
    fraction = _LATEX_FRACTION.search(text)
    number = _NUMBER.search(text)
    if fraction and (number is None or fraction.start() <= number.start()):
        return fraction.group(0)
    return _tidy_number(number.group(0)) if number else None


def last_number(text: str) -> str | None:
    numbers = _NUMBER.findall(text)
    return _tidy_number(numbers[-1]) if numbers else None


def _tidy_number(token: str) -> str:
    return token.replace("\\$", "").replace("$", "").replace(" ", "").strip()


def _numeric_answer(span: str) -> str | None:
    """A stated numeric answer: the whole span when it is a number ("50%", "\\frac{1}{2}",
    "$1,000"), else the first number in it ("18 dollars", "x = 5")."""
    if answers.parse_number(span) is not None:
        return span
    boxed = last_boxed(span)
    if boxed is not None and answers.parse_number(boxed) is not None:
        return boxed
    if "=" in span:  # "x = 5": the right-hand side
        right = span.rsplit("=", 1)[1].strip()
        if answers.parse_number(right) is not None:
            return right
    return first_number(span)


def _choice_answer(span: str, choices: Sequence[str] | None) -> str | None:
    """The option letter a stated answer gives: "(B)", "B", "B) text", or an option's own text."""
    label = _OPTION_LABEL.search(span) or _OPTION_PREFIX.search(span)
    if label:
        return label.group(1).upper()
    leading = _LEADING_LETTER.match(span)
    if leading and (len(span.strip()) <= 3 or span.strip()[1:2] in (")", ".", ":", ",", " ")):
        letter = leading.group(1)
        valid = LETTERS[: len(choices)] if choices else LETTERS
        # "a" or "I" starting a sentence is a word, not an option, unless it is all there is
        alone = len(span.strip().strip("().:")) == 1
        if (letter.isupper() and letter in valid and (letter != "I" or alone)) or alone:
            return letter.upper()
    if choices:
        normalized = answers.normalize_answer_text(span)
        for index, choice in enumerate(choices):
            if normalized and normalized == answers.normalize_answer_text(choice):
                return LETTERS[index]
    return None


def _list_answer(span: str) -> str | None:
    bracketed = _LIST.search(span)
    if bracketed:
        return "[" + bracketed.group(1).strip() + "]"
    numbers = _NUMBER.findall(span)
    if numbers:
        return "[" + ", ".join(_tidy_number(n) for n in numbers) + "]"
    return None


def _boolean_answer(span: str) -> str | None:
    word = _BOOLEAN_WORD.search(span)
    if word is None:
        return None
    return "True" if word.group(1).lower() in ("true", "yes") else "False"


def extract_answer(
    completion: str | None,
    *,
    answer_kind: str,
    choices: Sequence[str] | None = None,
    markers: Sequence[str] = CONTINUATION_MARKERS,
) -> Extraction:
    """The final answer a completion gives, read according to the reference's `answer_kind`
    (number, latex, choice, boolean, list, text, auto)."""
    if not completion or not completion.strip():
        return Extraction(None, "none")
    text = truncate_continuation(completion, markers)
    if answer_kind == "latex":
        boxed = last_boxed(text)
        if boxed is not None and boxed.strip():
            return Extraction(boxed.strip(), "boxed")
    span = stated_answer(text)
    if span is not None:
        read = _read_span(span, answer_kind, choices)
        return Extraction(read, "answer_is" if read is not None else "none")
    return _fallback(text, answer_kind, choices)


def _read_span(span: str, answer_kind: str, choices: Sequence[str] | None) -> str | None:
    if answer_kind == "number":
        return _numeric_answer(span)
    if answer_kind == "choice":
        return _choice_answer(span, choices)
    if answer_kind == "boolean":
        return _boolean_answer(span)
    if answer_kind == "list":
        return _list_answer(span)
    if answer_kind == "latex":
        return last_boxed(span) or span
    return span  # text, auto


def _fallback(text: str, answer_kind: str, choices: Sequence[str] | None) -> Extraction:
    if answer_kind in ("number", "latex"):
        number = last_number(text)
        return Extraction(number, "last_number") if number else Extraction(None, "none")
    if answer_kind == "choice":
        labels = [m.group(1).upper() for m in _OPTION_LABEL.finditer(text)]
        valid = set(LETTERS[: len(choices)]) if choices else set(LETTERS[:10])
        labels = [label for label in labels if label in valid]
        return Extraction(labels[-1], "last_option") if labels else Extraction(None, "none")
    if answer_kind == "boolean":
        words = re.findall(r"\b(True|False)\b", text)
        return Extraction(words[-1], "last_boolean") if words else Extraction(None, "none")
    if answer_kind == "list":
        found = _list_answer(text.strip().splitlines()[-1]) if text.strip() else None
        return Extraction(found, "last_line") if found else Extraction(None, "none")
    return Extraction(None, "none")


def _split_list(text: str) -> list[str]:
    inner = text.strip().strip("[]()").strip()
    return [part.strip() for part in inner.split(",") if part.strip()] if inner else []


def compare_extracted(
    extracted: str, reference: str, *, answer_kind: str, timeout_s: float = 5.0
) -> answers.Comparison:
    """Equivalence of an extracted answer and the reference, delegated to `answers`."""
    if answer_kind == "list":
        predicted_items, reference_items = _split_list(extracted), _split_list(reference)
        if len(predicted_items) != len(reference_items):
            return answers.Comparison(False, "list", extracted, reference, None)
        match = all(
            answers.answers_match(p, r, kind="number", timeout_s=timeout_s)
            for p, r in zip(predicted_items, reference_items)
        )
        return answers.Comparison(match, "list", extracted, reference, None)
    if answer_kind == "choice" and not (set(extracted + reference) <= set(_COMPARABLE_LETTERS)):
        # BBH has up to 18 options (A-R); the comparison module reads letters A-J only. Both sides
        # are single upper-case letters by now, so text equality is the same question.
        return answers.compare_answers(extracted, reference, kind="text", timeout_s=timeout_s)
    if answer_kind == "latex":
        comparison = answers.compare_answers(
            as_math(extracted), as_math(reference), kind="latex", timeout_s=timeout_s
        )
        if comparison.error and "not parsable" in comparison.error:
            # math-verify cannot read one side (plain words like "Sunday"): compare the text
            return answers.compare_answers(extracted, reference, kind="text", timeout_s=timeout_s)
        return comparison
    return answers.compare_answers(extracted, reference, kind=answer_kind, timeout_s=timeout_s)


_COMPARABLE_LETTERS = "ABCDEFGHIJ"
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")


def as_math(text: str) -> str:
    """LaTeX in math delimiters: math-verify only reads LaTeX inside `$...$` or `\\boxed{}`."""
    stripped = text.strip()
    if _UNESCAPED_DOLLAR.search(stripped) or stripped.startswith(("\\(", "\\[", "\\boxed")):
        return stripped
    return f"${stripped}$"


def grade_completion(
    completion: str | None,
    reference: str,
    *,
    answer_kind: str,
    choices: Sequence[str] | None = None,
    timeout_s: float = 5.0,
) -> Grade:
    """Extract, then compare. Unparsable completions are wrong and flagged `unparsable`."""
    extraction = extract_answer(completion, answer_kind=answer_kind, choices=choices)
    return grade_extraction(extraction, reference, answer_kind=answer_kind, timeout_s=timeout_s)


def grade_extraction(
    extraction: Extraction, reference: str, *, answer_kind: str, timeout_s: float = 5.0
) -> Grade:
    if extraction.answer is None:
        return Grade(None, extraction.method, False, True, "none", "no answer found in completion")
    comparison = compare_extracted(
        extraction.answer, reference, answer_kind=answer_kind, timeout_s=timeout_s
    )
    return Grade(
        extraction.answer, extraction.method, comparison.match, False, comparison.method,
        comparison.error,
    )


def grade_item(item: BenchmarkItem, completion: str | None, *, timeout_s: float = 5.0) -> Grade:
    return grade_completion(
        completion, item.reference, answer_kind=item.answer_kind, choices=item.choices,
        timeout_s=timeout_s,
    )


def program_answer_text(program_output: str | None) -> str | None:
    """What a PoT program's printed output states as its answer: the last non-empty line."""
    if program_output is None:
        return None
    lines = [line.strip() for line in program_output.strip().splitlines() if line.strip()]
    return lines[-1] if lines else None


def grade_program_output(
    program_output: str | None,
    reference: str,
    *,
    answer_kind: str,
    choices: Sequence[str] | None = None,
    timeout_s: float = 5.0,
) -> Grade:
    """Grade a hybrid-decoding program's output as if the model had written "The answer is X"."""
    answer = program_answer_text(program_output)
    if answer is None:
        return Grade(None, "program", False, True, "none", "program printed nothing")
    read = _read_span(answers.clean_stated_span(answer), answer_kind, choices)
    return grade_extraction(
        Extraction(read, "program" if read is not None else "none"), reference,
        answer_kind=answer_kind, timeout_s=timeout_s,
    )


@dataclass(frozen=True)
class Accuracy:
    n: int
    correct: int
    unparsable: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0

    @property
    def unparsable_rate(self) -> float:
        return self.unparsable / self.n if self.n else 0.0


def summarize(grades: Iterable[Grade]) -> Accuracy:
    grades = list(grades)
    return Accuracy(
        n=len(grades),
        correct=sum(g.correct for g in grades),
        unparsable=sum(g.unparsable for g in grades),
    )


def render_reference_answer(item: BenchmarkItem) -> str:
    """The reference written as a model should write it: "The answer is X." (choices as "(X)")."""
    if item.answer_kind == "choice":
        return f"The answer is ({item.reference})."
    return f"The answer is {item.reference}."


_CHOICE_REFERENCE = re.compile(r"^\(?([A-Za-z])\)?$")


def infer_answer_kind(benchmark: str, reference: str) -> str:
    """How a bare reference of `benchmark` compares, for predictions files that carry only
    `completion` and `reference` (the loaders record the kind on every item)."""
    spec = benchmark_spec(benchmark)
    if spec.answer_kind is not None:
        return spec.answer_kind
    text = str(reference).strip()
    if text in ("True", "False"):
        return spec.true_false_kind
    if _CHOICE_REFERENCE.match(text) and (text.startswith("(") or not spec.free_text):
        return "choice"
    if text.startswith("[") and text.endswith("]"):
        return "list"
    if answers.parse_number(text) is not None:
        return "number"
    return "text" if spec.free_text else "auto"


def normalize_reference(reference: str, answer_kind: str) -> str:
    """"(B)" -> "B" for choice references; other references unchanged."""
    text = str(reference).strip()
    if answer_kind == "choice":
        match = _CHOICE_REFERENCE.match(text)
        if match:
            return match.group(1).upper()
    return text


def grade_generation(row: Mapping[str, Any], *, timeout_s: float = 5.0) -> Grade:
    """Grade one stored generation: a hybrid-decoding program's output when the program answered
    (`mode` pot), else the CoT completion."""
    choices = json.loads(row["choices"]) if row["choices"] else None
    if row["mode"] == "pot":
        return grade_program_output(
            row["program_output"], row["reference"], answer_kind=row["answer_kind"],
            choices=choices, timeout_s=timeout_s)
    return grade_completion(
        row["completion"], row["reference"], answer_kind=row["answer_kind"], choices=choices,
        timeout_s=timeout_s)


def grade_rows(generations: Iterable[Mapping[str, Any]], *, workers: int = 2,
               timeout_s: float = 5.0) -> list[dict[str, Any]]:
    """One grade row per stored generation row, in order; LaTeX comparisons run in `workers`
    math-verify processes at once."""
    source = list(generations)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        grades = list(pool.map(lambda row: grade_generation(row, timeout_s=timeout_s), source))
    return [
        {
            **{key: row[key] for key in ("partition", "checkpoint", "benchmark", "item_index",
                                         "item_id", "mode", "reference", "answer_kind")},
            "extracted": grade.extracted,
            "extraction_method": grade.extraction_method,
            "correct": grade.correct,
            "unparsable": grade.unparsable,
            "comparison_method": grade.comparison_method,
            "grade_error": grade.error,
            "generation_error": row["error"],
            "prompt_hash": row["prompt_hash"],
            "grader_version": GRADER_VERSION,
        }
        for row, grade in zip(source, grades)
    ]
