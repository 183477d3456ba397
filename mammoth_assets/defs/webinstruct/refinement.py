"""`refined_qa`: every grounded pair refined by every configured refiner model (MAmmoTH2 uses two,
Mixtral-8x22B and Qwen-72B, and keeps both refinements); drifting refinements are rejected with
their reason."""

from collections import Counter

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets.core.refinement import (
    REFINEMENT_SCHEMA,
    DriftThresholds,
    check_refinement,
    parse_refinement,
)
from mammoth_assets.defs.conventions import LLM_POOL, prompt_code_version
from mammoth_assets.defs.partitions import cc_dump_shard_partitions
from mammoth_assets.defs.shard_tables import shard_of
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.webinstruct.common import (
    bar_plot,
    counts_markdown,
    markdown_sample,
    require_table,
    stable_id,
    swap_partition,
    usage_metadata,
)
from mammoth_assets.llm import LLMResource, SamplingParams, load_prompt
from mammoth_assets.warehouse import ParquetStager

PROMPT = "webinstruct_refine"
UNREFINED = "unrefined"
REFINED_SCHEMA = {
    "dump": pl.String, "refined_id": pl.String, "pair_id": pl.String, "doc_id": pl.String,
    "refiner": pl.String, "refiner_index": pl.Int64, "refiner_model": pl.String,
    "original_question": pl.String, "original_answer": pl.String,
    "revised_question": pl.String, "revised_answer": pl.String,
    "status": pl.String, "reason": pl.String, "kept": pl.Boolean, "final_source": pl.String,
    "question": pl.String, "answer": pl.String, "question_overlap": pl.Float64,
    "answer_overlap": pl.Float64, "prompt_tokens": pl.Int64, "completion_tokens": pl.Int64,
    "cached": pl.Boolean, "prompt_version": pl.String,
}  # fmt: skip


class RefinerSpec(dg.Config):
    model: str = Field(
        default="",
        description="HF id, local path or served model; empty = the `llm` resource's model.",
    )
    name: str = Field(
        default="", description="Label stored with each refinement; empty = the model id."
    )
    max_tokens: int = 1024
    temperature: float = 0.0


class RefinementConfig(dg.Config):
    refiners: list[RefinerSpec] = Field(
        default_factory=lambda: [RefinerSpec()],
        description="Refiner models; each refines every pair and all accepted refinements are kept "
        "(paper: Mixtral-8x22B and Qwen-72B).",
    )
    keep_unrefined_when_rejected: bool = Field(
        default=False,
        description="When every refiner's output of a pair is rejected, keep the extracted pair "
        "unrefined (the paper keeps refined pairs only; the offline demo turns this on).",
    )
    min_question_overlap: float = 0.5
    max_question_novelty: float = 0.6
    min_answer_overlap: float = 0.3
    max_length_ratio: float = 8.0
    length_slack_chars: int = 600
    pairs_per_batch: int = 256
    max_pairs: int = Field(
        default=0,
        description="Refine at most this many pairs per partition (0 = all). Pairs over the cap get "
        "rejected rows with reason `not_sent` (a sample-scale knob for slow CPU models).",
    )

    def thresholds(self) -> DriftThresholds:
        return DriftThresholds(
            self.min_question_overlap,
            self.max_question_novelty,
            self.min_answer_overlap,
            self.max_length_ratio,
            self.length_slack_chars,
        )


def refiner_engines(
    base: LLMResource, specs: list[RefinerSpec]
) -> list[tuple[str, LLMResource, RefinerSpec]]:
    engines = []
    for spec in specs:
        engine = base.with_model(spec.model) if spec.model else base
        label = spec.name or engine.settings().model_id
        engines.append((label, engine, spec))
    labels = [label for label, _, _ in engines]
    if len(set(labels)) != len(labels):
        raise dg.Failure(
            f"refiner labels must be distinct, got {labels}: set `name` on each refiner"
        )
    return engines


