"""Dagster definitions for the recall domain (MAmmoTH2 stage 1, two rounds).

    wet_files ── recall_seeds (a sample of WET files) ── recall_classifier
                                                             │
    web_documents + recall_scores_round1 (per shard: one pass that reads and scores the WET files)
                                                             │
                                         domain_verdicts (LLM, cross-dump, SQL aggregation)
                                                             │
                     recall_classifier_round2 ── recalled_documents (per shard: re-reads the WET)

`recalled_documents` is what flows on to extraction: the round-2 score and `decision` (`kept` or
`below_threshold`, see core/decisions/registry.py) of every document, with text and provenance for
the kept ones.
"""

import dagster as dg

from mammoth_assets.defs.recall.checks import checks as CHECKS
from mammoth_assets.defs.recall.classifier import recall_classifier, recall_classifier_round2
from mammoth_assets.defs.recall.domains import domain_verdicts
from mammoth_assets.defs.recall.scoring import recalled_documents
from mammoth_assets.defs.recall.seeds import recall_seeds

ASSETS = [
    recall_seeds,
    recall_classifier,
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
        "recall_seeds": {"num_positives": 2_000, "num_negatives": 2_000, "negative_pool_rate": 1.0},
        # The sample's unlabelled pool is ~60% educational (Common Crawl: <1%): PU refinement.
        # Held-out negatives are unrefined random pages (60% educational here), so held-out precision
        # is low by construction on the sample; the floors say so instead of failing the demo.
        "recall_classifier": {**small_model, "reliable_negative_fraction": 0.3,
                              "min_heldout_precision": 0.2, "min_heldout_recall": 0.8},
        # One pass reads and scores each shard. A few hundred pages: keep every text (round-2
        # negatives come from the random text sample; paper scale keeps 0.1%).
        "crawl_and_score_shard": {**scoring, "text_sample_rate": 1.0},
        # Sample domains hold 8-26 pages (paper: > 1,000 recalled pages per judged domain).
        "domain_verdicts": {"min_recalled_docs": 4, "favour_min_fraction": 0.3},
        "recall_classifier_round2": {**small_model, "num_positives": 3_000, "num_negatives": 3_000},
        "recalled_documents": scoring,
    }
