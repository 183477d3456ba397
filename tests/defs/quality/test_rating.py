"""Rating with the real tiny model on a slice of the 9K Alpaca subset, then subsets from SQL."""

import polars as pl
import pytest

from mammoth_assets.defs.quality import (
    ASSET_CHECKS,
    alpagasus_subset,
    instruction_examples,
    quality_scores,
    random_subset,
)
from mammoth_assets.llm import LLMResource

from .helpers import check_results, checks_of, instance_with_sets, metadata_value, resources

import dagster as dg

SET = "alpaca_random_9k"
RATED = 16
SUBSET_CHECKS = checks_of(ASSET_CHECKS, "alpagasus_subset", "random_subset")


def run(warehouse, instance, model, selection, config, raise_on_error=True):
    return dg.materialize(
        selection, instance=instance, partition_key=SET, resources=resources(warehouse, model),
        run_config={"ops": {name: {"config": c} for name, c in config.items()}},
        raise_on_error=raise_on_error,
    )


@pytest.mark.slow
def test_rate_then_filter_without_new_llm_calls(warehouse, shared_data, tiny_model):
    instance = instance_with_sets(SET)
    model = str(tiny_model)
    rating = {"limit": RATED, "max_tokens": 24, "batch_size": 8}
    result = run(
        warehouse, instance, model,
        [instruction_examples, quality_scores, alpagasus_subset, random_subset, *SUBSET_CHECKS],
        {"instruction_examples": {"limit": 100}, "quality_scores": rating,
         "alpagasus_subset": {"threshold": 4.5}},
    )
    assert all(check_results(result).values()), check_results(result)
    assert set(check_results(result)) == {"instruction_examples_accounted", "quality_scores_parse_failure_rate",
                                          "alpagasus_subset_matches_scores", "random_subset_size_and_reproducible",
                                          "alpagasus_subset_reconciled", "random_subset_reconciled"}
    assert metadata_value(result, "instruction_examples", "rows") == 100

    scores = warehouse.read_table("quality_scores")
    assert scores.height == RATED and scores["example_id"].n_unique() == RATED
    # Constrained decoding: every rating has the paper's shape and parses from the first line.
    assert scores["parse_status"].unique().to_list() == ["first_line"]
    assert scores["score"].is_between(0, 5).all()
    assert scores["raw_text"].str.contains("\n").all()
    assert scores["rater_model"].unique().to_list() == [model]
    assert scores["prompt_version"][0].startswith("quality_rate_accuracy@")
    assert metadata_value(result, "quality_scores", "llm_backend_requests") == RATED
    assert metadata_value(result, "quality_scores", "parse_failures") == 0
    assert metadata_value(result, "quality_scores", "score_histogram_path")

    at_or_above = int((scores["score"] >= 4.5).sum())
    assert metadata_value(result, "alpagasus_subset", "kept") == at_or_above
    assert metadata_value(result, "random_subset", "kept") == at_or_above

    calls_before = LLMResource(model=model).cache().calls("quality_scores").height
    # Another threshold: a new subset purely from stored scores, zero LLM calls.
    low = float(scores["score"].min())
    result = run(warehouse, instance, model,
                 [alpagasus_subset, random_subset, *SUBSET_CHECKS],
                 {"alpagasus_subset": {"threshold": low}, "random_subset": {"seed": 3}})
    assert all(check_results(result).values())
    assert metadata_value(result, "alpagasus_subset", "kept") == RATED
    assert metadata_value(result, "alpagasus_subset", "llm_calls_during_run") == 0
    assert metadata_value(result, "alpagasus_subset", "llm_backend_requests_during_run") == 0
    assert LLMResource(model=model).cache().calls("quality_scores").height == calls_before
    kept = warehouse.read_table("alpagasus_subset").filter(pl.col("decision") == "kept")
    assert kept.height == RATED and kept["instruction"].str.len_chars().min() > 0

    # Re-rating (a resumed or repeated run) is served from the request cache.
    result = run(warehouse, instance, model, [quality_scores], {"quality_scores": rating})
    assert metadata_value(result, "quality_scores", "llm_backend_requests") == 0
    assert metadata_value(result, "quality_scores", "llm_cache_hits") == RATED
    again = warehouse.read_table("quality_scores").sort("example_id")
    assert again["score"].to_list() == scores.sort("example_id")["score"].to_list()


@pytest.mark.slow
def test_a_parse_failure_rate_above_the_asset_ceiling_fails_and_blocks_the_subset(warehouse, shared_data, tiny_model):
    """Unconstrained, the random tiny model mostly answers without a score. The check passes under a
    ceiling above the observed rate and fails, blocking alpagasus_subset, once the ceiling is below it
    (the second run is served from the request cache)."""
    instance = instance_with_sets(SET)
    model = str(tiny_model)
    rating = {"limit": 4, "max_tokens": 16, "batch_size": 4, "constrain_output": False}
    examples = {"instruction_examples": {"limit": 10}}
    lenient = run(warehouse, instance, model, [instruction_examples, quality_scores],
                  {**examples, "quality_scores": {**rating, "max_parse_failure_rate": 1.0}})
    assert check_results(lenient)["quality_scores_parse_failure_rate"]
    observed = metadata_value(lenient, "quality_scores", "parse_failure_rate")
    if observed == 0:
        pytest.skip("the tiny model happened to answer every rating with a score")
    strict = run(warehouse, instance, model, [quality_scores, alpagasus_subset],
                 {"quality_scores": {**rating, "max_parse_failure_rate": observed / 2}}, raise_on_error=False)
    assert check_results(strict) == {"quality_scores_parse_failure_rate": False}
    assert not strict.success and not warehouse.table_exists("alpagasus_subset")  # blocked
