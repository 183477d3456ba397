"""Asset checks that read what the recall assets stored (runnable on their own, e.g. in CI)."""


import dagster as dg
import polars as pl

from mammoth_assets.defs.recall import _common
from mammoth_assets.defs.resources import WarehouseResource


def _heldout_floor_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=table,
        name="heldout_precision_recall_floors",
        blocking=True,
        description="Held-out precision and recall at the operating threshold are at or above the "
        "floors configured on the classifier (min_heldout_precision / min_heldout_recall).",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        wh = warehouse.get()
        if not wh.table_exists(table):
            return dg.AssetCheckResult(passed=False, metadata={"error": f"{table} has not been materialized"})
        row = _common.query(wh, "recall_classifier_latest", {"table": table}).row(0, named=True)
        passed = row["precision"] >= row["min_heldout_precision"] and row["recall"] >= row["min_heldout_recall"]
        return dg.AssetCheckResult(
            passed=bool(passed),
            metadata={
                "precision": round(row["precision"], 4),
                "recall": round(row["recall"], 4),
                "min_precision": row["min_heldout_precision"],
                "min_recall": row["min_heldout_recall"],
                "heldout_examples": row["heldout_positive"] + row["heldout_negative"],
            },
        )

    return _check


recall_classifier_floors = _heldout_floor_check("recall_classifier")
recall_classifier_round2_floors = _heldout_floor_check("recall_classifier_round2")


@dg.asset_check(
    asset="domain_verdicts",
    name="every_candidate_domain_accounted",
    blocking=True,
    description="Every domain with round-1 recalled pages is in domain_verdicts exactly once, and every "
    "judged domain has a verdict (accept/reject/unparsed/failed) with its raw text or error.",
)
def domain_verdicts_reconciled(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    wh = warehouse.get()
    candidates = _common.query(wh, "recall_domain_candidates")["domain"]
    table = wh.read_table("domain_verdicts") if wh.table_exists("domain_verdicts") else pl.DataFrame({"domain": [], "status": [], "verdict": [], "raw_text": [], "error": []})
    duplicates = table.height - table["domain"].n_unique()
    missing = int((~candidates.is_in(table["domain"].implode())).sum())
    extra = int((~table["domain"].is_in(candidates.implode())).sum())
    judged = table.filter(pl.col("status") == "judged")
    unexplained = judged.filter(
        pl.col("verdict").is_null() | (pl.col("raw_text").is_null() & pl.col("error").is_null())
    ).height
    return dg.AssetCheckResult(
        passed=duplicates == 0 and missing == 0 and extra == 0 and unexplained == 0,
        metadata={
            "candidates": candidates.len(),
            "rows": table.height,
            "judged": judged.height,
            "duplicates": duplicates,
            "missing": missing,
            "extra": extra,
            "judged_without_verdict_or_raw_text": unexplained,
        },
    )


checks = [recall_classifier_floors, recall_classifier_round2_floors, domain_verdicts_reconciled]
