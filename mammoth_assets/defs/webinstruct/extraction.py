"""`extracted_qa`: the question-answer pairs that exist on each decontaminated page.

Pages with schema.org FAQPage/QAPage data are extracted deterministically (no LLM call);
the others go to a few-shot LLM prompt with JSON-schema output, chunk by chunk. Every proposed
pair is checked against the page text (grounding). Two decision stages (core/decisions/registry.py):
every page is kept (it yields a grounded pair) or dropped with a reason in `extracted_qa_pages`,
and every proposed pair is kept or dropped with a reason in `extracted_qa`. The policy is in
`core/extraction_pages.py`; this module reads, calls the LLM, writes and reports."""

from collections import Counter

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets.core.decisions import registry
from mammoth_assets.core.extraction_pages import (
    ExtractionSettings,
    cap_llm_pages,
    chunk_request_id,
    evaluate_page,
    plan_page,
)
from mammoth_assets.core.qa_extraction import EXTRACTION_SCHEMA
from mammoth_assets.defs.conventions import LLM_POOL, prompt_code_version
from mammoth_assets.defs.partitions import cc_dump_shard_partitions
from mammoth_assets.defs.shard_tables import shard_of
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.webinstruct.common import (
    counts_markdown,
    histogram_plot,
    markdown_sample,
    require_table,
    swap_partition,
    usage_metadata,
    value_counts,
)
from mammoth_assets.defs.decisions import DecisionWriter
from mammoth_assets.llm import LLMResource, LLMResponse, SamplingParams, load_prompt
from mammoth_assets.warehouse import ParquetStager

PROMPT = "webinstruct_extract"
STAGE = "extracted_qa"  # the LLM stage name (= the asset name) its calls are logged and cached under
PAIR_SCHEMA = {
    "dump": pl.String, "pair_id": pl.String, "doc_id": pl.String, "url": pl.String,
    "domain": pl.String, "pair_index": pl.Int64, "chunk_index": pl.Int64, "method": pl.String,
    "question": pl.String, "answer": pl.String, "question_grounding": pl.Float64,
    "answer_grounding": pl.Float64, "decision": pl.String, "decision_detail": pl.String,
    "model_id": pl.String, "prompt_version": pl.String,
}  # fmt: skip
PAGE_SCHEMA = {
    "dump": pl.String, "doc_id": pl.String, "url": pl.String, "method": pl.String,
    "decision": pl.String, "decision_detail": pl.String, "chunks": pl.Int64, "pairs_proposed": pl.Int64,
    "pairs_kept": pl.Int64, "prompt_tokens": pl.Int64, "completion_tokens": pl.Int64,
}  # fmt: skip


class ExtractionConfig(dg.Config):
    use_structured_data: bool = Field(
        default=True, description="Take schema.org JSON-LD/microdata pairs without an LLM call."
    )
    chunk_chars: int = Field(
        default=6000, description="Page text per LLM request (long pages are chunked)."
    )
    chunk_overlap_chars: int = Field(default=500, description="Overlap between consecutive chunks.")
    max_chunks_per_page: int = Field(
        default=8, description="Chunks beyond this are not sent (recorded)."
    )
    max_tokens: int = Field(default=1024, description="Completion budget per request.")
    temperature: float = 0.0
    grounding_ngram: int = Field(default=3, description="Word n-gram size of the grounding check.")
    min_question_grounding: float = Field(
        default=0.6, description="Share of question n-grams that must be on the page."
    )
    min_answer_grounding: float = Field(
        default=0.0, description="Same for the answer (0 = not required)."
    )
    min_grounding_rate: float = Field(
        default=0.5, description="Asset-check floor: grounded share of LLM-proposed pairs."
    )
    pages_per_batch: int = Field(
        default=64, description="Pages per LLM batch (bounds memory; each batch is staged)."
    )
    max_llm_pages: int = Field(
        default=0,
        description="Send at most this many pages per partition to the LLM (0 = all). Pages over the "
        "cap are dropped as `not_sent` (a sample-scale knob for slow CPU models).",
    )

    def settings(self) -> ExtractionSettings:
        return ExtractionSettings(
            self.use_structured_data, self.chunk_chars, self.chunk_overlap_chars, self.max_chunks_per_page,
            self.grounding_ngram, self.min_question_grounding, self.min_answer_grounding,
        )  # fmt: skip


GROUNDING_CHECK = "extracted_qa_grounding_rate"


def grounding_check(wh, part, floor: float) -> dg.AssetCheckResult:
    """Share of the shard's LLM-proposed pairs (read back from the warehouse) that are grounded."""
    row = wh.query("extracted_qa_grounding", {"shard_key": part.key}).row(0, named=True)
    rate = float(row["grounding_rate"])
    return dg.AssetCheckResult(
        check_name=GROUNDING_CHECK,
        passed=rate >= floor,
        description=f"grounding rate {rate:.3f} (floor {floor}) of {row['proposed']} LLM-proposed pairs",
        metadata={"grounding_rate": round(rate, 4), "floor": floor, "proposed": row["proposed"],
                  "grounded": row["grounded"]},
    )  # fmt: skip


