"""The decisions of the rationales stages, row by row: which examples are prompted for programs or
skipped (and why), what one LLM reply becomes (a program, or no program / llm error with the
reason), and what one sandbox execution becomes (verified, or dropped with the verdict and reason).

Plain data in and out: a reply is anything with `ok`, `text`, `error`, `model_id`, token counts and
`cached` (the LLM layer's response fits); executions come from `core.sandbox`.
"""

from __future__ import annotations

from typing import Any, Iterable, Protocol

from mammoth_assets.core.decisions import KEEP, drop
from mammoth_assets.core.rationales import extract_program, extract_reference_answer, judge_execution
from mammoth_assets.core.sandbox import SandboxLimits, run_programs

STORED_OUTPUT_CHARS = 4000
SKIPPED, GENERATED, NO_PROGRAM, LLM_ERROR = "skipped", "generated", "no_program", "llm_error"
NOT_EXECUTED = "not_executed"


class Reply(Protocol):
    ok: bool
    text: str | None
    error: str | None
    model_id: str
    prompt_tokens: int
    completion_tokens: int
    cached: bool


def split_candidates(candidates: Iterable[dict[str, Any]], instruction_set: str,
                     skip_coding: bool) -> tuple[list[dict], list[dict]]:
    """Candidates (example_id, question, answer, is_coding) split into (prompted, skipped) rows;
    skipped rows say why: an empty question, a coding task, or no checkable reference answer."""
    prompted, skipped = [], []
    for row in candidates:
        base = {"instruction_set": instruction_set, "example_id": row["example_id"], "question": row["question"]}
        reference, source = extract_reference_answer(row["answer"])
        if not (row["question"] or "").strip():
            skipped.append(_skipped(base, "empty question"))
        elif skip_coding and row["is_coding"]:
            skipped.append(_skipped(base, "coding task: the answer is code, not a checkable value"))
        elif reference is None:
            skipped.append(_skipped(base, source))
        else:
            prompted.append(base | {"reference_answer": reference, "reference_source": source})
    return prompted, skipped


def _skipped(base: dict[str, Any], reason: str) -> dict[str, Any]:
    return base | {"program_id": f"{base['example_id']}:skipped", "status": SKIPPED, "reason": reason}


def program_rows(prompted: list[dict], replies: list[Reply], k: int) -> list[dict]:
    """One row per reply (k per prompted example, in order): the program, or why there is none."""
    rows = []
    for position, reply in enumerate(replies):
        base, sample_index = prompted[position // k], position % k
        row = base | {
            "program_id": f"{base['example_id']}:pot:{sample_index}",
            "sample_index": sample_index,
            "raw_text": reply.text,
            "model_id": reply.model_id,
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "cached": reply.cached,
        }
        if not reply.ok:
            rows.append(row | {"status": LLM_ERROR, "reason": reply.error or "no text"})
            continue
        program, reason = extract_program(reply.text)
        if program is None:
            rows.append(row | {"status": NO_PROGRAM, "reason": reason})
        else:
            rows.append(row | {"status": GENERATED, "program": program})
    return rows


def execution_rows(batch: list[dict[str, Any]], limits: SandboxLimits, limits_json: str, *,
                   workers: int | None, answer_kind: str, rel_tol: float) -> list[dict[str, Any]]:
    """One record per pot_programs row: executed in the sandbox and judged against the reference,
    or `not_executed` with the reason (no program was generated). Its `decision` (the
    `verified_rationales` decision stage) is `kept` when verified, else the verdict."""
    runnable = [row for row in batch if row["status"] == GENERATED and row["program"]]
    results = run_programs([row["program"] for row in runnable], workers=workers, limits=limits)
    executed = {row["program_id"]: result for row, result in zip(runnable, results)}
    records = []
    for row in batch:
        base = {
            "instruction_set": row["instruction_set"], "program_id": row["program_id"],
            "example_id": row["example_id"], "sample_index": row["sample_index"],
            "program": row["program"], "reference_answer": row["reference_answer"],
        }
        result = executed.get(row["program_id"])
        if result is None:
            detail = f"pot_programs {row['status']}: {row['reason'] or 'no program'}"
            records.append(base | {"verdict": NOT_EXECUTED, "verified": False, **drop(NOT_EXECUTED, detail).columns()})
            continue
        verdict = judge_execution(result, row["reference_answer"], kind=answer_kind, rel_tol=rel_tol)
        comparison = verdict.comparison
        decision = KEEP if verdict.verified else drop(verdict.verdict, verdict.reason or "")
        records.append(base | {
            "limits": limits_json, "isolation": result.isolation, "status": result.status,
            "exit_code": result.exit_code,
            "stdout": result.stdout[:STORED_OUTPUT_CHARS],
            "stderr": result.stderr[-STORED_OUTPUT_CHARS:],
            "output_truncated": result.stdout_truncated or result.stderr_truncated
            or len(result.stdout) > STORED_OUTPUT_CHARS or len(result.stderr) > STORED_OUTPUT_CHARS,
            "answer": result.answer, "answer_source": result.answer_source,
            "comparison_method": comparison.method if comparison else None,
            "predicted_normalized": comparison.predicted_normalized if comparison else None,
            "reference_normalized": comparison.reference_normalized if comparison else None,
            "verdict": verdict.verdict, "verified": verdict.verified, **decision.columns(),
            "duration_s": result.duration_s,
        })
    return records
