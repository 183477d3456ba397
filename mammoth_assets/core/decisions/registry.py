"""Every filtering stage of the pipeline, with every reason it may drop a row for.

This is the one place a stage's vocabulary is declared and documented: the stage's code refuses
to write a reason that is not here, and `defs/decision_checks.py` generates each stage's blocking
reconciliation check (rows in = kept + dropped by reason, key by key) from these entries.

To add a stage: write its decisions table with a `decision` column (`kept` or a reason below) and
a `decision_detail` column, add its two SQL files (rows in, rows decided) and an entry here. See
/work/notes/decisions-api.md or ARCHITECTURE.md for the table shape.
"""

from __future__ import annotations

from mammoth_assets.core.decisions.stage import Stage

LLM_ERROR = "the LLM call failed or returned no text (detail: the error)"
NOT_SENT = "over the configured cap of LLM work for the partition (a sample-scale knob; detail: the cap)"

# -- crawl and recall ---------------------------------------------------------------------------
WEB_DOCUMENTS = Stage(
    name="web_documents",
    asset="web_documents",
    description="Every WET record of the shard's files is stored as a document or rejected with a reason.",
    reasons={
        "empty": "the record has no text",
        "too_large": "more text bytes than max_record_bytes (Common Crawl truncates at 1 MiB)",
        "truncated_record": "the record's payload is shorter than its Content-Length",
        "corrupt_archive": "the gzip/WARC stream broke; the rest of the file is unreadable",
        "unreadable_file": "the file could not be opened",
        "missing_uri": "no WARC-Target-URI header",
        "not_html": "a WET conversion of a non-HTML payload",
        "undecodable": "the text is not valid in its declared charset",
        "unknown_record_type": "a WARC-Type that is not conversion/warcinfo",
        "non_utf8": "the payload is not UTF-8",
        "download_failed": "the file failed after every download retry (the whole file counts as one record)",
        "duplicate_record_id": "a WARC-Record-ID already seen earlier in the same file",
    },
    keys=("wet_file",),
    inputs_sql="web_documents_files_records",
    decisions_sql="web_documents_decided",
)

RECALL_SCORES_ROUND1 = Stage(
    name="recall_scores_round1",
    asset="recall_scores_round1",
    description="Every web document of the shard is scored by the round-1 classifier and kept or dropped.",
    reasons={"below_threshold": "round-1 fastText score below the configured threshold"},
    keys=("doc_id",),
    inputs_sql="web_documents_doc_ids",
    decisions_sql="recall_scores_round1_decided",
)

RECALLED_DOCUMENTS = Stage(
    name="recalled_documents",
    asset="recalled_documents",
    description="Every web document of the shard is scored by the round-2 classifier and kept or dropped.",
    reasons={"below_threshold": "round-2 fastText score below the configured threshold"},
    keys=("doc_id",),
    inputs_sql="web_documents_doc_ids",
    decisions_sql="recalled_documents_decided",
)

DOMAIN_VERDICTS = Stage(
    name="domain_verdicts",
    asset="domain_verdicts",
    description="Every domain with round-1 recalled pages is kept as a round-2 source (positive or "
    "negative: the judge agrees with round 1) or dropped with a reason.",
    reasons={
        "below_min_docs": "no more than min_recalled_docs recalled pages: not judged",
        "over_max_domains": "past max_domains (most recalled first): not judged",
        "disagrees_with_round1": "the judge's verdict contradicts round 1's favour: not used",
        "no_verdict": "the judge's answer did not parse or the call failed (detail: verdict and error)",
    },
    keys=("domain",),
    inputs_sql="recall_scores_round1_domains",
    decisions_sql="domain_verdicts_decided",
    partitioning="none",
    detail_columns=("verdict", "round2_role", "favoured"),
)

# -- webinstruct --------------------------------------------------------------------------------
PAGE_TEXTS = Stage(
    name="page_texts",
    asset="page_texts",
    description="Every recalled page gets its extraction text (WARC HTML main content, or WET fallback).",
    reasons={"empty_text": "neither the WARC HTML nor the WET text gave any text (detail: why the HTML was not used)"},
    keys=("doc_id",),
    inputs_sql="recalled_documents_kept_pages",
    decisions_sql="page_texts_decided",
    detail_columns=("text_source", "fallback_reason"),
)

