"""`domain_verdicts`: domains with enough round-1 recalled pages, judged by the LLM."""


from datetime import datetime, timezone
from typing import Any

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets.core import recall_domains as rd
from mammoth_assets.core.decisions import registry
from mammoth_assets.defs.conventions import LLM_POOL, prompt_code_version
from mammoth_assets.defs.decisions import DecisionWriter
from mammoth_assets.defs.recall import _common
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource
from mammoth_assets.llm.prompts import load_prompt
from mammoth_assets.llm.types import SamplingParams
from mammoth_assets.warehouse import ParquetStager

PROMPT = "recall_domain_verdict"
STAGE = "domain_verdicts"  # the LLM stage name (= the asset name)
AGREEMENT_CHECK = "verdicts_agree_with_round1"
VERDICT_SCHEMA = {
    "domain": pl.String,
    "total_docs": pl.Int64,
    "recalled_docs": pl.Int64,
    "recalled_fraction": pl.Float64,
    "mean_score": pl.Float64,
    "favoured": pl.Boolean,
    "decision": pl.String,
    "decision_detail": pl.String,
    "verdict": pl.String,
    "round2_role": pl.String,
    "raw_text": pl.String,
    "error": pl.String,
    "model_id": pl.String,
    "prompt_version": pl.String,
    "cache_key": pl.String,
    "prompt_tokens": pl.Int64,
    "completion_tokens": pl.Int64,
    "cached": pl.Boolean,
    "judged_at": pl.Datetime("us", "UTC"),
}


class DomainVerdictsConfig(dg.Config):
    min_recalled_docs: int = Field(
        default=1000, ge=0, description="Judge domains with MORE than this many round-1 recalled pages (paper: 1,000)."
    )
    max_domains: int = Field(default=0, ge=0, description="Judge at most this many domains (most recalled first); 0 = all.")
    favour_min_fraction: float = Field(
        default=0.5, ge=0, le=1, description="Round 1 favours a domain when this share of its pages was recalled."
    )
    evidence_pages: int = Field(default=3, ge=1, description="Sampled page titles/snippets shown to the judge.")
    snippet_chars: int = Field(default=300, ge=20)
    max_tokens: int = Field(default=4, ge=1, description="The answer is one word (YES/NO).")
    request_batch: int = Field(default=256, ge=1, description="Requests per LLM call (rows are staged per batch).")
    seed: int = Field(default=0, description="Which pages are sampled as evidence.")
    min_verdict_agreement: float = Field(
        default=0.5, ge=0, le=1,
        description="Warn when fewer usable verdicts than this agree with round 1's favour (a judge that is "
        "broken or off-topic); round 2 only uses verdicts that agree, so a bad judge costs coverage, not quality.",
    )


def _unjudged(frame: pl.DataFrame, reason: str, limit: int, config: DomainVerdictsConfig) -> pl.DataFrame:
    none = pl.lit(None, dtype=pl.String)
    decisions = [rd.unjudged_decision(reason, n, limit) for n in frame["recalled_docs"].to_list()]
    return frame.with_columns(
        (pl.col("recalled_fraction") >= config.favour_min_fraction).alias("favoured"),
        pl.Series("decision", [d.value for d in decisions], dtype=pl.String),
        pl.Series("decision_detail", [d.detail for d in decisions], dtype=pl.String),
        none.alias("verdict"),
        pl.lit(rd.NOT_JUDGED).alias("round2_role"),
        none.alias("raw_text"), none.alias("error"), none.alias("model_id"), none.alias("prompt_version"),
        none.alias("cache_key"), pl.lit(0).alias("prompt_tokens"), pl.lit(0).alias("completion_tokens"),
        pl.lit(False).alias("cached"), pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("judged_at"),
    ).select(list(VERDICT_SCHEMA)).cast(VERDICT_SCHEMA)


def _judge(domains: pl.DataFrame, evidence: dict[str, list[dict]], llm: LLMResource, config: DomainVerdictsConfig, log):
    template = load_prompt(PROMPT)
    sampling = SamplingParams(temperature=0.0, max_tokens=config.max_tokens)
    requests = [
        template.request(
            f"{row['domain']}:{PROMPT}",
            sampling=sampling,
            regex=rd.VERDICT_REGEX,
            domain=row["domain"],
            recalled_docs=row["recalled_docs"],
            pages=rd.evidence_pages(evidence.get(row["domain"], []), config.snippet_chars),
        )
        for row in domains.iter_rows(named=True)
    ]
    responses = llm.generate(requests, stage=STAGE, log=log)
    by_id = {r.request_id: r for r in responses}
    now = datetime.now(timezone.utc)
    rows = []
    for row, request in zip(domains.iter_rows(named=True), requests):
        response = by_id.get(request.request_id)
        favoured = rd.is_favoured(row["recalled_docs"], row["total_docs"], config.favour_min_fraction)
        if response is None or not response.ok:
            verdict = rd.FAILED
        else:
            verdict = rd.parse_domain_verdict(response.text)
        error = response.error if response else "no response returned for this request"
        rows.append(
            {
                **row,
                "favoured": favoured,
                **rd.judged_decision(verdict, favoured, error).columns(),
                "verdict": verdict,
                "round2_role": rd.round2_role(verdict, favoured),
                "raw_text": response.text if response else None,
                "error": (response.error if response else "no response returned for this request"),
                "model_id": response.model_id if response else None,
                "prompt_version": request.prompt_version,
                "cache_key": response.cache_key if response else None,
                "prompt_tokens": response.prompt_tokens if response else 0,
                "completion_tokens": response.completion_tokens if response else 0,
                "cached": bool(response.cached) if response else False,
                "judged_at": now,
            }
        )
    return pl.DataFrame(rows, schema=VERDICT_SCHEMA), responses