def not_sent_row(pair: dict, label: str, refiner_index: int, reason: str, version: str) -> dict:
    return {
        "dump": pair["dump"], "refined_id": stable_id(pair["pair_id"], label, prefix="rf-"),
        "pair_id": pair["pair_id"], "doc_id": pair["doc_id"], "refiner": label, "refiner_index": refiner_index,
        "refiner_model": None, "original_question": pair["question"], "original_answer": pair["answer"],
        "revised_question": None, "revised_answer": None, "status": "rejected", "reason": reason,
        "kept": False, "final_source": "", "question": None, "answer": None, "question_overlap": None,
        "answer_overlap": None, "prompt_tokens": 0, "completion_tokens": 0, "cached": False, "prompt_version": version,
    }  # fmt: skip


def refine_batch(
    batch: pl.DataFrame, engines, config: RefinementConfig, log, budget: int | None = None
) -> tuple[list[dict], list]:
    """Rows for every pair x refiner; only the first `budget` pairs are sent (None: all)."""
    template = load_prompt(PROMPT)
    version = f"{PROMPT}@{template.version}"
    rows, responses_all = [], []
    all_pairs = batch.to_dicts()
    pairs = all_pairs if budget is None else all_pairs[:budget]
    for refiner_index, (label, engine, _) in enumerate(engines):
        reason = f"not_sent: max_pairs={config.max_pairs} reached"
        rows.extend(
            not_sent_row(p, label, refiner_index, reason, version) for p in all_pairs[len(pairs) :]
        )
    for refiner_index, (label, engine, spec) in enumerate(engines):
        sampling = SamplingParams(temperature=spec.temperature, max_tokens=spec.max_tokens)
        requests = [
            template.request(f"{p['pair_id']}:refine:{label}", sampling=sampling, json_schema=REFINEMENT_SCHEMA, question=p["question"], answer=p["answer"])
            for p in pairs
        ]  # fmt: skip
        responses = (
            engine.generate(requests, stage=f"webinstruct_refine:{label}", log=log)
            if requests
            else []
        )
        responses_all.extend(responses)
        for pair, response in zip(pairs, responses):
            revised = parse_refinement(response.parsed, response.text) if response.ok else None
            if not response.ok:
                status, reason, verdict = (
                    "rejected",
                    f"llm_error: {response.error or 'no text'}"[:200],
                    None,
                )
            elif revised is None:
                status, reason, verdict = (
                    "rejected",
                    "failed_output: not a {revised_question, revised_answer} object",
                    None,
                )
            else:
                verdict = check_refinement(
                    pair["question"], pair["answer"], revised[0], revised[1], config.thresholds()
                )
                status, reason = (
                    ("refined", "") if verdict.accepted else ("rejected", verdict.reason)
                )
            rows.append(
                {
                    "dump": pair["dump"], "refined_id": stable_id(pair["pair_id"], label, prefix="rf-"),
                    "pair_id": pair["pair_id"], "doc_id": pair["doc_id"], "refiner": label,
                    "refiner_index": refiner_index, "refiner_model": response.model_id,
                    "original_question": pair["question"], "original_answer": pair["answer"],
                    "revised_question": revised[0] if revised else None, "revised_answer": revised[1] if revised else None,
                    "status": status, "reason": reason, "kept": status == "refined",
                    "final_source": "refined" if status == "refined" else "",
                    "question": revised[0] if status == "refined" else None,
                    "answer": revised[1] if status == "refined" else None,
                    "question_overlap": verdict.question_overlap if verdict else None,
                    "answer_overlap": verdict.answer_overlap if verdict else None,
                    "prompt_tokens": response.prompt_tokens, "completion_tokens": response.completion_tokens,
                    "cached": response.cached, "prompt_version": version,
                }
            )  # fmt: skip
    if config.keep_unrefined_when_rejected:
        apply_unrefined_fallback(rows)
    return rows, responses_all


def apply_unrefined_fallback(rows: list[dict]) -> None:
    """For pairs whose every refinement was rejected, keep the first refiner's row with the
    original pair as the final text (status `unrefined_fallback`; the rejection reason stays)."""
    accepted = {r["pair_id"] for r in rows if r["kept"]}
    chosen: set[str] = set()
    for row in rows:
        if row["pair_id"] in accepted or row["pair_id"] in chosen:
            continue
        chosen.add(row["pair_id"])
        row.update(status="unrefined_fallback", kept=True, final_source="original",
                   question=row["original_question"], answer=row["original_answer"])  # fmt: skip


