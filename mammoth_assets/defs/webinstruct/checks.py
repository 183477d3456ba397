"""Asset checks of the WebInstruct stages. Reconciliation (rows in = kept + dropped by reason, per
shard, and across dumps for the dataset) is generated from the decision registry
(`defs/decision_checks.py`); checks with a threshold are declared on their asset (`check_specs`) and
read it from the asset's config: `decontaminated_documents_no_benchmark_overlap`, `extracted_qa_grounding_rate`,
`webinstruct_duplicate_rate`. Here:
no kept pair has an empty question or answer."""

import dagster as dg

from mammoth_assets.defs.decision_checks import reconciliation_checks
from mammoth_assets.defs.resources import WarehouseResource


# The statement that counts each table's kept rows with an empty question or answer.
EMPTY_PAIRS_SQL = {
    "extracted_qa": "extracted_qa_empty_pairs",
    "refined_qa": "refined_qa_empty_pairs",
    "webinstruct": "webinstruct_empty_pairs",
}


def _no_empty_pairs_check(asset: str, statement: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset,
        name=f"{asset}_no_empty_pairs",
        blocking=True,
        description=f"No kept {asset} row has an empty question or answer.",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        empty = int(warehouse.get().scalar(statement) or 0)
        return dg.AssetCheckResult(
            passed=empty == 0,
            description=f"{empty} kept {asset} rows with an empty question or answer",
            metadata={"empty_pairs": empty},
        )

    return _check


ASSET_CHECKS = [
    *reconciliation_checks("page_texts", "decontaminated_documents", "extracted_qa", "refined_qa", "webinstruct"),
    *(_no_empty_pairs_check(asset, statement) for asset, statement in EMPTY_PAIRS_SQL.items()),
]
