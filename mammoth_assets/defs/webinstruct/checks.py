"""Asset checks of the WebInstruct stages: reconciliation (rows in = kept + dropped) at every stage,
no benchmark overlap after decontamination, grounding rate above a floor, no empty question or
answer, duplicate rate below a ceiling. Floors and ceilings come from the config the asset ran
with (recorded in its materialization metadata), so a sample-scale run can set its own."""

import dagster as dg
import polars as pl

from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.webinstruct.common import (
    latest_metadata,
    markdown_sample,
    materialized_dumps,
    partition_metadata,
)
from mammoth_assets.core.decontamination import load_contamination_index
from mammoth_assets.defs.webinstruct.decontamination import first_matches_per_page, page_check_texts

RECONCILE_COLUMNS = [
    "dump",
    "rows_in",
    "rows_out",
    "kept",
    "dropped",
    "missing",
    "unexpected",
    "inconsistent_pages",
]


def reconciliation_result(frame: pl.DataFrame, what: str) -> dg.AssetCheckResult:
    """Passes when, for every dump, rows_out = rows_in, kept + dropped = rows_out, and no row is
    missing, unexpected or internally inconsistent."""
    if frame.is_empty():
        return dg.AssetCheckResult(
            passed=False, description=f"{what}: no materialized partition to reconcile"
        )
    failures = []
    for row in frame.iter_rows(named=True):
        problems = []
        if row["rows_in"] != row["rows_out"]:
            problems.append(f"rows in {row['rows_in']} != rows out {row['rows_out']}")
        if row["kept"] + row["dropped"] != row["rows_out"]:
            problems.append(f"kept {row['kept']} + dropped {row['dropped']} != {row['rows_out']}")
        for column in ("missing", "unexpected", "inconsistent_pages"):
            if row.get(column):
                problems.append(f"{row[column]} {column}")
        if problems:
            failures.append(f"{row['dump']}: " + "; ".join(problems))
    return dg.AssetCheckResult(
        passed=not failures,
        description="; ".join(failures)
        if failures
        else f"{what}: rows in = kept + dropped for every dump",
        metadata={
            "dumps": frame.height,
            "rows_in": int(frame["rows_in"].sum()),
            "kept": int(frame["kept"].sum()),
            "dropped": int(frame["dropped"].sum()),
            "by_dump": markdown_sample(frame, RECONCILE_COLUMNS, rows=50),
        },
    )


def _per_dump(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    asset: str,
    sql: str,
    params=None,
) -> pl.DataFrame:
    """One row of `sql` per materialized (cc_dump x shard) partition of `asset`, whose key
    ("<dump>|<shard>") is bound as $shard_key and shown in the `dump` column (params(key) adds
    parameters)."""
    wh = warehouse.get()
    frames = [
        wh.query(sql, {"shard_key": dump, **(params(dump) if params else {})})
        for dump in materialized_dumps(context.instance, asset)
    ]
    return pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()


def _reconcile(
    context, warehouse: WarehouseResource, asset: str, sql: str, params=None
) -> dg.AssetCheckResult:
    return reconciliation_result(_per_dump(context, warehouse, asset, sql, params), asset)


