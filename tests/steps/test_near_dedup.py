"""Near-dedup in the warehouse (buckets, SQL join, exact check, SQL greedy) on both backends,
against the exact rule it implements: each row compared with every kept row before it."""

from __future__ import annotations

import random

import polars as pl
import pytest

from mammoth_assets.core.dedup import (
    DedupRow,
    SignatureSpec,
    band_params,
    bucket_frame,
    jaccard,
    normalize_text,
    shingles,
)
from mammoth_assets.steps.near_dedup import DedupError, deduplicate, find_duplicates
from mammoth_assets.warehouse import Warehouse

WORDS = ("integral derivative matrix vector prime triangle circle probability sum product angle "
         "root equation series limit function graph slope area volume mean median").split()  # fmt: skip


@pytest.fixture(params=["duckdb", "ducklake"])
def store(request: pytest.FixtureRequest) -> Warehouse:
    return request.getfixturevalue("warehouse" if request.param == "duckdb" else "lake_warehouse")


def synthetic_rows(n: int, seed: int = 3) -> list[DedupRow]:
    """Originals, edited copies (a few words changed, so some pairs sit near the threshold),
    copies of copies (chains) and refinements sharing a group."""
    rng = random.Random(seed)
    rows: list[DedupRow] = []
    for i in range(n):
        if rows and rng.random() < 0.4:
            source = rng.choice(rows)
            words = source.question.split()
            for _ in range(rng.randint(1, 3)):
                words[rng.randrange(len(words))] = rng.choice(WORDS)
            group = source.group if rng.random() < 0.1 else f"g{i}"
            rows.append(DedupRow(f"r{i}", group, " ".join(words), source.answer))
        else:
            question = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30)))
            rows.append(DedupRow(f"r{i}", f"g{i}", question, f"The answer is {rng.randint(0, 99)}."))
    return rows


def exact_rule(rows: list[DedupRow], threshold: float) -> dict[str, bool]:
    """Keep a row unless a kept earlier row is identical in its group, has its normalized question
    (other group) or reaches the threshold in exact Jaccard (other group)."""
    kept: list[tuple[DedupRow, set]] = []
    decisions = {}
    for row in rows:
        grams = shingles(f"{row.question}\n{row.answer}")
        duplicate = False
        for other, other_grams in kept:
            same_question = normalize_text(row.question) == normalize_text(other.question)
            if other.group == row.group:
                duplicate = same_question and normalize_text(row.answer) == normalize_text(other.answer)
            else:
                duplicate = same_question or jaccard(grams, other_grams) >= threshold
            if duplicate:
                break
        decisions[row.row_id] = not duplicate
        if not duplicate:
            kept.append((row, grams))
    return decisions


def load(store: Warehouse, rows: list[DedupRow], spec: SignatureSpec, dumps: int = 2) -> None:
    """The dedup inputs as the webinstruct asset lays them out, buckets written per dump."""
    dump_of = {r.row_id: f"CC-MAIN-{i % dumps}" for i, r in enumerate(rows)}
    store.replace_table("webinstruct_dedup_items", pl.DataFrame(
        {"item_id": [r.row_id for r in rows], "grp": [r.group for r in rows],
         "dump": [dump_of[r.row_id] for r in rows], "ord": list(range(1, len(rows) + 1))}))  # fmt: skip
    store.replace_table("webinstruct_dedup_texts", pl.DataFrame(
        {"item_id": [r.row_id for r in rows], "question": [r.question for r in rows],
         "answer": [r.answer for r in rows]}))  # fmt: skip
    for dump in sorted(set(dump_of.values())):
        part = [r for r in rows if dump_of[r.row_id] == dump]
        buckets = bucket_frame([r.row_id for r in part], [r.question for r in part], [r.answer for r in part], spec)
        store.replace_partition("webinstruct_minhash", "dump", dump, buckets.with_columns(
            pl.lit(dump).alias("dump"), pl.lit(spec.label).alias("signature")))  # fmt: skip