@dg.asset(
    partitions_def=cc_dump_shard_partitions,
    deps=["decontaminated_documents", "page_texts"],
    group_name="webinstruct",
    pool=LLM_POOL,
    code_version=prompt_code_version(PROMPT),
    kinds={"duckdb", "python"},
    check_specs=[
        dg.AssetCheckSpec(
            GROUNDING_CHECK, asset="extracted_qa", blocking=True,
            description="Share of the shard's LLM-proposed pairs grounded on their page is at least the "
            "configured min_grounding_rate.",
        )
    ],
    description="QA pairs found on each decontaminated page (schema.org data or a few-shot LLM), "
    "grounding-checked; every page's decision (kept or why not) in extracted_qa_pages.",
)
def extracted_qa(
    context: dg.AssetExecutionContext,
    config: ExtractionConfig,
    warehouse: WarehouseResource,
    llm: LLMResource,
) -> dg.MaterializeResult:
    part = shard_of(context)
    dump = part.dump
    wh = warehouse.get()
    require_table(wh, "decontaminated_documents", "decontaminated_documents")
    template = load_prompt(PROMPT)
    prompt_version = f"{PROMPT}@{template.version}"
    sampling = SamplingParams(temperature=config.temperature, max_tokens=config.max_tokens)
    settings = config.settings()
    page_stage, pair_stage = registry.EXTRACTED_QA_PAGES, registry.EXTRACTED_QA
    pages_out = DecisionWriter(page_stage, ParquetStager(wh.staging_dir(page_stage.name, dump, part.shard)))
    pairs_out = DecisionWriter(pair_stage, ParquetStager(wh.staging_dir(pair_stage.name, dump, part.shard)))
    all_responses: list[LLMResponse] = []
    methods = Counter()
    q_scores: list[float] = []
    sample: list[dict] = []
    llm_proposed = llm_grounded = llm_pages = 0
    for batch in wh.iter_batches(wh.sql(page_stage.inputs_sql), {"shard_key": part.key}, config.pages_per_batch):
        works = [plan_page(row, settings) for row in batch.iter_rows(named=True)]
        llm_pages = cap_llm_pages(works, config.max_llm_pages, llm_pages)
        requests = [
            template.request(chunk_request_id(w.row["doc_id"], i), sampling=sampling, json_schema=EXTRACTION_SCHEMA, url=w.row["url"], page_text=chunk)
            for w in works for i, chunk in enumerate(w.chunks)
        ]  # fmt: skip
        responses = llm.generate(requests, stage=STAGE, log=context.log) if requests else []
        all_responses.extend(responses)
        by_id = {r.request_id: r for r in responses}
        pages, pairs = [], []
        for work in works:
            page, rows = evaluate_page(work, by_id, settings, prompt_version)
            pages.append(page)
            pairs.extend(rows)
        page_frame = pages_out.write(pl.DataFrame(pages, schema=PAGE_SCHEMA))
        pair_frame = pairs_out.write(pl.DataFrame(pairs, schema=PAIR_SCHEMA))
        methods.update(value_counts(page_frame, "method"))
        llm_pairs = pair_frame.filter(pl.col("method") == "llm")
        llm_proposed += llm_pairs.height
        llm_grounded += int((llm_pairs["decision"] == "kept").sum())
        q_scores.extend(v for v in llm_pairs["question_grounding"].to_list() if v is not None)
        if len(sample) < 5:
            sample.extend(pair_frame.filter(pl.col("decision") == "kept").head(5 - len(sample)).to_dicts())
    pages_written = swap_partition(wh, page_stage.name, part, pages_out.stager, PAGE_SCHEMA)
    pairs_written = swap_partition(wh, pair_stage.name, part, pairs_out.stager, PAIR_SCHEMA)
    grounded_rate = llm_grounded / llm_proposed if llm_proposed else 1.0
    metadata = {
        "dump": dump,
        "shard": part.shard,
        "pages": pages_written,
        **pages_out.metadata("pages_"),
        "pages_by_method": counts_markdown(dict(methods), "method"),
        "rows": pairs_written,
        **pairs_out.metadata("pairs_"),
        "llm_pairs_proposed": llm_proposed,
        "grounding_rate": round(grounded_rate, 4),
        "prompt_version": prompt_version,
        "sample": markdown_sample(
            pl.DataFrame(sample, schema=PAIR_SCHEMA),
            ["pair_id", "method", "question", "answer", "question_grounding"],
        ),
        **usage_metadata(llm, all_responses, ""),
    }
    plot = histogram_plot(
        q_scores, "question grounding (share of 3-grams on page)", f"extracted_qa-{dump}-{part.shard}.png"
    )
    if plot is not None:
        metadata["grounding_histogram"] = plot
    return dg.MaterializeResult(
        metadata=metadata, check_results=[grounding_check(wh, part, config.min_grounding_rate)]
    )
