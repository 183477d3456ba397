"""Dagster definitions for the webinstruct domain: page text -> decontamination -> extraction ->
refinement -> MinHash buckets (per Common Crawl dump) -> the deduplicated, exported `webinstruct`
dataset."""

import dagster as dg

from mammoth_assets.defs.webinstruct.checks import ASSET_CHECKS
from mammoth_assets.defs.webinstruct.dataset import webinstruct, webinstruct_minhash
from mammoth_assets.defs.webinstruct.decontamination import decontaminated_documents
from mammoth_assets.defs.webinstruct.extraction import extracted_qa
from mammoth_assets.defs.webinstruct.page_texts import page_texts
from mammoth_assets.defs.webinstruct.refinement import refined_qa

ASSETS = [page_texts, decontaminated_documents, extracted_qa, refined_qa, webinstruct_minhash, webinstruct]
PER_DUMP_ASSETS = ASSETS[:5]

webinstruct_job = dg.define_asset_job(
    "webinstruct_per_dump",
    selection=dg.AssetSelection.assets(*PER_DUMP_ASSETS),
    description="Page text, decontamination, extraction, refinement and MinHash buckets of one "
    "Common Crawl dump.",
)

defs = dg.Definitions(assets=ASSETS, asset_checks=ASSET_CHECKS, jobs=[webinstruct_job])


def demo_run_config() -> dict[str, dict]:
    """Sample-scale config for `make demo` (the bundled sample dump with the tiny offline model).

    The tiny model is random, so its extractions are never grounded and its refinements always
    drift: the demo keeps unrefined JSON-LD pairs (the dataset card says so) and sets the
    grounding floor to 0, and it caps the pages and pairs sent to the (slow, CPU) model: the rest
    are recorded as `not_sent`. The sample's duplicate rate is inherent to its generator, so the
    demo's duplicate ceiling is 0.8. Every other check keeps its real threshold."""
    return {
        "page_texts": {},
        "decontaminated_documents": {},
        # The tiny model's 2048-token window holds the few-shot prompt plus ~400 characters of page
        # (600 overflowed on 5 of 310 sample pages, recorded as llm_error).
        "extracted_qa": {
            "chunk_chars": 400,
            "chunk_overlap_chars": 80,
            "max_chunks_per_page": 1,
            "max_tokens": 64,
            "min_grounding_rate": 0.0,
            "max_llm_pages": 12,
        },
        # 64 tokens: the smallest budget the refinement JSON schema accepts is 43.
        "refined_qa": {
            "keep_unrefined_when_rejected": True,
            "refiners": [{"max_tokens": 64}],
            "max_pairs": 24,
        },
        # The sample's generated FAQ pages reuse one small question bank across sites: about half
        # of its candidates are duplicates (measured 0.55), so the demo raises the ceiling.
        "webinstruct": {"max_duplicate_rate": 0.8},
    }


__all__ = ["ASSETS", "ASSET_CHECKS", "PER_DUMP_ASSETS", "defs", "demo_run_config"]
