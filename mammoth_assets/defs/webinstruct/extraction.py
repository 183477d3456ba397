"""`extracted_qa`: the question-answer pairs that exist on each decontaminated page.

Pages with schema.org FAQPage/QAPage data are extracted deterministically (no LLM call);
the others go to a few-shot LLM prompt with JSON-schema output, chunk by chunk. Every proposed
pair is checked against the page text (grounding); every page ends as `pairs`, `void` or
`failed` with a reason in the side table `extracted_qa_pages`."""

import json
from collections import Counter
from dataclasses import dataclass, field

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets.core.dedup import normalize_text
from mammoth_assets.core.page_text import chunk_text
from mammoth_assets.core.qa_extraction import (
    EXTRACTION_SCHEMA,
    PageGrounding,
    QAPair,
    check_pair,
    parse_extraction,
)
from mammoth_assets.defs.conventions import LLM_POOL, prompt_code_version
from mammoth_assets.defs.partitions import cc_dump_shard_partitions
from mammoth_assets.defs.shard_tables import shard_of
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.webinstruct.common import (
    counts_markdown,
    histogram_plot,
    markdown_sample,
    require_table,
    stable_id,
    swap_partition,
    usage_metadata,
    value_counts,
)
from mammoth_assets.llm import LLMResource, LLMResponse, SamplingParams, load_prompt
from mammoth_assets.warehouse import ParquetStager

PROMPT = "webinstruct_extract"
PAIR_SCHEMA = {
    "dump": pl.String, "pair_id": pl.String, "doc_id": pl.String, "url": pl.String,
    "domain": pl.String, "pair_index": pl.Int64, "chunk_index": pl.Int64, "method": pl.String,
    "question": pl.String, "answer": pl.String, "question_grounding": pl.Float64,
    "answer_grounding": pl.Float64, "status": pl.String, "reason": pl.String,
    "model_id": pl.String, "prompt_version": pl.String,
}  # fmt: skip
PAGE_SCHEMA = {
    "dump": pl.String, "doc_id": pl.String, "url": pl.String, "method": pl.String,
    "outcome": pl.String, "reason": pl.String, "chunks": pl.Int64, "pairs_proposed": pl.Int64,
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
        "cap end as failed with reason `not_sent` (a sample-scale knob for slow CPU models).",
    )


@dataclass
class PageWork:
    row: dict
    method: str
    chunks: list[str] = field(default_factory=list)
    structured: list[QAPair] = field(default_factory=list)
    skipped_chunks: int = 0
    not_sent: str = ""  # why the page's chunks were not sent to the LLM


def plan_page(row: dict, config: ExtractionConfig) -> PageWork:
    structured = json.loads(row["structured_pairs"]) if row.get("structured_pairs") else []
    if config.use_structured_data and structured:
        return PageWork(
            row,
            row["structured_method"] or "jsonld",
            structured=[QAPair(p["question"], p["answer"]) for p in structured],
        )
    chunks = chunk_text(row["page_text"] or "", config.chunk_chars, config.chunk_overlap_chars)
    kept = chunks[: config.max_chunks_per_page]
    return PageWork(row, "llm", chunks=kept, skipped_chunks=len(chunks) - len(kept))


def chunk_request_id(doc_id: str, chunk: int) -> str:
    return f"{doc_id}:extract:{chunk}"


def evaluate_page(
    work: PageWork, responses: dict[str, LLMResponse], config: ExtractionConfig, prompt_version: str
) -> tuple[dict, list[dict]]:
    """The page's outcome row and one row per proposed pair (kept or rejected with reason)."""
    row = work.row
    grounding = PageGrounding(row["page_text"] or "", config.grounding_ngram)
    proposed: list[tuple[int, QAPair]] = []
    failures: list[str] = []
    void_chunks = 0
    tokens_in = tokens_out = 0
    model_id = ""
    if work.method != "llm":
        proposed = [(0, pair) for pair in work.structured]
    for chunk_index in range(len(work.chunks)):
        response = responses[chunk_request_id(row["doc_id"], chunk_index)]
        tokens_in += response.prompt_tokens
        tokens_out += response.completion_tokens
        model_id = response.model_id
        if not response.ok:
            failures.append(f"llm_error: {response.error or 'no text'}"[:200])
            continue
        result = parse_extraction(response.parsed, response.text)
        if result.status == "failed":
            failures.append(result.reason)
        elif result.status == "void":
            void_chunks += 1
        proposed.extend((chunk_index, pair) for pair in result.pairs)
    pair_rows, seen = [], set()
    for index, (chunk_index, pair) in enumerate(proposed):
        key = (normalize_text(pair.question), normalize_text(pair.answer))
        if key in seen:  # the same pair read twice from overlapping chunks
            status, reason, q, a = "rejected", "duplicate_in_page", None, None
        else:
            seen.add(key)
            # Structured data is part of the page itself: it is not gated, but its scores are kept.
            verdict = check_pair(pair, grounding, min_question_grounding=config.min_question_grounding if work.method == "llm" else 0.0,
                                 min_answer_grounding=config.min_answer_grounding if work.method == "llm" else 0.0)  # fmt: skip
            status, reason = ("kept", "") if verdict.grounded else ("rejected", verdict.reason)
            q, a = verdict.question_score, verdict.answer_score
        pair_rows.append(
            {
                "dump": row["dump"], "pair_id": stable_id(row["dump"], row["doc_id"], index, pair.question, pair.answer, prefix="qa-"),
                "doc_id": row["doc_id"], "url": row["url"], "domain": row["domain"], "pair_index": index,
                "chunk_index": chunk_index, "method": work.method, "question": pair.question, "answer": pair.answer,
                "question_grounding": q, "answer_grounding": a, "status": status, "reason": reason,
                "model_id": model_id if work.method == "llm" else "", "prompt_version": prompt_version if work.method == "llm" else "",
            }
        )  # fmt: skip
    kept = sum(r["status"] == "kept" for r in pair_rows)
    if kept:
        outcome, reason = "pairs", ""
    elif pair_rows:
        reasons = Counter(r["reason"].split(" (")[0] for r in pair_rows)
        outcome, reason = (
            "failed",
            "no_grounded_pairs: " + ", ".join(f"{k} x{v}" for k, v in reasons.most_common()),
        )
    elif failures:
        outcome, reason = "failed", failures[0]
    elif work.not_sent:
        outcome, reason = "failed", work.not_sent
    elif work.method == "llm" and not work.chunks:
        outcome, reason = "failed", "empty_page_text"
    else:
        outcome, reason = "void", ""
    if work.skipped_chunks:
        reason = (
            reason + "; " if reason else ""
        ) + f"{work.skipped_chunks} chunks over max_chunks_per_page not read"
    page = {
        "dump": row["dump"], "doc_id": row["doc_id"], "url": row["url"], "method": work.method,
        "outcome": outcome, "reason": reason, "chunks": len(work.chunks), "pairs_proposed": len(pair_rows),
        "pairs_kept": kept, "prompt_tokens": tokens_in, "completion_tokens": tokens_out,
    }  # fmt: skip
    return page, pair_rows