DECONTAMINATED_DOCUMENTS = Stage(
    name="decontaminated_documents",
    asset="decontaminated_documents",
    description="Every page with text is kept or removed for sharing a word n-gram with a benchmark item.",
    reasons={"contaminated": "shares a word n-gram with a benchmark item (matched_* columns name it)"},
    keys=("doc_id",),
    inputs_sql="page_texts_kept",
    decisions_sql="decontaminated_documents_decided",
    detail_columns=("matched_benchmark", "matched_item_id", "matched_ngram"),
)

EXTRACTED_QA_PAGES = Stage(
    name="extracted_qa_pages",
    asset="extracted_qa",
    description="Every decontaminated page yields grounded QA pairs (kept) or is dropped with a reason.",
    reasons={
        "void": "the page holds no QA pair (the LLM returned an empty list for every chunk)",
        "no_grounded_pairs": "pairs were proposed but none is grounded on the page (detail: pair reasons)",
        "llm_error": LLM_ERROR,
        "unparsable_output": "the LLM's answer is not the expected JSON (detail: how)",
        "not_sent": NOT_SENT,
        "empty_page_text": "the page text has no chunk to send",
    },
    keys=("doc_id",),
    inputs_sql="decontaminated_documents_kept_pages",
    decisions_sql="extracted_qa_pages_decided",
    detail_columns=("method", "pairs_proposed", "pairs_kept"),
)

EXTRACTED_QA = Stage(
    name="extracted_qa",
    asset="extracted_qa",
    description="Every proposed pair (pairs_proposed of its page) is kept or rejected with a reason.",
    reasons={
        "duplicate_in_page": "the same pair was read twice on the page (overlapping chunks)",
        "empty_question": "the question is empty",
        "empty_answer": "the answer is empty",
        "question_not_on_page": "too few of the question's word n-grams are on the page (detail: score < floor)",
        "answer_not_on_page": "too few of the answer's word n-grams are on the page (detail: score < floor)",
    },
    keys=("doc_id", "pair_index"),
    inputs_sql="extracted_qa_pages_proposed",
    decisions_sql="extracted_qa_decided",
    detail_columns=("question_grounding", "answer_grounding"),
)

REFINED_QA = Stage(
    name="refined_qa",
    asset="refined_qa",
    description="Every kept pair gets one row per refiner: kept (refined, or unrefined fallback) or rejected.",
    reasons={
        "llm_error": LLM_ERROR,
        "failed_output": "not a {revised_question, revised_answer} object",
        "empty_revision": "the revision's question or answer is empty",
        "question_drift": "the revised question asks something else (detail: overlap/novelty)",
        "answer_changed": "the original's final answer is no longer in the revised answer",
        "answer_drift": "the revised answer drifted from an original with no checkable final answer",
        "length_blowup": "the revised answer grew far beyond the original",
        "not_sent": NOT_SENT,
    },
    keys=("pair_id", "refiner"),
    inputs_sql="extracted_qa_kept_by_refiner",
    decisions_sql="refined_qa_decided",
    detail_columns=("final_source",),
)

WEBINSTRUCT = Stage(
    name="webinstruct",
    asset="webinstruct",
    description="Every kept refinement of every dump is in the dataset or removed as a duplicate.",
    reasons={
        "exact_duplicate": "same normalized question and answer as an earlier kept row",
        "near_duplicate": "Jaccard similarity of shingles at or above the threshold with an earlier kept row",
        "identical_in_group": "identical to an earlier kept row of the same page",
    },
    keys=("refined_id",),
    inputs_sql="refined_qa_kept",
    decisions_sql="webinstruct_decided",
    partitioning="none",
    detail_columns=("duplicate_of", "similarity"),
)

# -- quality -------------------------------------------------------------------------------------
ALPAGASUS_SUBSET = Stage(
    name="alpagasus_subset",
    asset="alpagasus_subset",
    description="Every rated example of the set is kept by the AlpaGasus score filter or dropped.",
    reasons={
        "below_threshold": "rating below the asset's threshold (the paper: 4.5)",
        "unrated": "the rater's answer gave no score (detail: the parse status, failed or llm_error)",
    },
    keys=("example_id",),
    inputs_sql="quality_scores_rated",
    decisions_sql="alpagasus_subset_decided",
    partitioning="instruction_set",
    detail_columns=("score",),
)

