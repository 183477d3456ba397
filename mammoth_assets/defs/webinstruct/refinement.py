"""`refined_qa`: every grounded pair refined by every configured refiner model (MAmmoTH2 uses two,
Mixtral-8x22B and Qwen-72B, and keeps both refinements); drifting refinements are rejected with
their reason."""

from collections import Counter

import dagster as dg
import polars as pl
from pydantic import Field

from mammoth_assets.core.decisions import registry
from mammoth_assets.core.refinement import (
    REFINEMENT_SCHEMA,
    DriftThresholds,
    apply_unrefined_fallback,
    not_sent_row,
    refinement_row,
)
from mammoth_assets.defs.conventions import LLM_POOL, prompt_code_version
from mammoth_assets.defs.partitions import cc_dump_shard_partitions
from mammoth_assets.defs.shard_tables import TableSwap, shard_of, swap_shard, with_shard_columns
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.defs.webinstruct.common import (
    bar_plot,
    counts_markdown,
    markdown_sample,
    require_table,
    swap_partition,
    usage_metadata,
)
from mammoth_assets.defs.decisions import DecisionWriter
from mammoth_assets.llm import LLMResource, SamplingParams, load_prompt
from mammoth_assets.warehouse import ParquetStager

PROMPT = "webinstruct_refine"
STAGE = "refined_qa"  # the LLM stage name (= the asset name; `refined_qa:<refiner>` per refiner)
UNREFINED = "unrefined"
REFINED_SCHEMA = {
    "dump": pl.String, "refined_id": pl.String, "pair_id": pl.String, "doc_id": pl.String,
    "refiner": pl.String, "refiner_index": pl.Int64, "refiner_model": pl.String,
    "original_question": pl.String, "original_answer": pl.String,
    "revised_question": pl.String, "revised_answer": pl.String,
    "decision": pl.String, "decision_detail": pl.String, "final_source": pl.String,
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
        "dropped rows with reason `not_sent` (a sample-scale knob for slow CPU models).",
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


def refine_batch(
    batch: pl.DataFrame, engines, config: RefinementConfig, log, budget: int | None = None
) -> tuple[list[dict], list]:
    """Decided rows for every pair x refiner; only the first `budget` pairs are sent (None: all)."""
    template = load_prompt(PROMPT)
    version = f"{PROMPT}@{template.version}"
    all_pairs = batch.to_dicts()
    pairs = all_pairs if budget is None else all_pairs[:budget]
    rows = [
        not_sent_row(p, label, index, f"max_pairs={config.max_pairs} reached", version)
        for index, (label, _, _) in enumerate(engines)
        for p in all_pairs[len(pairs) :]
    ]
    responses_all = []
    for refiner_index, (label, engine, spec) in enumerate(engines):
        sampling = SamplingParams(temperature=spec.temperature, max_tokens=spec.max_tokens)
        requests = [
            template.request(f"{p['pair_id']}:refine:{label}", sampling=sampling, json_schema=REFINEMENT_SCHEMA, question=p["question"], answer=p["answer"])
            for p in pairs
        ]  # fmt: skip
        responses = engine.generate(requests, stage=f"{STAGE}:{label}", log=log) if requests else []
        responses_all.extend(responses)
        rows.extend(
            refinement_row(pair, label, refiner_index, response, config.thresholds(), version)
            for pair, response in zip(pairs, responses)
        )
    if config.keep_unrefined_when_rejected:
        apply_unrefined_fallback(rows)
    return rows, responses_all


def refiners_frame(engines, config: RefinementConfig) -> pl.DataFrame:
    """The refiners a run used (what the reconciliation expects one row per pair of)."""
    return pl.DataFrame(
        {
            "refiner": [label for label, _, _ in engines],
            "refiner_index": list(range(len(engines))),
            "keep_unrefined_when_rejected": [config.keep_unrefined_when_rejected] * len(engines),
        },
        schema={"refiner": pl.String, "refiner_index": pl.Int64, "keep_unrefined_when_rejected": pl.Boolean},
    )


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
    stage = registry.REFINED_QA
    writer = DecisionWriter(stage, ParquetStager(wh.staging_dir(stage.name, dump, part.shard)))
    per_refiner, sources = Counter(), Counter()
    responses_all, sample = [], []
    tokens: dict[str, tuple[int, int]] = {}  # refiner -> (prompt, completion) tokens
    pairs_in = 0
    for batch in wh.iter_batches(wh.sql("extracted_qa_kept"), {"shard_key": part.key}, config.pairs_per_batch):
        budget = None if not config.max_pairs else max(0, config.max_pairs - pairs_in)
        pairs_in += batch.height
        rows, responses = refine_batch(batch, engines, config, context.log, budget)
        responses_all.extend(responses)
        frame = writer.write(pl.DataFrame(rows, schema=REFINED_SCHEMA))
        kept = frame.filter(pl.col("decision") == "kept")
        per_refiner.update(kept["refiner"].to_list())
        sources.update(kept["final_source"].to_list())
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
    swap_shard(wh, part, [TableSwap("refined_qa_refiners", with_shard_columns(refiners_frame(engines, config), part))])
    written = swap_partition(wh, stage.name, part, writer.stager, REFINED_SCHEMA)
    metadata = {
        "dump": dump,
        "shard": part.shard,
        "pairs_in": pairs_in,
        "refiners": ", ".join(label for label, _, _ in engines),
        "rows": written,
        **writer.metadata(),
        "refined": sources.get("refined", 0),
        "unrefined_fallback": sources.get("original", 0),
        "keep_unrefined_when_rejected": config.keep_unrefined_when_rejected,
        "kept_per_refiner": counts_markdown(dict(per_refiner), "refiner"),
        "tokens_per_refiner": dg.MetadataValue.md(
            "| refiner | prompt tokens | completion tokens |\n|---|---:|---:|\n"
            + "\n".join(f"| {name} | {p} | {c} |" for name, (p, c) in sorted(tokens.items()))
        ),
        "sample": markdown_sample(
            pl.DataFrame(sample, schema=REFINED_SCHEMA),
            ["refiner", "decision", "decision_detail", "original_question", "revised_question", "revised_answer"],
        ),
        **usage_metadata(llm, responses_all, ""),
    }
    plot = bar_plot(
        {k: v for k, v in writer.counts.counts.items() if v},
        "refinement decisions",
        f"refined_qa-{dump}-{part.shard}.png",
    )
    if plot is not None:
        metadata["outcomes_plot"] = plot
    return dg.MaterializeResult(metadata=metadata)