def test_warehouse_dedup_matches_the_exact_rule(store: Warehouse) -> None:
    rows = synthetic_rows(400)
    spec = SignatureSpec(128, *band_params(0.8, 128))
    load(store, rows, spec)
    stats = find_duplicates(store, spec, threshold=0.8, batch_rows=50)
    decisions = pl.read_parquet(stats.decisions_file)
    assert decisions["item_id"].to_list() == [r.row_id for r in rows]
    truth = exact_rule(rows, 0.8)
    ours = dict(zip(decisions["item_id"], decisions["kept"]))
    removed_truth = {r for r, kept in truth.items() if not kept}
    removed_ours = {r for r, kept in ours.items() if not kept}
    assert len(removed_truth) > 25  # the set really has duplicates, chains included
    assert stats.rounds >= 2
    recall = len(removed_ours & removed_truth) / len(removed_truth)
    precision = len(removed_ours & removed_truth) / len(removed_ours)
    assert recall >= 0.98 and precision >= 0.99, (recall, precision)
    dropped = decisions.filter(~pl.col("kept"))
    assert set(dropped["reason"]) <= {"identical_in_group", "exact_duplicate", "near_duplicate"}
    assert dropped["duplicate_of"].is_in(decisions.filter(pl.col("kept"))["item_id"]).all()


def test_mixed_signature_parameters_are_refused(warehouse: Warehouse) -> None:
    rows = synthetic_rows(20)
    load(warehouse, rows, SignatureSpec(128, 21, 6))
    with pytest.raises(DedupError, match="re-materialize"):
        find_duplicates(warehouse, SignatureSpec(128, 16, 8), threshold=0.8)


def test_a_bucket_of_many_identical_rows_stays_linear(warehouse: Warehouse) -> None:
    """500 copies of one question from 500 pages: pairs are bounded by copies x peers."""
    rows = [DedupRow(f"r{i}", f"g{i}", "What is the sum of the first ten primes?", "129") for i in range(500)]
    spec = SignatureSpec(128, 21, 6)
    load(warehouse, rows, spec)
    stats = find_duplicates(warehouse, spec, threshold=0.8, max_bucket_peers=8)
    decisions = pl.read_parquet(stats.decisions_file)
    assert decisions["kept"].sum() == 1
    assert stats.candidate_pairs <= 500 * 8


def test_in_memory_entry_point_uses_the_same_pipeline() -> None:
    rows = synthetic_rows(120, seed=5)
    decisions = deduplicate(rows, threshold=0.8)
    truth = exact_rule(rows, 0.8)
    agree = sum(d.kept == truth[d.row_id] for d in decisions)
    assert agree >= len(rows) - 1


def test_exact_near_and_group_rules():
    long_q = "Tell me what the capital city of France is, please, I need it for my homework today."
    rows = [
        DedupRow("1", "a", "What is the capital of France?", "Paris is the capital of France."),
        DedupRow(
            "2",
            "a",
            "What is the capital of France?",
            "The capital of France is Paris, on the Seine.",
        ),
        DedupRow("3", "b", "what is the capital of FRANCE", "Paris"),
        DedupRow(
            "4", "c", long_q, "Paris is the capital of France. Good luck with your homework today."
        ),
        DedupRow(
            "5",
            "d",
            long_q.replace("today", "now"),
            "Paris is the capital of France. Good luck with your homework today.",
        ),
        DedupRow("6", "a", "What is the capital of France?", "Paris is the capital of France."),
        DedupRow("7", "e", "How many legs does a spider have?", "Eight."),
    ]
    decisions = {d.row_id: d for d in deduplicate(rows, threshold=0.7)}
    assert decisions["1"].kept and decisions["2"].kept  # two refinements of one pair: both kept
    assert (decisions["3"].reason, decisions["3"].duplicate_of) == ("exact_duplicate", "1")
    assert decisions["4"].kept
    assert (decisions["5"].reason, decisions["5"].duplicate_of) == ("near_duplicate", "4")
    assert decisions["5"].similarity >= 0.7
    assert decisions["6"].reason == "identical_in_group"
    assert decisions["7"].kept
    assert len(decisions) == len(rows)


def test_high_threshold_keeps_near_duplicates_and_bad_arguments_fail():
    rows = [
        DedupRow("1", "a", "alpha beta gamma delta epsilon zeta", "x"),
        DedupRow("2", "b", "alpha beta gamma delta epsilon eta", "x"),
    ]
    assert all(d.kept for d in deduplicate(rows, threshold=0.95))
    with pytest.raises(ValueError):
        deduplicate(rows, threshold=0)
    with pytest.raises(ValueError):
        deduplicate(rows, threshold=1.0)
    with pytest.raises(ValueError):
        deduplicate(rows, near_text="answer")
