"""An lm-evaluation-harness-style results file for a regraded predictions file, so the figures sit
in the same shape (and the same tables: `lm_eval.utils.make_table` reads it) as lm-eval's own
`results_<date>.json`. Metric keys are `<metric>,<filter>`; our grader's filter is `mammoth`.
When the predictions came from lm-eval, its own per-sample verdicts are averaged beside ours."""

from __future__ import annotations

import math
import statistics
import time
from typing import Any, Iterable, Mapping

FILTER = "mammoth"
# Metrics where a higher value is better (lm-eval's `higher_is_better`).
HIGHER_IS_BETTER = {"exact_match": True, "unparsable": False, "unreadable": False}


def mean_stderr(values: list[float]) -> float | str:
    """Standard error of the mean, as lm-eval computes it (sample stdev / sqrt(n)); "N/A" for n < 2."""
    if len(values) < 2:
        return "N/A"
    return statistics.stdev(values) / math.sqrt(len(values))


def results_document(
    task: str,
    graded: Iterable[Mapping[str, Any]],
    lines_read: int,
    source_metrics: Mapping[str, list[float]] | None = None,
    config: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """`graded`: one mapping per item with `correct`, `unparsable` and `error` (None when read)."""
    rows = list(graded)
    correct = [float(bool(r["correct"])) for r in rows]
    unparsable = [float(bool(r["unparsable"])) for r in rows if not r.get("error")]
    unreadable = [float(bool(r.get("error"))) for r in rows]
    metrics: dict[str, Any] = {"alias": task}
    for name, values in (("exact_match", correct), ("unparsable", unparsable), ("unreadable", unreadable)):
        if values:
            metrics[f"{name},{FILTER}"] = sum(values) / len(values)
            metrics[f"{name}_stderr,{FILTER}"] = mean_stderr(values)
    higher = dict(HIGHER_IS_BETTER)
    for key, values in sorted((source_metrics or {}).items()):  # e.g. "exact_match,strict-match"
        if values:
            metric, _, filter_name = key.partition(",")
            metrics[key] = sum(values) / len(values)
            metrics[f"{metric}_stderr,{filter_name}"] = mean_stderr(values)
            higher.setdefault(metric, True)
    return {
        "results": {task: metrics},
        "group_subtasks": {task: []},
        "configs": {task: {"task": task, **dict(config or {})}},
        "versions": {task: "mammoth-grade"},
        "n-shot": {task: (config or {}).get("num_fewshot", " ")},
        "higher_is_better": {task: higher},
        "n-samples": {task: {"original": lines_read, "effective": len(rows)}},
        "date": time.time(),
    }
