"""mammoth_assets: WebInstruct + AlpaGasus + MAmmoTH as one lineage-tracked Dagster asset graph."""

__version__ = "0.1.0"
