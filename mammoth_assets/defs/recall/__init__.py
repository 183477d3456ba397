"""Dagster definitions for the recall domain (MAmmoTH2 stage 1, two rounds).

    web_documents ─┐
                   ├─ recall_seeds ── recall_classifier ── recall_scores_round1 (per dump)
                   │                                            │
                   │                          domain_verdicts (LLM, cross-dump)
                   │                                            │
                   └──────────────── recall_classifier_round2 ──┴── recalled_documents (per dump)

`recalled_documents` is what flows on to extraction: every `web_documents` column plus the
round-2 `score`, `kept`, `status` and `reason`.
"""

import dagster as dg

from mammoth_assets import paths
from mammoth_assets.defs.recall.checks import checks as CHECKS
from mammoth_assets.defs.recall.classifier import recall_classifier, recall_classifier_round2
from mammoth_assets.defs.recall.domains import domain_verdicts
from mammoth_assets.defs.recall.scoring import recall_scores_round1, recalled_documents
from mammoth_assets.defs.recall.seeds import recall_seeds

ASSETS = [
    recall_seeds,
    recall_classifier,
    recall_scores_round1,
    domain_verdicts,
    recall_classifier_round2,
    recalled_documents,
]

defs = dg.Definitions(assets=ASSETS, asset_checks=CHECKS)


def demo_run_config() -> dict[str, dict]:
    """Sample-scale settings for the bundled sample dump (a few thousand pages, the tiny model)."""
    # A few hundred pages need more passes and a larger step than 200K seeds (paper: 3 epochs, lr 0.1).
    small_model = {"dim": 64, "epoch": 25, "lr": 0.5, "word_ngrams": 2, "min_count": 2, "bucket": 200_000,
                   "heldout_fraction": 0.2}
    scoring = {"batch_rows": 2_000, "min_recall_rate": 0.01, "max_recall_rate": 0.9}
    return {
        "recall_seeds": {"num_positives": 2_000, "num_negatives": 2_000},
        # The sample's unlabelled pool is ~60% educational (Common Crawl: <1%): PU refinement.
        # Held-out negatives are unrefined random pages (60% educational here), so held-out precision
        # is low by construction on the sample; the floors say so instead of failing the demo.
        "recall_classifier": {**small_model, "reliable_negative_fraction": 0.3,
                              "min_heldout_precision": 0.2, "min_heldout_recall": 0.8},
        "recall_scores_round1": scoring,
        # Sample domains hold 8-26 pages (paper: > 1,000 recalled pages per judged domain).
        "domain_verdicts": {"min_recalled_docs": 4, "favour_min_fraction": 0.3},
        "recall_classifier_round2": {**small_model, "num_positives": 3_000, "num_negatives": 3_000},
        "recalled_documents": scoring,
    }
