"""Decision stages: every filtering stage decides, per input row, `kept` or one drop reason from
the vocabulary it declared in `registry.py`, plus free-text detail and its own detail columns.

The shape follows datatrove's filters (a filter answers keep, or drop with a reason; the base step
counts and writes the exclusions), with two differences that make the counts checkable later:
the vocabulary is declared up front (a reason outside it is an error when the row is written, not
a new bucket), and kept and dropped rows stay in one table with a `decision` column, so a
reconciliation check can compare rows in with rows decided, per key and per reason, from the
warehouse alone (see `reconciliation_sql` and `defs/decision_checks.py`).

Pure: no Dagster, no warehouse; the defs layer runs the SQL this module writes.
"""

from mammoth_assets.core.decisions.stage import (
    DECISION_COLUMNS,
    DETAIL_COLUMN,
    DECISION_COLUMN,
    KEEP,
    KEPT,
    Decision,
    DecisionCounts,
    Reconciliation,
    Stage,
    UnknownReason,
    decision_counts_sql,
    drop,
    reconciliation_sql,
)
from mammoth_assets.core.decisions.registry import STAGES, stage, stages_of_asset

__all__ = [
    "DECISION_COLUMN",
    "DECISION_COLUMNS",
    "DETAIL_COLUMN",
    "KEEP",
    "KEPT",
    "STAGES",
    "Decision",
    "DecisionCounts",
    "Reconciliation",
    "Stage",
    "UnknownReason",
    "decision_counts_sql",
    "drop",
    "reconciliation_sql",
    "stage",
    "stages_of_asset",
]
