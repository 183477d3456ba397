"""MAmmoTH rationales, the pure parts: which QA pairs have a checkable final answer, the program in
an LLM reply, the verdict on one execution, and hybrid CoT + PoT training examples.

MAmmoTH keeps a program-of-thought rationale only when running it reproduces the reference answer;
MathInstruct marks PoT prompts with "Let's write a program." after the question.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from mammoth_assets.core.answers import Comparison, compare_answers, last_boxed, stated_answer
from mammoth_assets.core.sandbox import ExecutionResult

POT_TRIGGER = "Let's write a program."
VERDICTS = ("verified", "wrong_answer", "no_answer", "execution_failed", "not_executed")

_GSM8K_FINAL = re.compile(r"####\s*(.+?)\s*$", re.DOTALL)
_SHORT_ANSWER_CHARS = 40


def extract_reference_answer(answer_text: str | None) -> tuple[str | None, str]:
    """The final answer of a reference solution and how it was found.

    GSM8K's `#### 72`, then the last `\\boxed{...}`, then "The answer is X" on the last line, then
    the whole answer when it is short (a bare number or expression). Otherwise (None, reason):
    a free-form answer has nothing a program's output could be checked against."""
    text = (answer_text or "").strip()
    if not text:
        return None, "empty answer"
    final = _GSM8K_FINAL.search(text)
    if final and final.group(1).strip():
        value = final.group(1).strip()
        if re.fullmatch(r"-?[\d,]+(\.\d+)?", value):  # "1,200" is a thousands separator here
            value = value.replace(",", "")
        return value, "gsm8k_marker"
    boxed = (last_boxed(text) or "").strip()
    if boxed:
        return boxed, "boxed"
    stated = stated_answer(text.splitlines()[-1].strip())
    if stated and len(stated) <= _SHORT_ANSWER_CHARS:
        return stated, "answer_is"
    if len(text) <= _SHORT_ANSWER_CHARS and "\n" not in text:
        return text.rstrip("."), "short_answer"
    return None, "no checkable final answer (free-form answer)"


_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)(?:```|$)", re.DOTALL | re.IGNORECASE)


def extract_program(text: str | None) -> tuple[str | None, str | None]:
    """(program, None) from an LLM reply, or (None, reason). The first fenced block wins (an
    unclosed fence runs to the end); an unfenced reply counts only if it parses as Python."""
    if not text or not text.strip():
        return None, "empty reply"
    fenced = _FENCE.search(text)
    candidate = fenced.group(1) if fenced else text
    candidate = candidate.strip("\n")
    if not candidate.strip():
        return None, "empty code block"
    try:
        tree = ast.parse(candidate)
    except SyntaxError as error:
        if fenced:  # keep it: executing it records the syntax error as the program's failure
            return candidate + "\n", None
        return None, f"no code block and not Python ({error.msg})"
    if not fenced and not any(isinstance(node, (ast.Assign, ast.Expr, ast.FunctionDef, ast.Import, ast.ImportFrom)) for node in tree.body):
        return None, "no code block"
    return candidate + "\n", None


@dataclass(frozen=True)
class Verdict:
    verdict: str  # one of VERDICTS
    verified: bool
    reason: str | None
    comparison: Comparison | None


def judge_execution(
    result: ExecutionResult,
    reference: str,
    *,
    kind: str = "auto",
    rel_tol: float = 1e-4,
    compare: Callable[..., Comparison] = compare_answers,
) -> Verdict:
    """Whether one execution reproduces the reference answer, and if not, why not."""
    if result.status != "ok":
        return Verdict("execution_failed", False, f"{result.status}: {result.reason}", None)
    if result.answer is None:
        return Verdict("no_answer", False, "the program printed nothing and set no ans/answer/result", None)
    comparison = compare(result.answer, reference, kind=kind, rel_tol=rel_tol)
    if comparison.match:
        return Verdict("verified", True, None, comparison)
    reason = comparison.error or f"{comparison.predicted_normalized!r} != {comparison.reference_normalized!r}"
    return Verdict("wrong_answer", False, f"{comparison.method}: {reason}", comparison)


def cot_messages(question: str, rationale: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": question.strip()}, {"role": "assistant", "content": rationale.strip()}]


def pot_messages(question: str, program: str) -> list[dict[str, str]]:
    return [
        {"role": "user", "content": f"{question.strip()}\n{POT_TRIGGER}"},
        {"role": "assistant", "content": f"```python\n{program.rstrip()}\n```"},
    ]


def program_fingerprint(program: str) -> str:
    """Programs that differ only in comments or blank lines count as one."""
    try:
        return ast.dump(ast.parse(program))
    except SyntaxError:
        return "\n".join(line.rstrip() for line in program.splitlines() if line.strip())


def hybrid_examples(
    examples: Iterable[dict[str, Any]],
    verified_programs: dict[str, list[dict[str, Any]]],
    *,
    include_cot: bool = True,
    max_programs_per_example: int = 1,
) -> list[dict[str, Any]]:
    """Chat-format training rows: each example's own answer as a CoT rationale, plus up to
    `max_programs_per_example` distinct verified programs as PoT rationales.

    `examples` rows need example_id, question, answer; `verified_programs` maps example_id to rows
    with program_id and program (shortest first is kept)."""
    rows: list[dict[str, Any]] = []
    for example in examples:
        question, answer = example["question"], example["answer"]
        if include_cot and answer and answer.strip():
            rows.append(_row(example, "cot", cot_messages(question, answer), None))
        seen: set[str] = set()
        programs = sorted(verified_programs.get(example["example_id"], []), key=lambda p: (len(p["program"]), p["program_id"]))
        for program in programs:
            fingerprint = program_fingerprint(program["program"])
            if fingerprint in seen:
                continue
            seen.add(fingerprint)
            rows.append(_row(example, "pot", pot_messages(question, program["program"]), program["program_id"]))
            if len(seen) >= max_programs_per_example:
                break
    return rows


def _row(example: dict[str, Any], rationale_type: str, messages: list[dict[str, str]], program_id: str | None) -> dict[str, Any]:
    return {
        "example_id": example["example_id"],
        "rationale_type": rationale_type,
        "program_id": program_id,
        "instruction": messages[0]["content"],
        "output": messages[1]["content"],
        "messages": json.dumps(messages, ensure_ascii=False),
    }