@dg.asset(
    partitions_def=cc_dump_shard_partitions,
    deps=["extracted_qa"],
    group_name="webinstruct",
    pool=LLM_POOL,
    code_version=prompt_code_version(PROMPT),
    kinds={"duckdb", "python"},
    description="Each grounded QA pair refined by each configured refiner (format, LaTeX, "
    "missing steps); drifting refinements rejected with their reason.",
)
def refined_qa(
    context: dg.AssetExecutionContext,
    config: RefinementConfig,
    warehouse: WarehouseResource,
    llm: LLMResource,
) -> dg.MaterializeResult:
    part = shard_of(context)
    dump = part.dump
    wh = warehouse.get()
    if not config.refiners:
        raise dg.Failure("refined_qa needs at least one refiner in config.refiners")
    require_table(wh, "extracted_qa", "extracted_qa")
    engines = refiner_engines(llm, config.refiners)
    stager = ParquetStager(wh.staging_dir("refined_qa", dump, part.shard))
    statuses, reasons, per_refiner = Counter(), Counter(), Counter()
    responses_all, sample = [], []
    tokens: dict[str, tuple[int, int]] = {}  # refiner -> (prompt, completion) tokens
    pairs_in = 0
    for batch in wh.iter_batches(
        wh.sql("webinstruct_pairs_to_refine"), {"shard_key": part.key}, config.pairs_per_batch
    ):
        budget = None if not config.max_pairs else max(0, config.max_pairs - pairs_in)
        pairs_in += batch.height
        rows, responses = refine_batch(batch, engines, config, context.log, budget)
        responses_all.extend(responses)
        frame = pl.DataFrame(rows, schema=REFINED_SCHEMA)
        stager.write(frame)
        statuses.update(frame["status"].to_list())
        reasons.update(
            r.split(":")[0] for r in frame.filter(pl.col("reason") != "")["reason"].to_list()
        )
        per_refiner.update(frame.filter(pl.col("kept"))["refiner"].to_list())
        for refiner, prompt, completion in (
            frame.group_by("refiner")
            .agg(pl.col("prompt_tokens").sum(), pl.col("completion_tokens").sum())
            .iter_rows()
        ):
            tokens[refiner] = (
                tokens.get(refiner, (0, 0))[0] + prompt,
                tokens.get(refiner, (0, 0))[1] + completion,
            )
        if len(sample) < 5:
            sample.extend(frame.head(5 - len(sample)).to_dicts())
    written = swap_partition(wh, "refined_qa", part, stager, REFINED_SCHEMA)
    kept = statuses.get("refined", 0) + statuses.get("unrefined_fallback", 0)
    metadata = {
        "dump": dump,
        "shard": part.shard,
        "pairs_in": pairs_in,
        "refiners": ", ".join(label for label, _, _ in engines),
        "refiner_count": len(engines),
        "rows": written,
        "expected_rows": pairs_in * len(engines),
        "refined": statuses.get("refined", 0),
        "unrefined_fallback": statuses.get("unrefined_fallback", 0),
        "rejected": statuses.get("rejected", 0),
        "kept": kept,
        "keep_unrefined_when_rejected": config.keep_unrefined_when_rejected,
        "rejection_reasons": counts_markdown(dict(reasons)),
        "kept_per_refiner": counts_markdown(dict(per_refiner), "refiner"),
        "tokens_per_refiner": dg.MetadataValue.md(
            "| refiner | prompt tokens | completion tokens |\n|---|---:|---:|\n"
            + "\n".join(f"| {name} | {p} | {c} |" for name, (p, c) in sorted(tokens.items()))
        ),
        "sample": markdown_sample(
            pl.DataFrame(sample, schema=REFINED_SCHEMA),
            [
                "refiner",
                "status",
                "reason",
                "original_question",
                "revised_question",
                "revised_answer",
            ],
        ),
        **usage_metadata(llm, responses_all, ""),
    }
    plot = bar_plot(
        dict(statuses) | {f"reason: {k}": v for k, v in reasons.items()},
        "refinement outcomes",
        f"refined_qa-{dump}-{part.shard}.png",
    )
    if plot is not None:
        metadata["outcomes_plot"] = plot
    return dg.MaterializeResult(metadata=metadata)
