"""Near-duplicate removal in the warehouse: memory stays flat however many rows there are.

Inputs (tables): `webinstruct_minhash` (item_id, band, bucket, signature: MinHash band buckets,
written per dump), `webinstruct_dedup_items` (item_id, grp, ord: what to deduplicate, in order) and
`webinstruct_dedup_texts` (item_id, question, answer). Steps:

1. candidate pairs: rows sharing a bucket, by a SQL join (`webinstruct_dedup_candidate_pairs`);
2. exact check: candidate pairs with their texts are streamed in batches and kept as edges only
   when the exact Jaccard of their shingle sets reaches the threshold (or the normalized question
   is identical): `webinstruct_dedup_edges`;
3. greedy decisions in SQL rounds over the edges: a row is dropped when an earlier row it
   duplicates is kept (the same rule as comparing each row with every kept row before it).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from mammoth_assets.core.dedup import (
    DedupDecision,
    DedupRow,
    SignatureSpec,
    band_params,
    bucket_frame,
    verify_pairs,
)
from mammoth_assets.warehouse import ParquetStager, Warehouse

EDGE_SCHEMA = {"a_id": pl.String, "b_id": pl.String, "reason": pl.String, "similarity": pl.Float64}
MAX_ROUNDS = 10_000


class DedupError(RuntimeError):
    pass


@dataclass
class DedupStats:
    candidate_pairs: int
    edges: int
    rounds: int
    decisions_file: Path


def check_signatures(wh: Warehouse, spec: SignatureSpec) -> None:
    """Every stored bucket must come from the same signature parameters as `spec`."""
    found = wh.query_text(
        "SELECT signature, list(DISTINCT dump ORDER BY dump) AS dumps FROM webinstruct_minhash GROUP BY 1"
    )
    wrong = found.filter(pl.col("signature") != spec.label)
    if wrong.height:
        dumps = sorted({d for ds in wrong["dumps"].to_list() for d in ds})
        raise DedupError(
            f"webinstruct_minhash of dumps {dumps} was built with {wrong['signature'].to_list()}, "
            f"not {spec.label}: re-materialize webinstruct_minhash for them with the same config"
        )


def find_duplicates(
    wh: Warehouse, spec: SignatureSpec, threshold: float, max_bucket_peers: int = 64,
    batch_rows: int = 20_000,
) -> DedupStats:  # fmt: skip
    """Run the three steps; decisions (item_id, kept, reason, duplicate_of, similarity) in dedup
    order land in a Parquet file under this run's staging directory."""
    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be in (0, 1)")
    check_signatures(wh, spec)
    wh.execute("webinstruct_dedup_candidate_pairs", {"max_bucket_peers": max_bucket_peers})
    candidates = wh.count("webinstruct_dedup_pairs")
    stager = ParquetStager(wh.staging_dir("webinstruct_dedup_edges"))
    for batch in wh.iter_batches(wh.sql("webinstruct_dedup_candidate_pair_texts"), batch_rows=batch_rows):
        stager.write(verify_pairs(batch, threshold, spec))
    edges = wh.replace_table(
        "webinstruct_dedup_edges", stager.files or pl.DataFrame(schema=EDGE_SCHEMA)
    )
    stager.cleanup()
    decisions = wh.staging_dir("webinstruct_dedup") / "decisions.parquet"
    rounds = _greedy(wh, decisions)
    return DedupStats(candidates, edges, rounds, decisions)


def _greedy(wh: Warehouse, out: Path) -> int:
    """Decide in rounds on one connection (temp tables: nothing is written to the warehouse);
    returns the number of rounds."""
    with wh.connect() as con:
        con.execute(wh.sql("webinstruct_dedup_edge_ords"))
        con.execute(wh.sql("webinstruct_dedup_greedy_start"))
        pending = con.execute(
            "SELECT count(DISTINCT b_ord) FROM dedup_edge_ords e ANTI JOIN dedup_decided d ON d.ord = e.b_ord"
        ).fetchone()[0]
        rounds = 0
        while pending:
            rounds += 1
            decided = con.execute(wh.sql("webinstruct_dedup_greedy_round"), {"round": rounds}).fetchone()[0]
            if not decided or rounds > MAX_ROUNDS:
                raise DedupError(f"greedy dedup stalled with {pending} rows undecided")
            pending -= decided
        decisions = wh.sql("webinstruct_dedup_decisions")
        con.execute(f"COPY ({decisions}) TO '{out}' (FORMAT parquet)")
    return rounds


def deduplicate_in_scratch_warehouse(
    rows: list[DedupRow], spec: SignatureSpec, threshold: float, max_bucket_peers: int
) -> list[DedupDecision]:
    """The warehouse pipeline on a throwaway DuckDB file, for in-memory row lists."""
    with tempfile.TemporaryDirectory(prefix="mammoth-dedup-") as tmp:
        wh = Warehouse(path=Path(tmp) / "dedup.duckdb", staging_root=Path(tmp) / "staging")
        ids = [r.row_id for r in rows]
        wh.replace_table(
            "webinstruct_dedup_items",
            pl.DataFrame({"item_id": ids, "grp": [r.group for r in rows], "dump": [""] * len(rows),
                          "ord": list(range(1, len(rows) + 1))},
                         schema={"item_id": pl.String, "grp": pl.String, "dump": pl.String, "ord": pl.Int64}),
        )  # fmt: skip
        wh.replace_table(
            "webinstruct_dedup_texts",
            pl.DataFrame({"item_id": ids, "question": [r.question for r in rows],
                          "answer": [r.answer for r in rows]}, schema={"item_id": pl.String,
                          "question": pl.String, "answer": pl.String}),
        )  # fmt: skip
        buckets = bucket_frame(ids, [r.question for r in rows], [r.answer for r in rows], spec)
        wh.replace_table(
            "webinstruct_minhash",
            buckets.with_columns(pl.lit("").alias("dump"), pl.lit(spec.label).alias("signature")),
        )
        stats = find_duplicates(wh, spec, threshold, max_bucket_peers)
        frame = pl.read_parquet(stats.decisions_file)
        wh.release_staging()
    return [
        DedupDecision(r["item_id"], r["kept"], r["reason"], r["duplicate_of"], r["similarity"])
        for r in frame.iter_rows(named=True)
    ]


def deduplicate(
    rows: Iterable[DedupRow],
    *,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle_size: int = 3,
    near_text: str = "question_answer",
    bands: int | None = None,
    rows_per_band: int | None = None,
    max_bucket_peers: int = 64,
) -> list[DedupDecision]:
    """One decision per row, in input order, through the same warehouse pipeline the `webinstruct`
    asset runs (a scratch DuckDB file): for tests, benchmarks and small sets."""
    if bands is None or rows_per_band is None:
        bands, rows_per_band = band_params(threshold, num_perm)
    spec = SignatureSpec(num_perm, bands, rows_per_band, shingle_size, near_text)
    return deduplicate_in_scratch_warehouse(list(rows), spec, threshold, max_bucket_peers)