@dg.asset_check(
    asset="page_texts",
    blocking=True,
    description="Every kept recalled page has one page_texts row (ok or failed).",
)
def page_texts_reconciliation(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    return _reconcile(context, warehouse, "page_texts", "webinstruct_check_page_texts")


@dg.asset_check(
    asset="decontaminated_documents",
    blocking=True,
    description="Every ok page is kept or removed as contaminated (with the item it matched).",
)
def decontaminated_documents_reconciliation(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    return _reconcile(
        context, warehouse, "decontaminated_documents", "webinstruct_check_decontaminated"
    )


@dg.asset_check(
    asset="decontaminated_documents",
    blocking=True,
    description="No kept page shares an n-gram with the benchmarks (re-checked from scratch).",
)
def decontaminated_documents_no_benchmark_overlap(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    meta = latest_metadata(context.instance, "decontaminated_documents")
    names = [b for b in str(meta.get("benchmarks", "")).split(", ") if b]
    if not names:
        return dg.AssetCheckResult(
            passed=False, description="no benchmark list recorded by the last materialization"
        )
    root = meta.get("benchmarks_root")
    from pathlib import Path

    index, _, _ = load_contamination_index(
        names,
        None if root in (None, "huggingface-hub") else Path(root),
        int(meta.get("ngram_n", 10)),
    )
    wh = warehouse.get()
    overlapping, checked = [], 0
    for batch in wh.iter_batches(wh.sql("webinstruct_check_kept_pages"), {}, 2000):
        records = batch.to_dicts()
        matches = first_matches_per_page(
            index, [page_check_texts(r["page_text"], r["structured_pairs"]) for r in records]
        )
        for row, match in zip(records, matches):
            checked += 1
            if match is not None:
                overlapping.append(
                    {
                        "dump": row["dump"],
                        "doc_id": row["doc_id"],
                        "benchmark": match.benchmark,
                        "item_id": match.item_id,
                        "ngram": match.ngram,
                    }
                )
    return dg.AssetCheckResult(
        passed=not overlapping,
        description=f"{len(overlapping)} of {checked} kept pages share a {index.n}-gram with {', '.join(names)}",
        metadata={
            "kept_pages_checked": checked,
            "overlapping_pages": len(overlapping),
            "overlaps": markdown_sample(
                pl.DataFrame(overlapping), ["dump", "doc_id", "benchmark", "item_id", "ngram"]
            )
            if overlapping
            else dg.MetadataValue.md("_none_"),
        },
    )


@dg.asset_check(
    asset="extracted_qa",
    blocking=True,
    description="Every page ends as pairs/void/failed; proposed pairs = kept + rejected (with reasons).",
)
def extracted_qa_reconciliation(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    return _reconcile(context, warehouse, "extracted_qa", "webinstruct_check_extracted_pages")


@dg.asset_check(
    asset="extracted_qa",
    blocking=True,
    description="Share of proposed pairs grounded on their page is above the floor (config min_grounding_rate).",
)
def extracted_qa_grounding_rate(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    floors = {
        d: float(
            partition_metadata(context.instance, "extracted_qa", d).get("min_grounding_rate", 0.5)
        )
        for d in materialized_dumps(context.instance, "extracted_qa")
    }
    frame = _per_dump(context, warehouse, "extracted_qa", "webinstruct_check_grounding")
    if frame.is_empty():
        return dg.AssetCheckResult(
            passed=False, description="no materialized partition of extracted_qa"
        )
    frame = frame.with_columns(
        pl.col("dump").replace_strict(floors, return_dtype=pl.Float64).alias("floor")
    )
    low = frame.filter(pl.col("grounding_rate") < pl.col("floor"))
    floor = min(floors.values())
    return dg.AssetCheckResult(
        passed=low.is_empty(),
        description=f"grounding rate >= {floor} in every dump"
        if low.is_empty()
        else f"below {floor}: "
        + ", ".join(f"{d} {r:.3f}" for d, r in low.select("dump", "grounding_rate").iter_rows()),
        metadata={
            "floor": floor,
            "by_dump": markdown_sample(
                frame, ["dump", "proposed", "grounded", "grounding_rate", "floor"], rows=50
            ),
        },
    )


def _no_empty(warehouse: WarehouseResource, sql: str, what: str) -> dg.AssetCheckResult:
    empty = int(warehouse.get().scalar(sql) or 0)
    return dg.AssetCheckResult(
        passed=empty == 0,
        description=f"{empty} kept {what} rows with an empty question or answer",
        metadata={"empty_pairs": empty},
    )


@dg.asset_check(
    asset="extracted_qa", blocking=True, description="No kept pair has an empty question or answer."
)
def extracted_qa_no_empty_pairs(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _no_empty(warehouse, "webinstruct_check_empty_extracted", "extracted_qa")


@dg.asset_check(
    asset="refined_qa",
    blocking=True,
    description="Every kept pair has one row per refiner, kept or rejected with reason.",
)
def refined_qa_reconciliation(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    def refiners(dump: str) -> dict:
        return {
            "refiners": int(
                partition_metadata(context.instance, "refined_qa", dump).get("refiner_count", 1)
            )
        }

    return _reconcile(context, warehouse, "refined_qa", "webinstruct_check_refined", refiners)


@dg.asset_check(
    asset="refined_qa",
    blocking=True,
    description="No kept refinement has an empty question or answer.",
)
def refined_qa_no_empty_pairs(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _no_empty(warehouse, "webinstruct_check_empty_refined", "refined_qa")


@dg.asset_check(
    asset="webinstruct",
    blocking=True,
    description="Kept refinements = kept examples + removed duplicates; the table matches the decisions.",
)
def webinstruct_reconciliation(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return reconciliation_result(warehouse.get().query("webinstruct_check_dataset"), "webinstruct")


@dg.asset_check(
    asset="webinstruct", blocking=True, description="No example has an empty question or answer."
)
def webinstruct_no_empty_pairs(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    return _no_empty(warehouse, "webinstruct_check_empty_dataset", "webinstruct")


@dg.asset_check(
    asset="webinstruct",
    blocking=True,
    description="Duplicate share of candidates below the ceiling (config max_duplicate_rate) and no exact duplicate question left.",
)
def webinstruct_duplicate_rate(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    ceiling = float(latest_metadata(context.instance, "webinstruct").get("max_duplicate_rate", 0.5))
    row = warehouse.get().query("webinstruct_check_duplicates").row(0, named=True)
    rate = row["removed"] / row["candidates"] if row["candidates"] else 0.0
    residual = int(row["residual_duplicate_questions"])
    passed = rate <= ceiling and residual == 0
    return dg.AssetCheckResult(
        passed=passed,
        description=f"duplicate rate {rate:.3f} (ceiling {ceiling}); {residual} exact duplicate questions left",
        metadata={
            "duplicate_rate": round(rate, 4),
            "ceiling": ceiling,
            "candidates": row["candidates"],
            "removed": row["removed"],
            "residual_duplicate_questions": residual,
        },
    )


ASSET_CHECKS = [
    page_texts_reconciliation,
    decontaminated_documents_reconciliation,
    decontaminated_documents_no_benchmark_overlap,
    extracted_qa_reconciliation,
    extracted_qa_grounding_rate,
    extracted_qa_no_empty_pairs,
    refined_qa_reconciliation,
    refined_qa_no_empty_pairs,
    webinstruct_reconciliation,
    webinstruct_no_empty_pairs,
    webinstruct_duplicate_rate,
]
