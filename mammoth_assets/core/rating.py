"""AlpaGasus rating policy: what the rater is asked for one example, how its answer becomes a
`quality_scores` row (a score, or a recorded failure with the raw text), and the parse-failure gate.

Plain data in and out: a rating is anything with `text`, `error`, `model_id`, `cache_key`,
`cached` and token counts (the LLM layer's response fits), so this module needs neither Dagster
nor the LLM layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import polars as pl

from mammoth_assets.core.alpagasus import ParseStatus, parse_rating

LLM_ERROR = "llm_error"
UNSCORED_STATUSES = (ParseStatus.FAILED.value, LLM_ERROR)  # rows without a usable score
DIMENSIONS = ("accuracy", "helpfulness")


class Rating(Protocol):
    text: str | None
    error: str | None
    model_id: str
    cache_key: str
    cached: bool
    prompt_tokens: int
    completion_tokens: int


def prompt_name(dimension: str) -> str:
    """The rating prompt of a dimension (accuracy is the paper's default)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension must be one of {DIMENSIONS}, not {dimension!r}")
    return f"quality_rate_{dimension}"


def request_id(set_name: str, example_id: str) -> str:
    return f"{set_name}:{example_id}:rate"


def prompt_fields(example: dict[str, Any]) -> dict[str, str]:
    """The triplet the rater sees (the template's variables)."""
    return {"instruction": example["instruction"], "input": example["input"] or "", "output": example["output"]}


def score_row(set_name: str, example_id: str, rating: Rating, rater_model: str, dimension: str,
              prompt_version: str | None = None) -> dict[str, Any]:
    """One `quality_scores` row. Whatever text came back is parsed, even when the backend flagged
    it (e.g. it did not match the output constraint): the paper's parser decides, and the flag is
    kept in `parse_error` on failure. No text at all is `llm_error`, never a default score."""
    if rating.text is not None:
        parsed = parse_rating(rating.text)
        score, status, error = parsed.score, parsed.status.value, parsed.error
        if not parsed.ok and rating.error:
            error = f"{error}; backend: {rating.error}"
    else:
        score, status, error = None, LLM_ERROR, rating.error or "no text returned"
    return {
        "instruction_set": set_name,
        "example_id": example_id,
        "score": score,
        "parse_status": status,
        "parse_error": error,
        "raw_text": rating.text,
        "rater_model": rating.model_id or rater_model,
        "dimension": dimension,
        "prompt_version": prompt_version,
        "cache_key": rating.cache_key,
        "cached": rating.cached,
        "prompt_tokens": rating.prompt_tokens,
        "completion_tokens": rating.completion_tokens,
    }


def unscored_count(summary: pl.DataFrame) -> int:
    """Rows without a usable score, from a per-`parse_status` summary (`examples` column)."""
    return int(summary.filter(pl.col("parse_status").is_in(UNSCORED_STATUSES))["examples"].sum())


@dataclass(frozen=True)
class ParseFailureGate:
    """The blocking check on one set's ratings: few unparsed, all in range, one per example."""

    rated: int
    failed: int
    out_of_range: int
    duplicates: int
    ceiling: float

    @property
    def failure_rate(self) -> float:
        return self.failed / self.rated if self.rated else 0.0

    @property
    def passed(self) -> bool:
        return self.failure_rate <= self.ceiling and self.out_of_range == 0 and self.duplicates == 0
