"""Writing and reporting one decision stage's rows: every batch of decided rows (kept and dropped,
with `decision` and `decision_detail`) is checked against the stage's vocabulary, counted by
decision and staged; the metadata shows kept, dropped and a table of every reason."""

from __future__ import annotations

from typing import Any

import dagster as dg
import polars as pl

from mammoth_assets.core.decisions import DECISION_COLUMN, DecisionCounts, Stage
from mammoth_assets.warehouse import ParquetStager


class DecisionWriter:
    """Stages a stage's decided rows and counts them; `metadata()` reports what was written."""

    def __init__(self, stage: Stage, stager: ParquetStager, sample_rows: int = 5):
        self.stage = stage
        self.stager = stager
        self.counts = DecisionCounts(stage)
        self.dropped_sample: list[dict] = []
        self.sample_rows = sample_rows

    def write(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Stage `frame` (refused with UnknownReason before anything is written when a decision is
        not in the stage's vocabulary); returns it."""
        if DECISION_COLUMN not in frame.columns:
            raise ValueError(f"{self.stage.name}: decided rows need a {DECISION_COLUMN!r} column")
        counted = frame.group_by(DECISION_COLUMN).len()
        self.counts.update(dict(zip(counted[DECISION_COLUMN].to_list(), counted["len"].to_list())))
        self.stager.write(frame)
        if len(self.dropped_sample) < self.sample_rows:
            dropped = frame.filter(pl.col(DECISION_COLUMN) != "kept")
            self.dropped_sample.extend(dropped.head(self.sample_rows - len(self.dropped_sample)).to_dicts())
        return frame

    def metadata(self, prefix: str = "") -> dict[str, Any]:
        return decision_metadata(self.counts, prefix)


def decision_metadata(counts: DecisionCounts, prefix: str = "") -> dict[str, Any]:
    """rows_in / kept / dropped and the reason table (every declared reason, 0 when unused)."""
    return {
        f"{prefix}rows_in": counts.rows,
        f"{prefix}kept": counts.kept,
        f"{prefix}dropped": counts.dropped,
        f"{prefix}decisions": dg.MetadataValue.md(counts.markdown()),
    }
