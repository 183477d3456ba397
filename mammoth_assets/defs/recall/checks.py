"""Asset checks of the recall domain: the reconciliation of both rounds and of the domain step is
generated from the decision registry (`defs/decision_checks.py`); the held-out floors of the
classifiers are declared on their assets and read the floors from the asset's config."""

from mammoth_assets.defs.decision_checks import reconciliation_checks

checks = reconciliation_checks("domain_verdicts", "recalled_documents")
