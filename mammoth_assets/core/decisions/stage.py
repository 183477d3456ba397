"""The decision-stage skeleton: a declared stage, one row's decision, counts by reason, and the
reconciliation of rows in against rows decided."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

KEPT = "kept"
DECISION_COLUMN = "decision"  # `kept` or a drop reason of the stage's vocabulary
DETAIL_COLUMN = "decision_detail"  # free text: the matched item, the LLM error, the measured value...
DECISION_COLUMNS = (DECISION_COLUMN, DETAIL_COLUMN)

Partitioning = Literal["shard", "dump", "instruction_set", "none"]
# The column of a stage's decisions table that holds the partition key bound as $partition.
PARTITION_COLUMN: dict[str, str | None] = {
    "shard": "shard_key", "dump": "dump", "instruction_set": "instruction_set", "none": None,
}

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class UnknownReason(ValueError):
    """A stage decided a reason its registry entry does not declare."""


@dataclass(frozen=True)
class Decision:
    """Kept (reason None) or dropped for `reason`; `detail` says more (free text)."""

    reason: str | None = None
    detail: str = ""

    @property
    def kept(self) -> bool:
        return self.reason is None

    @property
    def value(self) -> str:
        """What the `decision` column holds."""
        return KEPT if self.reason is None else self.reason

    def columns(self) -> dict[str, str]:
        return {DECISION_COLUMN: self.value, DETAIL_COLUMN: self.detail}


KEEP = Decision()


def drop(reason: str, detail: str = "") -> Decision:
    if not reason or reason == KEPT:
        raise ValueError(f"a drop needs a reason other than {KEPT!r}, got {reason!r}")
    return Decision(reason, detail)


def drop_coded(text: str) -> Decision:
    """A drop from a coded message, `code: detail` or `code (detail)` (how the core checks word
    their verdicts): the code is the reason, the whole message the detail."""
    reason = text.split(":", 1)[0].split(" (", 1)[0].strip()
    return drop(reason, text if text != reason else "")


@dataclass(frozen=True)
class Stage:
    """One filtering stage, as the registry declares it.

    name: unique name of the stage (its decisions table, by convention).
    asset: the Dagster asset whose materialization writes the decisions (the check attaches there).
    reasons: every drop reason the stage may decide, with what it means (the documentation).
    keys: the columns that identify an input row in both SQL files below.
    inputs_sql: named SQL file: one row per row into the stage for one partition, with the key
        columns (a key may repeat: each repeat is one more row in).
    decisions_sql: named SQL file: one row per decided row for one partition, with the key
        columns and `decision`.
    partitioning: "shard" (cc_dump x shard: both files bind $shard_key, "<dump>|<shard>"), "dump"
        (cc_dump: they bind $dump), "instruction_set" (they bind $instruction_set) or "none" (one
        table for everything: no parameter).
    detail_columns: the stage's own columns that explain a decision (documentation and samples).
    """

    name: str
    asset: str
    description: str
    reasons: Mapping[str, str]
    keys: tuple[str, ...]
    inputs_sql: str
    decisions_sql: str
    partitioning: Partitioning = "shard"
    detail_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in (self.name, self.asset, *self.keys, *self.reasons):
            if not _NAME.match(name):
                raise ValueError(f"stage {self.name!r}: {name!r} is not a lower_snake_case name")
        if KEPT in self.reasons:
            raise ValueError(f"stage {self.name!r}: {KEPT!r} is the keep decision, not a reason")
        if not self.keys:
            raise ValueError(f"stage {self.name!r} needs at least one key column")
        if self.partitioning not in PARTITION_COLUMN:
            raise ValueError(f"stage {self.name!r}: unknown partitioning {self.partitioning!r}")

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset({KEPT, *self.reasons})

    @property
    def check_name(self) -> str:
        return f"{self.name}_reconciled"

    def validate(self, decision: Decision | str) -> str:
        """The `decision` value, refused with UnknownReason when the stage never declared it."""
        value = decision.value if isinstance(decision, Decision) else decision
        if value not in self.vocabulary:
            raise UnknownReason(
                f"stage {self.name!r} decided {value!r}, which is not in its vocabulary "
                f"{sorted(self.vocabulary)} (declare it in core/decisions/registry.py)"
            )
        return value

    def params(self, partition: str | None) -> dict[str, str]:
        """Bound parameters of the stage's SQL for one partition."""
        if self.partitioning == "none":
            return {}
        if not partition:
            raise ValueError(f"stage {self.name!r} is partitioned by {self.partitioning}: give a partition key")
        return {self.partition_column: partition}

    @property
    def partition_column(self) -> str | None:
        """The partition column of the stage's tables, also the name of its SQL's parameter."""
        return PARTITION_COLUMN[self.partitioning]