RANDOM_SUBSET = Stage(
    name="random_subset",
    asset="random_subset",
    description="Every rated example of the set is drawn into the same-size random control or not.",
    reasons={"not_drawn": "ranked after the subset size in the seeded hash order"},
    keys=("example_id",),
    inputs_sql="quality_scores_rated",
    decisions_sql="random_subset_decided",
    partitioning="instruction_set",
    detail_columns=("draw_rank",),
)

JUDGE_VERDICTS = Stage(
    name="judge_verdicts",
    asset="judge_verdicts",
    description="Every answered test item of every comparison gets a Win/Tie/Lose verdict or is unjudged.",
    reasons={
        "unanswered": "one of the two models failed to answer: the item is never sent to the judge",
        "judge_failed": "a judge call (either order) failed or returned no text (detail: the error)",
        "unparsed": "a judgement (either order) gave no pair of 1-10 scores (detail: the parser's error)",
    },
    keys=("comparison", "test_set", "item_id"),
    inputs_sql="judge_answers_items",
    decisions_sql="judge_verdicts_decided",
    partitioning="none",
    detail_columns=("verdict",),
)

# -- rationales ----------------------------------------------------------------------------------
VERIFIED_RATIONALES = Stage(
    name="verified_rationales",
    asset="verified_rationales",
    description="Every pot_programs row is executed in the sandbox and kept when it reproduces the "
    "reference answer (MAmmoTH's filter), or dropped with the verdict.",
    reasons={
        "wrong_answer": "the program ran and printed another answer (detail: the comparison)",
        "no_answer": "the program ran but printed nothing and set no ans/answer/result",
        "execution_failed": "error, timeout or killed in the sandbox (detail: status and reason)",
        "not_executed": "pot_programs has no program for this row: skipped, no_program or llm_error",
    },
    keys=("program_id",),
    inputs_sql="pot_programs_to_run",
    decisions_sql="verified_rationales_decided",
    partitioning="instruction_set",
    detail_columns=("verdict", "status", "answer"),
)

STAGES: dict[str, Stage] = {
    s.name: s
    for s in (
        WEB_DOCUMENTS,
        RECALL_SCORES_ROUND1,
        DOMAIN_VERDICTS,
        RECALLED_DOCUMENTS,
        PAGE_TEXTS,
        DECONTAMINATED_DOCUMENTS,
        EXTRACTED_QA_PAGES,
        EXTRACTED_QA,
        REFINED_QA,
        WEBINSTRUCT,
        ALPAGASUS_SUBSET,
        RANDOM_SUBSET,
        JUDGE_VERDICTS,
        VERIFIED_RATIONALES,
    )
}


def stage(name: str) -> Stage:
    try:
        return STAGES[name]
    except KeyError:
        raise KeyError(f"no decision stage {name!r}; registered: {sorted(STAGES)}") from None


def stages_of_asset(asset: str) -> list[Stage]:
    return [s for s in STAGES.values() if s.asset == asset]


def registry_markdown() -> str:
    """Every stage with its reasons and their meaning (docs/decision_stages.md is this text)."""
    lines = [
        "# Decision stages",
        "",
        "Generated from `mammoth_assets/core/decisions/registry.py` (regenerate with",
        "`MAMMOTH_UPDATE_SNAPSHOT=1 .venv/bin/python -m pytest -q tests/core/test_decisions.py`).",
        "Every row of a stage's table has `decision` = `kept` or one of its reasons, and",
        "`decision_detail`; the blocking check `<stage>_reconciled` on the asset reconciles rows in",
        "= kept + dropped by reason, key by key, per partition.",
    ]
    for s in STAGES.values():
        lines += [
            "",
            f"## {s.name}",
            "",
            f"{s.description} Asset `{s.asset}`, partitioned by {s.partitioning}; keys "
            f"{', '.join(f'`{k}`' for k in s.keys)}; rows in: `sql/{s.inputs_sql}.sql`, decided: "
            f"`sql/{s.decisions_sql}.sql`"
            + (f"; detail columns {', '.join(f'`{c}`' for c in s.detail_columns)}." if s.detail_columns else "."),
            "",
            "| reason | meaning |",
            "|---|---|",
            *(f"| `{r}` | {m.replace('|', '/')} |" for r, m in s.reasons.items()),
        ]
    return "\n".join(lines) + "\n"
