"""Dagster definitions for the webinstruct domain: page text -> decontamination -> extraction ->
refinement -> MinHash buckets (per Common Crawl dump) -> the deduplicated, exported `webinstruct`
dataset."""

import dagster as dg

from mammoth_assets.defs.partitions import cc_dump_shard_partitions
from mammoth_assets.defs.webinstruct.checks import ASSET_CHECKS
from mammoth_assets.defs.webinstruct.dataset import webinstruct, webinstruct_minhash
from mammoth_assets.defs.webinstruct.decontamination import decontaminated_documents
from mammoth_assets.defs.webinstruct.extraction import extracted_qa
from mammoth_assets.defs.webinstruct.page_texts import page_texts
from mammoth_assets.defs.webinstruct.refinement import refined_qa

ASSETS = [page_texts, decontaminated_documents, extracted_qa, refined_qa, webinstruct_minhash, webinstruct]
PER_SHARD_ASSETS = ASSETS[:4]  # cc_dump x shard
PER_DUMP_ASSETS = [webinstruct_minhash]  # cc_dump

webinstruct_job = dg.define_asset_job(
    "webinstruct_per_shard",
    selection=dg.AssetSelection.assets(*PER_SHARD_ASSETS),
    partitions_def=cc_dump_shard_partitions,
    description="Page text, decontamination, extraction and refinement of one shard of a Common Crawl "
    "dump (webinstruct_minhash then buckets the dump's refinements, per dump).",
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
            "max_llm_pages": 4,  # per shard (the sample has three)
        },
        # 64 tokens: the smallest budget the refinement JSON schema accepts is 43.
        "refined_qa": {
            "keep_unrefined_when_rejected": True,
            "refiners": [{"max_tokens": 64}],
            "max_pairs": 8,  # per shard
        },
        # The sample's generated FAQ pages reuse one small question bank across sites: about half
        # of its candidates are duplicates (measured 0.55), so the demo raises the ceiling.
        "webinstruct": {"max_duplicate_rate": 0.8},
    }


__all__ = ["ASSETS", "ASSET_CHECKS", "PER_DUMP_ASSETS", "defs", "demo_run_config"]