@dg.asset(
    deps=["recall_scores_round1"],
    group_name="recall",
    pool=LLM_POOL,
    code_version=prompt_code_version(PROMPT),
    kinds={"duckdb"},
    check_specs=[
        dg.AssetCheckSpec(
            AGREEMENT_CHECK, asset="domain_verdicts", blocking=False,
            description="Share of usable verdicts that agree with round 1's favour is at least min_verdict_agreement.",
        )
    ],
    description="Domains with more than min_recalled_docs round-1 recalled pages, judged by the LLM from the "
    "domain name and sampled titles/snippets; verdict, raw text, model and prompt version stored.",
)
def domain_verdicts(
    context: dg.AssetExecutionContext, config: DomainVerdictsConfig, warehouse: WarehouseResource, llm: LLMResource
) -> dg.MaterializeResult:
    wh = warehouse.get()
    writer = DecisionWriter(registry.DOMAIN_VERDICTS, ParquetStager(wh.staging_dir("domain_verdicts")))
    responses = []
    counts = {"candidates": 0, "below": 0, "over_cap": 0, "judged": 0}
    # Candidates are aggregated in SQL (one row per domain) and streamed in bounded batches, most
    # recalled first, so no step holds every domain or document in memory.
    for batch in _common.batches(wh, registry.DOMAIN_VERDICTS.inputs_sql, {}, config.request_batch):
        counts["candidates"] += batch.height
        below = batch.filter(pl.col("recalled_docs") <= config.min_recalled_docs)
        eligible = batch.filter(pl.col("recalled_docs") > config.min_recalled_docs)
        room = max(0, config.max_domains - counts["judged"]) if config.max_domains else eligible.height
        to_judge, over_cap = eligible.head(room), eligible.slice(room)
        writer.write(_unjudged(below, rd.BELOW_MIN_DOCS, config.min_recalled_docs, config))
        writer.write(_unjudged(over_cap, rd.OVER_MAX_DOMAINS, config.max_domains, config))
        counts["below"] += below.height
        counts["over_cap"] += over_cap.height
        if to_judge.height:
            evidence_rows = _common.query(
                wh, "recall_scores_round1_domain_evidence",
                {"domains": to_judge["domain"].to_list(), "pages": config.evidence_pages, "seed": str(config.seed)},
            )
            evidence: dict[str, list[dict]] = {}
            for page in evidence_rows.iter_rows(named=True):
                evidence.setdefault(page["domain"], []).append(page)
            judged, chunk_responses = _judge(to_judge, evidence, llm, config, context.log)
            writer.write(judged)
            responses += chunk_responses
            counts["judged"] += to_judge.height
            context.log.info(f"judged {counts['judged']} domains")
    rows = wh.replace_table("domain_verdicts", writer.stager.files or pl.DataFrame(schema=VERDICT_SCHEMA))
    writer.stager.cleanup()

    table = wh.read_table("domain_verdicts")
    judged = table.filter(pl.col("verdict").is_not_null())
    agreement = rd.verdict_agreement(zip(judged["verdict"].to_list(), judged["favoured"].to_list()))
    breakdown = table.group_by("decision", "verdict", "round2_role").len().sort("decision", "verdict", "round2_role", nulls_last=True)
    sample = judged.sort("recalled_docs", descending=True).head(10).select(
        "domain", "recalled_docs", pl.col("recalled_fraction").round(3), "verdict", "round2_role", "raw_text"
    )
    usage = llm.usage_metadata(responses) if responses else {}
    if counts["judged"] == 0:
        context.log.warning(
            f"no domain has more than {config.min_recalled_docs} recalled pages: nothing judged; "
            "round 2 then learns from the round-1 seeds and low-scoring pages only"
        )
    agreement_check = dg.AssetCheckResult(
        check_name=AGREEMENT_CHECK,
        passed=agreement.usable == 0 or agreement.rate >= config.min_verdict_agreement,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={**agreement.as_dict(), "min_verdict_agreement": config.min_verdict_agreement},
    )
    return dg.MaterializeResult(
        check_results=[agreement_check],
        metadata={
            "dagster/row_count": rows,
            **writer.metadata(),
            "candidate_domains": counts["candidates"],
            "judged_domains": judged.height,
            "below_min_docs": counts["below"],
            "over_max_domains": counts["over_cap"],
            "accepted": int((judged["verdict"] == rd.ACCEPT).sum()),
            "rejected": int((judged["verdict"] == rd.REJECT).sum()),
            "unparsed": int((judged["verdict"] == rd.UNPARSED).sum()),
            "failed": int((judged["verdict"] == rd.FAILED).sum()),
            "positive_source_domains": int((table["round2_role"] == rd.POSITIVE_SOURCE).sum()),
            "negative_source_domains": int((table["round2_role"] == rd.NEGATIVE_SOURCE).sum()),
            "verdict_round1_agreement": agreement.rate,
            "agreement": dg.MetadataValue.json(agreement.as_dict()),
            "breakdown": _common.markdown_table(breakdown),
            "sample": _common.markdown_table(sample),
            "prompt_version": f"{PROMPT}@{load_prompt(PROMPT).version}",
            **usage,
        }
    )
