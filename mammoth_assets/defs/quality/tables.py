"""Schemas of the quality tables and small metadata helpers."""

from __future__ import annotations

import polars as pl

EXAMPLE_SCHEMA = {
    "instruction_set": pl.Utf8,
    "example_id": pl.Utf8,
    "position": pl.Int64,
    "instruction": pl.Utf8,
    "input": pl.Utf8,
    "output": pl.Utf8,
    "category": pl.Utf8,
    "source": pl.Utf8,
    "is_coding": pl.Boolean,
    "status": pl.Utf8,
    "reason": pl.Utf8,
}

SCORE_SCHEMA = {
    "instruction_set": pl.Utf8,
    "example_id": pl.Utf8,
    "score": pl.Float64,
    "parse_status": pl.Utf8,  # first_line | pattern | failed | llm_error
    "parse_error": pl.Utf8,
    "raw_text": pl.Utf8,
    "rater_model": pl.Utf8,
    "dimension": pl.Utf8,
    "prompt_version": pl.Utf8,
    "cache_key": pl.Utf8,
    "cached": pl.Boolean,
    "prompt_tokens": pl.Int64,
    "completion_tokens": pl.Int64,
}

ANSWER_SCHEMA = {
    "comparison": pl.Utf8,
    "test_set": pl.Utf8,
    "item_id": pl.Utf8,
    "position": pl.Int64,
    "instruction": pl.Utf8,
    "input": pl.Utf8,
    "model_role": pl.Utf8,  # a | b
    "model_label": pl.Utf8,
    "model_id": pl.Utf8,
    "temperature": pl.Float64,
    "seed": pl.Int64,
    "answer": pl.Utf8,
    "status": pl.Utf8,  # ok | failed
    "error": pl.Utf8,
    "prompt_version": pl.Utf8,
    "cache_key": pl.Utf8,
    "cached": pl.Boolean,
    "completion_tokens": pl.Int64,
}

VERDICT_SCHEMA = {
    "comparison": pl.Utf8,
    "test_set": pl.Utf8,
    "item_id": pl.Utf8,
    "model_a": pl.Utf8,
    "model_b": pl.Utf8,
    "judge_model": pl.Utf8,
    "a_first_score_a": pl.Float64,  # judgement with model A's answer shown first
    "a_first_score_b": pl.Float64,
    "b_first_score_a": pl.Float64,  # judgement with model B's answer shown first
    "b_first_score_b": pl.Float64,
    "a_first_outcome": pl.Utf8,  # from model A's side: win | tie | lose
    "b_first_outcome": pl.Utf8,
    "verdict": pl.Utf8,  # win | tie | lose (for model A), or unjudged
    "decision": pl.Utf8,  # kept (judged) | unanswered | judge_failed | unparsed (the decision stage)
    "decision_detail": pl.Utf8,  # why unjudged
    "a_first_raw": pl.Utf8,
    "b_first_raw": pl.Utf8,
    "a_first_parse_status": pl.Utf8,
    "b_first_parse_status": pl.Utf8,
    "prompt_version": pl.Utf8,
}


def _cell(value: object, width: int = 80) -> str:
    text = "" if value is None else (f"{value:.3g}" if isinstance(value, float) else str(value))
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def markdown_table(frame: pl.DataFrame, width: int = 80) -> str:
    """A DataFrame as a markdown table (cells flattened and shortened)."""
    if frame.is_empty():
        return "_(no rows)_"
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = ["| " + " | ".join(_cell(v, width) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join([header, rule, *body])


_SUMMED = (
    "llm_requests", "llm_cache_hits", "llm_backend_requests", "llm_failures",
    "llm_prompt_tokens", "llm_completion_tokens", "llm_backend_seconds", "llm_estimated_cost_usd",
)


class UsageTally:
    """Adds up the LLM layer's per-batch usage metadata, so a 10M-row stage keeps no responses."""

    def __init__(self) -> None:
        self.totals: dict = {}
        self.reasons: dict[str, int] = {}

    def add(self, usage: dict) -> None:
        for key, value in usage.items():
            if key in _SUMMED:
                self.totals[key] = self.totals.get(key, 0) + value
            elif key == "llm_failure_reasons":
                data = getattr(value, "data", value) or {}
                for reason, count in data.items():
                    self.reasons[reason] = self.reasons.get(reason, 0) + count
            elif key not in ("llm_cache_hit_rate", "llm_tokens_per_s"):
                self.totals[key] = value

    def metadata(self) -> dict:
        import dagster as dg

        totals = dict(self.totals)
        requests = totals.get("llm_requests", 0)
        seconds = totals.get("llm_backend_seconds", 0.0)
        totals["llm_cache_hit_rate"] = round(totals.get("llm_cache_hits", 0) / requests, 4) if requests else 0.0
        totals["llm_tokens_per_s"] = (
            round(totals.get("llm_completion_tokens", 0) / seconds, 2) if seconds > 0 else 0.0
        )
        totals["llm_failure_reasons"] = dg.MetadataValue.json(self.reasons)
        return totals
