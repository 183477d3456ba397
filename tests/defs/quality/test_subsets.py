"""alpagasus_subset / random_subset over stored scores: SQL only, checks that can fail."""

import polars as pl
import pytest

import dagster as dg
from mammoth_assets.core.decisions import registry
from mammoth_assets.defs.decision_checks import reconciliation_result
from mammoth_assets.defs.quality import ASSET_CHECKS, alpagasus_subset, instruction_examples, random_subset
from mammoth_assets.defs.quality.rating import parse_failure_check
from mammoth_assets.defs.quality.subsets import alpagasus_subset_check, random_subset_check
from mammoth_assets.defs.quality.tables import SCORE_SCHEMA

from .helpers import (
    check_results,
    checks_of,
    instance_with_sets,
    metadata_value,
    resources,
    write_alpaca,
)

SCORES = [5.0, 4.5, 4.5, 4.0, 3.5, 3.0, 2.0, None, 4.5, 1.0, 5.0, 3.5]  # None = unparsed rating


def store_scores(warehouse, name: str, scores: list) -> None:
    examples = warehouse.read_table("instruction_examples", "instruction_set", name).sort("position")
    rows = [
        {"instruction_set": name, "example_id": example_id, "score": score,
         "parse_status": "failed" if score is None else "first_line",
         "parse_error": "no score" if score is None else None, "raw_text": f"{score}\nok",
         "rater_model": "test", "dimension": "accuracy", "prompt_version": "v", "cache_key": "k",
         "cached": False, "prompt_tokens": 1, "completion_tokens": 1}
        for example_id, score in zip(examples["example_id"], scores)
    ]
    warehouse.replace_partition("quality_scores", "instruction_set", name,
                                pl.DataFrame(rows, schema=SCORE_SCHEMA))


SUBSET_RECONCILIATION = checks_of(ASSET_CHECKS, "alpagasus_subset", "random_subset")


def materialize(warehouse, instance, selection, config, key="toy"):
    return dg.materialize(
        selection, instance=instance, partition_key=key,
        resources=resources(warehouse),
        run_config={"ops": {name: {"config": c} for name, c in config.items()}},
        raise_on_error=False,
    )


@pytest.fixture
def scored(warehouse, tmp_path):
    instance = instance_with_sets("toy")
    source = write_alpaca(tmp_path / "toy.json", len(SCORES))
    result = materialize(warehouse, instance, [instruction_examples],
                         {"instruction_examples": {"source": str(source)}})
    assert result.success
    store_scores(warehouse, "toy", SCORES)
    return instance


def test_subsets_by_threshold_with_checks(warehouse, scored):
    selection = [alpagasus_subset, random_subset, *SUBSET_RECONCILIATION]
    result = materialize(warehouse, scored, selection,
                         {"alpagasus_subset": {"threshold": 4.5}, "random_subset": {"seed": 7}})
    assert result.success
    assert check_results(result) == {"alpagasus_subset_matches_scores": True,
                                     "random_subset_size_and_reproducible": True,
                                     "alpagasus_subset_reconciled": True, "random_subset_reconciled": True}
    subset = warehouse.read_table("alpagasus_subset")
    kept = subset.filter(pl.col("decision") == "kept")
    assert kept.height == 5 == metadata_value(result, "alpagasus_subset", "kept")
    assert metadata_value(result, "alpagasus_subset", "rows_in") == len(SCORES)
    dropped = subset.filter(pl.col("decision") != "kept")
    assert dropped["decision"].to_list().count("below_threshold") == 6
    unrated = dropped.filter(pl.col("decision") == "unrated")
    assert unrated.height == 1 and unrated["decision_detail"].to_list() == ["failed"]
    assert "below_threshold" in metadata_value(result, "alpagasus_subset", "decisions")
    # coding items are every 4th: positions 0, 4, 8 -> scores 5.0, 3.5, 4.5 -> 2 of 3 kept
    assert metadata_value(result, "alpagasus_subset", "kept_fraction_coding") == pytest.approx(2 / 3)
    assert "coding" in metadata_value(result, "alpagasus_subset", "breakdown")

    random = warehouse.read_table("random_subset")
    assert random.filter(pl.col("decision") == "kept").height == 5
    assert random.height == len(SCORES)
    first_draw = set(random.filter(pl.col("decision") == "kept")["example_id"])

    # Same seed again: identical draw. Another seed: (almost surely) another draw, same size.
    result = materialize(warehouse, scored, [random_subset], {"random_subset": {"seed": 7}})
    again = warehouse.read_table("random_subset").filter(pl.col("decision") == "kept")
    assert set(again["example_id"]) == first_draw
    result = materialize(warehouse, scored, [random_subset],
                         {"random_subset": {"seed": 8}})
    other = warehouse.read_table("random_subset").filter(pl.col("decision") == "kept")
    assert other.height == 5 and set(other["example_id"]) != first_draw
    assert check_results(result) == {"random_subset_size_and_reproducible": True}