@dataclass
class DecisionCounts:
    """Decisions of one stage counted by value; every value is checked against the vocabulary."""

    stage: Stage
    counts: Counter = field(default_factory=Counter)

    def add(self, decisions: Iterable[Decision | str]) -> None:
        self.counts.update(self.stage.validate(d) for d in decisions)

    def update(self, counts: Mapping[str, int]) -> None:
        for value, n in counts.items():
            self.stage.validate(value)
            self.counts[value] += int(n)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def kept(self) -> int:
        return self.counts.get(KEPT, 0)

    @property
    def dropped(self) -> int:
        return self.rows - self.kept

    def by_reason(self) -> dict[str, int]:
        """Every declared reason (0 when unused), in declaration order."""
        return {reason: self.counts.get(reason, 0) for reason in self.stage.reasons}

    def markdown(self) -> str:
        """kept and every declared reason with its rows and meaning."""
        lines = ["| decision | rows | meaning |", "|---|---:|---|", f"| {KEPT} | {self.kept} | passed the stage |"]
        for reason, n in self.by_reason().items():
            lines.append(f"| {reason} | {n} | {_cell(self.stage.reasons[reason])} |")
        return "\n".join(lines)

    def summary(self) -> dict[str, int]:
        return {"rows_in": self.rows, "kept": self.kept, "dropped": self.dropped}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


@dataclass(frozen=True)
class Reconciliation:
    """What the warehouse holds for one partition of a stage."""

    partition: str
    rows_in: int
    rows_out: int
    missing: int  # input keys with fewer decided rows than rows in
    unexpected: int  # decided keys with more decided rows than rows in (or not in the input)
    by_decision: Mapping[str, int]

    @property
    def kept(self) -> int:
        return int(self.by_decision.get(KEPT, 0))

    @property
    def dropped(self) -> int:
        return sum(int(n) for d, n in self.by_decision.items() if d != KEPT)

    def problems(self, stage: Stage) -> list[str]:
        """Empty when rows in = kept + dropped by reason, key by key, with declared reasons only."""
        found = []
        if self.rows_in != self.kept + self.dropped:
            found.append(f"rows in {self.rows_in} != kept {self.kept} + dropped {self.dropped}")
        if self.missing:
            found.append(f"{self.missing} input keys without their decision")
        if self.unexpected:
            found.append(f"{self.unexpected} decided keys not in the input (or decided twice)")
        unknown = sorted(str(d) for d in self.by_decision if d not in stage.vocabulary)
        if unknown:
            found.append(f"decisions outside the vocabulary: {', '.join(unknown)}")
        return found


def _strip(sql: str) -> str:
    return sql.strip().rstrip(";")


def _quoted(columns: Iterable[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def reconciliation_sql(stage: Stage, inputs: str, decisions: str) -> str:
    """One row (rows_in, rows_out, missing, unexpected) comparing the stage's input rows with its
    decided rows key by key (multiplicities count: a key in twice must be decided twice).
    `inputs` and `decisions` are the texts of the stage's two SQL files; key names come from the
    registry (checked lower_snake_case), every value is a bound parameter."""
    keys = _quoted(stage.keys)
    return (
        f"WITH rows_in AS (\n{_strip(inputs)}\n),\n"
        f"decided AS (\n{_strip(decisions)}\n),\n"
        f"keys_in AS (SELECT {keys}, count(*) AS n FROM rows_in GROUP BY ALL),\n"
        f"keys_out AS (SELECT {keys}, count(*) AS n FROM decided GROUP BY ALL),\n"
        f"compared AS (SELECT coalesce(i.n, 0) AS n_in, coalesce(o.n, 0) AS n_out\n"
        f"             FROM keys_in i FULL OUTER JOIN keys_out o USING ({keys}))\n"
        "SELECT coalesce(sum(n_in), 0)::BIGINT AS rows_in, coalesce(sum(n_out), 0)::BIGINT AS rows_out,\n"
        "       count(*) FILTER (WHERE n_out < n_in) AS missing,\n"
        "       count(*) FILTER (WHERE n_out > n_in) AS unexpected\n"
        "FROM compared"
    )


def decision_counts_sql(decisions: str) -> str:
    """(decision, rows) of the stage's decided rows; a NULL decision shows as '(null)'."""
    return (
        f"WITH decided AS (\n{_strip(decisions)}\n)\n"
        f"SELECT coalesce({DECISION_COLUMN}, '(null)') AS decision, count(*) AS rows\n"
        "FROM decided GROUP BY ALL ORDER BY rows DESC, decision"
    )
