"""mammoth_assets: WebInstruct + AlpaGasus + MAmmoTH as one lineage-tracked Dagster asset graph."""

from mammoth_assets.core.redaction import install_log_redaction

__version__ = "0.1.0"

# Every log record this process writes (Python logging and Dagster's context.log) is redacted.
install_log_redaction()
