"""The `extracted_qa` stage's policy: plan each page (schema.org pairs, or LLM chunks), then turn
the LLM's answers into one decided page row (kept when it yields a grounded pair) and one decided
row per proposed pair (kept when grounded on the page; schema.org pairs are part of the page and
are not gated). Pure: LLM responses come in as plain objects (see `Response`)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol

from mammoth_assets.core.decisions import KEEP, Decision, drop, drop_coded
from mammoth_assets.core.dedup import normalize_text
from mammoth_assets.core.page_text import chunk_text
from mammoth_assets.core.qa_extraction import PageGrounding, QAPair, check_pair, parse_extraction
from mammoth_assets.core.stable_ids import stable_id


class Response(Protocol):
    """What the extraction policy reads of an LLM response."""

    ok: bool
    error: str | None
    parsed: Any
    text: str | None
    prompt_tokens: int
    completion_tokens: int
    model_id: str


@dataclass(frozen=True)
class ExtractionSettings:
    use_structured_data: bool = True
    chunk_chars: int = 6000
    chunk_overlap_chars: int = 500
    max_chunks_per_page: int = 8
    grounding_ngram: int = 3
    min_question_grounding: float = 0.6
    min_answer_grounding: float = 0.0


@dataclass
class PageWork:
    row: dict
    method: str
    chunks: list[str] = field(default_factory=list)
    structured: list[QAPair] = field(default_factory=list)
    skipped_chunks: int = 0
    not_sent: str = ""  # why the page's chunks were not sent to the LLM


def plan_page(row: Mapping[str, Any], settings: ExtractionSettings) -> PageWork:
    structured = json.loads(row["structured_pairs"]) if row.get("structured_pairs") else []
    if settings.use_structured_data and structured:
        return PageWork(
            dict(row),
            row["structured_method"] or "jsonld",
            structured=[QAPair(p["question"], p["answer"]) for p in structured],
        )
    chunks = chunk_text(row["page_text"] or "", settings.chunk_chars, settings.chunk_overlap_chars)
    kept = chunks[: settings.max_chunks_per_page]
    return PageWork(dict(row), "llm", chunks=kept, skipped_chunks=len(chunks) - len(kept))


def cap_llm_pages(works: list[PageWork], max_llm_pages: int, sent_before: int) -> int:
    """Mark LLM pages past `max_llm_pages` (0 = no cap) as not sent; returns pages sent so far."""
    sent = sent_before
    for work in works:
        if work.method == "llm" and work.chunks and max_llm_pages:
            if sent >= max_llm_pages:
                work.chunks, work.not_sent = [], f"max_llm_pages={max_llm_pages} reached"
            else:
                sent += 1
    return sent


def chunk_request_id(doc_id: str, chunk: int) -> str:
    return f"{doc_id}:extract:{chunk}"


def _pair_decision(pair: QAPair, grounding: PageGrounding, method: str, settings: ExtractionSettings):
    # Structured data is part of the page itself: it is not gated, but its scores are kept.
    gated = method == "llm"
    verdict = check_pair(
        pair, grounding,
        min_question_grounding=settings.min_question_grounding if gated else 0.0,
        min_answer_grounding=settings.min_answer_grounding if gated else 0.0,
    )  # fmt: skip
    return (KEEP if verdict.grounded else drop_coded(verdict.reason)), verdict


def _page_decision(work: PageWork, pair_rows: list[dict], failures: list[Decision]) -> Decision:
    if any(r["decision"] == "kept" for r in pair_rows):
        return KEEP
    if pair_rows:
        reasons = Counter(r["decision"] for r in pair_rows)
        return drop("no_grounded_pairs", ", ".join(f"{k} x{v}" for k, v in reasons.most_common()))
    if failures:
        return failures[0]
    if work.not_sent:
        return drop("not_sent", work.not_sent)
    if work.method == "llm" and not work.chunks:
        return drop("empty_page_text")
    return drop("void")


def evaluate_page(
    work: PageWork, responses: Mapping[str, Response], settings: ExtractionSettings, prompt_version: str
) -> tuple[dict, list[dict]]:
    """The page's decided row and one decided row per proposed pair."""
    row = work.row
    grounding = PageGrounding(row["page_text"] or "", settings.grounding_ngram)
    proposed: list[tuple[int, QAPair]] = []
    failures: list[Decision] = []
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
            failures.append(drop("llm_error", (response.error or "no text")[:200]))
            continue
        result = parse_extraction(response.parsed, response.text)
        if result.status == "failed":
            failures.append(drop("unparsable_output", result.reason))
        proposed.extend((chunk_index, pair) for pair in result.pairs)
    pair_rows, seen = [], set()
    llm = work.method == "llm"
    for index, (chunk_index, pair) in enumerate(proposed):
        key = (normalize_text(pair.question), normalize_text(pair.answer))
        if key in seen:  # the same pair read twice from overlapping chunks
            decision, q, a = drop("duplicate_in_page"), None, None
        else:
            seen.add(key)
            decision, verdict = _pair_decision(pair, grounding, work.method, settings)
            q, a = verdict.question_score, verdict.answer_score
        pair_rows.append(
            {
                "dump": row["dump"], "pair_id": stable_id(row["dump"], row["doc_id"], index, pair.question, pair.answer, prefix="qa-"),
                "doc_id": row["doc_id"], "url": row["url"], "domain": row["domain"], "pair_index": index,
                "chunk_index": chunk_index, "method": work.method, "question": pair.question, "answer": pair.answer,
                "question_grounding": q, "answer_grounding": a, **decision.columns(),
                "model_id": model_id if llm else "", "prompt_version": prompt_version if llm else "",
            }
        )  # fmt: skip
    decision = _page_decision(work, pair_rows, failures)
    if work.skipped_chunks:
        note = f"{work.skipped_chunks} chunks over max_chunks_per_page not read"
        decision = Decision(decision.reason, f"{decision.detail}; {note}" if decision.detail else note)
    page = {
        "dump": row["dump"], "doc_id": row["doc_id"], "url": row["url"], "method": work.method,
        **decision.columns(), "chunks": len(work.chunks), "pairs_proposed": len(pair_rows),
        "pairs_kept": sum(r["decision"] == "kept" for r in pair_rows),
        "prompt_tokens": tokens_in, "completion_tokens": tokens_out,
    }  # fmt: skip
    return page, pair_rows
