"""Dagster definitions for the rationales domain (MAmmoTH): program-of-thought generation, sandboxed
verification against reference answers, and the hybrid CoT + PoT dataset."""

import dagster as dg

from mammoth_assets.defs.decision_checks import reconciliation_checks
from mammoth_assets.defs.rationales.hybrid import hybrid_rationales
from mammoth_assets.defs.rationales.programs import pot_programs
from mammoth_assets.defs.rationales.verification import verified_rationales

ASSETS = [pot_programs, verified_rationales, hybrid_rationales]
# The other checks are declared on their assets (check_specs); these are generated from the
# decision-stage registry (rows in = kept + dropped by reason).
ASSET_CHECKS = reconciliation_checks("verified_rationales")

rationales_job = dg.define_asset_job(
    "rationales_per_instruction_set",
    selection=dg.AssetSelection.assets(*ASSETS),
    description="PoT programs, sandboxed verification and the hybrid dataset for one instruction set.",
)

defs = dg.Definitions(assets=ASSETS, asset_checks=ASSET_CHECKS, jobs=[rationales_job])


def demo_run_config() -> dict[str, dict]:
    """Sample-scale config for `make demo` (tiny random model). Its programs are garbage, so the
    verified-rate floor (`min_verified_rate`, a non-blocking check) is 0 in the demo; the
    accounting checks keep their real, blocking form. Every check is declared on its asset."""
    return {
        "pot_programs": {"limit": 16, "max_tokens": 64, "batch_size": 16},
        "verified_rationales": {"timeout_s": 5.0, "min_verified_rate": 0.0},
        "hybrid_rationales": {},
    }


__all__ = ["defs", "demo_run_config", "ASSETS", "ASSET_CHECKS"]