def test_new_threshold_resizes_both_subsets(warehouse, scored):
    selection = [alpagasus_subset, random_subset]
    materialize(warehouse, scored, selection, {"alpagasus_subset": {"threshold": 3.5}})
    assert warehouse.read_table("alpagasus_subset").filter(pl.col("decision") == "kept").height == 8
    assert warehouse.read_table("random_subset").filter(pl.col("decision") == "kept").height == 8


def test_checks_fail_on_stale_or_tampered_subsets(warehouse, scored):
    materialize(warehouse, scored, [alpagasus_subset, random_subset], {})
    assert alpagasus_subset_check(warehouse, "toy", 4.5).passed
    # The check reads the threshold the asset ran with: another threshold no longer matches.
    assert not alpagasus_subset_check(warehouse, "toy", 3.5).passed
    # Scores change after the subset was built: the stored subset no longer matches.
    store_scores(warehouse, "toy", [5.0] * len(SCORES))
    assert not alpagasus_subset_check(warehouse, "toy", 4.5).passed
    # A hand-edited random subset is not reproducible from its seed.
    assert random_subset_check(warehouse, "toy", 0, 5).passed
    with warehouse.transaction() as con:
        con.execute("UPDATE random_subset SET decision = CASE WHEN decision = 'kept' THEN 'not_drawn' "
                    "ELSE 'kept' END WHERE draw_rank IN (1, 12)")
    assert not random_subset_check(warehouse, "toy", 0, 5).passed


def test_parse_failure_check_fails_once_its_ceiling_is_crossed(warehouse, scored):
    # 1 of 12 stored ratings has no score: a rate of 0.083.
    assert parse_failure_check(warehouse, "toy", 0.1).passed
    result = parse_failure_check(warehouse, "toy", 0.05)
    assert not result.passed and result.metadata["failed"].value == 1


def test_generated_reconciliation_fails_on_a_lost_or_undeclared_decision(warehouse, scored):
    materialize(warehouse, scored, [alpagasus_subset, random_subset], {})
    assert reconciliation_result(warehouse, registry.ALPAGASUS_SUBSET, "toy").passed
    with warehouse.transaction() as con:
        con.execute("UPDATE random_subset SET decision = 'too_long' WHERE draw_rank = 1")
        con.execute("DELETE FROM alpagasus_subset WHERE decision = 'unrated'")
    assert not reconciliation_result(warehouse, registry.ALPAGASUS_SUBSET, "toy").passed  # a row lost
    assert not reconciliation_result(warehouse, registry.RANDOM_SUBSET, "toy").passed  # an undeclared reason


def test_a_subset_table_written_before_the_decision_stages_keeps_working(warehouse, scored):
    """An old alpagasus_subset (status/reason/threshold, no `decision`) gains the new columns on the
    next materialization; the old set's rows hold NULL, and its generated check names them."""
    with warehouse.transaction() as con:
        con.execute("CREATE TABLE alpagasus_subset (instruction_set VARCHAR, example_id VARCHAR, score DOUBLE, "
                    "threshold DOUBLE, status VARCHAR, reason VARCHAR)")
        con.execute("INSERT INTO alpagasus_subset VALUES ('old', 'x', 5.0, 4.5, 'kept', NULL)")
    result = materialize(warehouse, scored, [alpagasus_subset, *checks_of(ASSET_CHECKS, "alpagasus_subset")], {})
    assert result.success and check_results(result) == {"alpagasus_subset_matches_scores": True,
                                                        "alpagasus_subset_reconciled": True}
    table = warehouse.read_table("alpagasus_subset")
    assert table.filter(pl.col("instruction_set") == "toy")["decision"].null_count() == 0
    assert table.filter(pl.col("instruction_set") == "old")["decision"].to_list() == [None]