@dg.asset(
    partitions_def=cc_dump_shard_partitions,
    deps=["decontaminated_documents", "page_texts"],
    group_name="webinstruct",
    pool=LLM_POOL,
    code_version=prompt_code_version(PROMPT),
    kinds={"duckdb", "python"},
    description="QA pairs found on each decontaminated page (schema.org data or a few-shot LLM), "
    "grounding-checked; page outcomes (pairs/void/failed) in extracted_qa_pages.",
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
    pair_stager = ParquetStager(wh.staging_dir("extracted_qa", dump, part.shard))
    page_stager = ParquetStager(wh.staging_dir("extracted_qa_pages", dump, part.shard))
    all_responses: list[LLMResponse] = []
    outcomes, reasons, methods = Counter(), Counter(), Counter()
    q_scores: list[float] = []
    sample: list[dict] = []
    llm_proposed = llm_grounded = llm_pages = 0
    for batch in wh.iter_batches(
        wh.sql("webinstruct_pages_to_extract"), {"shard_key": part.key}, config.pages_per_batch
    ):
        works = [plan_page(row, config) for row in batch.iter_rows(named=True)]
        for work in works:
            if work.method == "llm" and work.chunks and config.max_llm_pages:
                if llm_pages >= config.max_llm_pages:
                    work.chunks, work.not_sent = (
                        [],
                        f"not_sent: max_llm_pages={config.max_llm_pages} reached",
                    )
                else:
                    llm_pages += 1
        requests = [
            template.request(chunk_request_id(w.row["doc_id"], i), sampling=sampling, json_schema=EXTRACTION_SCHEMA, url=w.row["url"], page_text=chunk)
            for w in works for i, chunk in enumerate(w.chunks)
        ]  # fmt: skip
        responses = (
            llm.generate(requests, stage="webinstruct_extract", log=context.log) if requests else []
        )
        all_responses.extend(responses)
        by_id = {r.request_id: r for r in responses}
        pages, pairs = [], []
        for work in works:
            page, rows = evaluate_page(work, by_id, config, prompt_version)
            pages.append(page)
            pairs.extend(rows)
        page_frame = pl.DataFrame(pages, schema=PAGE_SCHEMA)
        pair_frame = pl.DataFrame(pairs, schema=PAIR_SCHEMA)
        page_stager.write(page_frame)
        pair_stager.write(pair_frame)
        outcomes.update(value_counts(page_frame, "outcome"))
        methods.update(value_counts(page_frame, "method"))
        reasons.update(
            r.split(":")[0]
            for r in pair_frame.filter(pl.col("status") == "rejected")["reason"].to_list()
        )
        llm_pairs = pair_frame.filter(pl.col("method") == "llm")
        llm_proposed += llm_pairs.height
        llm_grounded += int((llm_pairs["status"] == "kept").sum())
        q_scores.extend(v for v in llm_pairs["question_grounding"].to_list() if v is not None)
        if len(sample) < 5:
            sample.extend(
                pair_frame.filter(pl.col("status") == "kept").head(5 - len(sample)).to_dicts()
            )
    pages_written = swap_partition(wh, "extracted_qa_pages", part, page_stager, PAGE_SCHEMA)
    pairs_written = swap_partition(wh, "extracted_qa", part, pair_stager, PAIR_SCHEMA)
    rejected = sum(reasons.values())
    kept = pairs_written - rejected
    grounded_rate = llm_grounded / llm_proposed if llm_proposed else 1.0
    metadata = {
        "dump": dump,
        "shard": part.shard,
        "pages": pages_written,
        "page_outcomes": counts_markdown(dict(outcomes), "outcome"),
        "pages_with_pairs": outcomes.get("pairs", 0),
        "pages_void": outcomes.get("void", 0),
        "pages_failed": outcomes.get("failed", 0),
        "pages_by_method": counts_markdown(dict(methods), "method"),
        "rows": pairs_written,
        "pairs_kept": kept,
        "pairs_rejected": rejected,
        "rejection_reasons": counts_markdown(dict(reasons)),
        "llm_pairs_proposed": llm_proposed,
        "grounding_rate": round(grounded_rate, 4),
        "min_grounding_rate": config.min_grounding_rate,
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
    return dg.MaterializeResult(metadata=metadata)
