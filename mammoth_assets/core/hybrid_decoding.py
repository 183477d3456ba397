"""MAmmoTH's hybrid decoding at evaluation time: ask for a program first (PoT); an item whose
program ran in the sandbox and printed an answer is answered by the program, every other item falls
back to chain-of-thought (CoT). Plain data in and out: the caller generates and runs the programs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mammoth_assets.core.grading import program_answer_text

NO_PROGRAM = "no_program"


def pot_attempts(programs: Sequence[str | None], completions: Sequence[str | None],
                 errors: Sequence[str | None], executed: Mapping[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """One record per PoT completion: its sandbox run (keyed by completion index) with the program,
    or `no_program` with the LLM error when no program was found; each keeps its completion."""
    attempts = {}
    for index, (program, completion, error) in enumerate(zip(programs, completions, errors)):
        run = executed.get(index)
        if run is None:
            attempt = {"status": NO_PROGRAM, "ok": False, "stdout": None, "error": error, "program": None}
        else:
            attempt = {**run, "program": program}
        attempts[index] = {**attempt, "completion": completion}
    return attempts


def answered_by_program(attempts: Mapping[int, dict[str, Any]]) -> list[int]:
    """Indices the program answers: it ran ok and printed an answer. The rest fall back to CoT."""
    return [index for index, attempt in attempts.items()
            if attempt["ok"] and program_answer_text(attempt["stdout"]) is not None]


def cot_fallback(items: Sequence[Any], answered: Sequence[int]) -> list[Any]:
    """The items that go to chain-of-thought: every item no program answered, in order."""
    done = set(answered)
    return [item for index, item in enumerate(items) if index not in done]
