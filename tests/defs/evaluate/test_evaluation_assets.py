"""The evaluation graph with the real tiny model: generate -> grade -> score -> compare, regrading
without generation, and checks that fail when they should."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from mammoth_assets.defs.evaluate import ASSETS, demo_run_config
from mammoth_assets.defs.evaluate.grades import benchmark_grades
from mammoth_assets.defs.evaluate.scores import benchmark_scores
from mammoth_assets.defs.evaluate.models import evaluated_model
from mammoth_assets.defs.evaluate.checks import ASSET_CHECKS
from mammoth_assets.defs.evaluate.partitions import checkpoint_partitions, evaluation_key
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.llm import LLMResource


def resources(warehouse, tiny_model: Path) -> dict:
    return {
        "warehouse": WarehouseResource(path=str(warehouse.path), lock_timeout_s=60),
        "llm": LLMResource(model=str(tiny_model), batch_size=8),
    }


def run(selection, warehouse, tiny_model, instance, key, config, checks=()):
    names = {asset.key.to_user_string() for asset in selection}
    config = {name: c for name, c in config.items() if name in names}
    return dg.materialize(
        [*selection, *checks], instance=instance, partition_key=key,
        resources=resources(warehouse, tiny_model),
        run_config={"ops": {name: {"config": c} for name, c in config.items()}},
        raise_on_error=False,
    )


def check_outcomes(result) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


SMALL = {"benchmark_generations": {"limit": 3, "shots": 1, "max_tokens": 12},
         "benchmark_grades": {}, "benchmark_scores": {"unparsable_ceiling": 1.0}}


def resolve_checkpoint(warehouse, tiny_model, instance, checkpoint: str):
    """Materialize `evaluated_model` for a checkpoint key (what generation reads its model from)."""
    return dg.materialize([evaluated_model], instance=instance, partition_key=checkpoint,
                          resources=resources(warehouse, tiny_model))


@pytest.fixture
def instance(tiny_model: Path, warehouse) -> dg.DagsterInstance:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(checkpoint_partitions.name, [str(tiny_model)])
    assert resolve_checkpoint(warehouse, tiny_model, instance, str(tiny_model)).success
    return instance


# One benchmark per prompt source and answer kind (all 14 run the same code; the demo runs all).
GRAPH_BENCHMARKS = ["gsm8k", "math", "theoremqa", "bbh", "mmlu_stem"]


@pytest.mark.slow
def test_whole_graph_on_benchmarks_of_every_kind(warehouse, tiny_model, instance, shared_data):
    """The demo path: the tiny model, two items per benchmark, then the comparison view; every
    check passes at sample-scale thresholds."""
    _, generation, grades, scores, comparison = ASSETS
    benchmarks = GRAPH_BENCHMARKS
    config = {**SMALL, "benchmark_generations": {"limit": 2, "shots": 1, "max_tokens": 8}}
    for benchmark in benchmarks:
        key = evaluation_key(str(tiny_model), benchmark)
        checks = ASSET_CHECKS if benchmark == benchmarks[-1] else ()
        result = run([generation, grades, scores], warehouse, tiny_model, instance, key, config,
                     checks)
        assert result.success, benchmark
        if benchmark == "bbh":  # limit 2 takes the first task's first items
            metadata = result.asset_materializations_for_node("benchmark_scores")[0].metadata
            assert "| boolean_expressions | 2 |" in metadata["accuracy_by_subset"].value
    assert check_outcomes(result) == {
        "benchmark_generations_complete": True, "benchmark_grades_cover_generations": True,
        "benchmark_scores_in_range": True, "benchmark_scores_unparsable_rate": True,
    }
    generations = warehouse.read_table("benchmark_generations")
    assert generations.height == 2 * len(benchmarks)
    assert generations["completion"].null_count() == 0
    assert set(generations["fewshot_source"]) == {"held_out_test", "published"}
    assert generations["prompt_hash"].str.len_chars().unique().to_list() == [64]
    assert (generations["mode"] == "cot").all()
    stored = warehouse.read_table("benchmark_scores")
    assert sorted(stored["benchmark"]) == sorted(benchmarks) and set(stored["n"]) == {2}
    grades_frame = warehouse.read_table("benchmark_grades")
    # a random model's text is wrong or unparsable, never silently "A"
    assert (grades_frame.filter(pl.col("unparsable"))["extracted"].null_count()
            == grades_frame["unparsable"].sum())

    result = dg.materialize([comparison], instance=instance, resources=resources(warehouse, tiny_model),
                            run_config={"ops": {"benchmark_comparison": {"config": {
                                "base_checkpoint": str(tiny_model)}}}})
    assert result.success
    table = warehouse.read_table("benchmark_comparison")
    paper = dict(zip(table["benchmark"], table["paper_mammoth2_7b_pct"]))
    assert paper == {"gsm8k": 68.4, "bbh": 58.6, "math": 36.7, "theoremqa": 29.0, "mmlu_stem": 62.4}
    assert set(table["delta_vs_base_pct"]) == {0.0}
    chart = Path(result.asset_materializations_for_node("benchmark_comparison")[0]
                 .metadata["chart_path"].value)
    assert chart.exists() and chart.stat().st_size > 1000


def test_hybrid_decoding_falls_back_to_cot_when_the_program_fails(warehouse, tiny_model, instance,
                                                                   shared_data):
    key = evaluation_key(str(tiny_model), "gsm8k")
    _, generation, grades, scores, _ = ASSETS
    config = {**SMALL, "benchmark_generations": {"limit": 2, "shots": 1, "max_tokens": 12,
                                                 "hybrid": True}}
    result = run([generation, grades, scores], warehouse, tiny_model, instance, key, config)
    assert result.success
    metadata = result.asset_materializations_for_node("benchmark_generations")[0].metadata
    frame = warehouse.read_table("benchmark_generations")
    # the random model writes no runnable program: every item was asked for one, ran it in the
    # sandbox (or had none), and fell back to CoT
    assert frame["pot_completion"].null_count() == 0
    assert set(frame["program_status"]) <= {"error", "no_program", "timeout", "killed", "ok"}
    assert (frame["mode"] == "cot").all() == (metadata["pot_answered"].value == 0)
    assert metadata["cot_fallbacks"].value + metadata["pot_answered"].value == 2


def test_regrading_reruns_no_generation(warehouse, tiny_model, instance, shared_data):
    key = evaluation_key(str(tiny_model), "gsm8k")
    _, generation, grades, scores, _ = ASSETS
    assert run([generation, grades, scores], warehouse, tiny_model, instance, key, SMALL).success
    before = warehouse.read_table("benchmark_generations")
    backend_calls = calls_count(warehouse)

    # a "grader change": overwrite one stored completion with the reference stated plainly
    first = before.sort("item_index").row(0, named=True)
    fixed = before.with_columns(
        pl.when(pl.col("item_id") == first["item_id"])
        .then(pl.lit(f"The answer is {first['reference']}."))
        .otherwise(pl.col("completion")).alias("completion"))
    warehouse.replace_partition("benchmark_generations", "partition", str(key), fixed)
    result = run([benchmark_grades, benchmark_scores], warehouse, tiny_model, instance, key, SMALL)
    assert result.success
    assert calls_count(warehouse) == backend_calls  # no generate call at all
    graded = warehouse.read_table("benchmark_grades").filter(pl.col("item_id") == first["item_id"])
    assert graded["correct"].to_list() == [True]
    assert warehouse.read_table("benchmark_scores")["correct"].to_list()[0] >= 1

    # re-materialising generations with nothing changed is answered from the request cache
    result = run([generation], warehouse, tiny_model, instance, key, SMALL)
    assert result.success
    metadata = result.asset_materializations_for_node("benchmark_generations")[0].metadata
    assert metadata["llm_cache_hits"].value == 3 and metadata["llm_backend_requests"].value == 0


def calls_count(warehouse) -> int:
    cache_file = warehouse.path.parent / "llm_cache.duckdb"
    if not cache_file.exists():
        return 0
    import duckdb

    with duckdb.connect(str(cache_file), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "llm_calls" not in tables:
            return 0
        return con.execute("SELECT count(*) FROM llm_calls").fetchone()[0]


def test_checks_fail_on_missing_generation_and_bad_scores(warehouse, tiny_model, instance,
                                                          shared_data):
    key = evaluation_key(str(tiny_model), "gsm8k")
    _, generation, grades, scores, _ = ASSETS
    assert run([generation, grades, scores], warehouse, tiny_model, instance, key, SMALL).success
    generations = warehouse.read_table("benchmark_generations")
    broken = generations.with_columns(
        pl.when(pl.col("item_index") == 0).then(None).otherwise(pl.col("completion")).alias("completion"))
    warehouse.replace_partition("benchmark_generations", "partition", str(key), broken)
    strict = {**SMALL, "benchmark_scores": {"unparsable_ceiling": 0.0}}
    rescored = run([grades, scores], warehouse, tiny_model, instance, key, strict)
    assert rescored.success  # the unparsable-rate check warns, it does not block
    # declared on the asset: its ceiling is this run's config, never a column of the scores
    assert check_outcomes(rescored) == {"benchmark_scores_unparsable_rate": False}
    assert "unparsable_ceiling" not in warehouse.read_table("benchmark_scores").columns
    outcomes = run_checks(ASSET_CHECKS, warehouse, tiny_model, instance)
    assert outcomes == {
        "benchmark_generations_complete": False,  # item 0 has no generation
        "benchmark_grades_cover_generations": True,
        "benchmark_scores_in_range": True,
    }
    grades_frame = warehouse.read_table("benchmark_grades").sort("item_index")
    assert grades_frame["unparsable"][0] and grades_frame["extracted"][0] is None

    scores_frame = warehouse.read_table("benchmark_scores").with_columns(pl.lit(1.5).alias("accuracy"))
    warehouse.replace_partition("benchmark_scores", "partition", str(key), scores_frame)
    warehouse.replace_partition("benchmark_grades", "partition", str(key), grades_frame.head(2))
    outcomes = run_checks(ASSET_CHECKS, warehouse, tiny_model, instance)
    assert outcomes["benchmark_scores_in_range"] is False
    assert outcomes["benchmark_grades_cover_generations"] is False


def run_checks(checks, warehouse, tiny_model, instance) -> dict[str, bool]:
    result = dg.materialize([*ASSETS, *checks], instance=instance,
                            resources=resources(warehouse, tiny_model),
                            selection=dg.AssetSelection.checks(*checks), raise_on_error=False)
    return check_outcomes(result)


def test_demo_config_names_every_asset() -> None:
    assert set(demo_run_config()) == {a.key.to_user_string() for a in ASSETS}
    assert demo_run_config()["benchmark_generations"]["limit"] == 5


def test_sensors_resolve_a_trained_recipe_then_request_every_benchmark(shared_data) -> None:
    from mammoth_assets.core.benchmarks import available_benchmarks
    from mammoth_assets.defs.evaluate.sensors import evaluate_new_checkpoints, evaluate_resolved_models

    def outcome_of(sensor, instance):
        outcome = sensor(dg.build_sensor_context(instance=instance))
        return outcome if isinstance(outcome, dg.SensorResult) else next(iter(outcome))

    instance = dg.DagsterInstance.ephemeral()
    instance.report_runless_asset_event(
        dg.AssetMaterialization("sft_checkpoint", partition="webinstruct_sft"))
    result = outcome_of(evaluate_new_checkpoints, instance)
    assert [r.partition_key for r in result.run_requests] == ["webinstruct_sft"]
    assert result.dynamic_partitions_requests[0].partition_keys == ["webinstruct_sft"]

    instance.report_runless_asset_event(
        dg.AssetMaterialization("evaluated_model", partition="webinstruct_sft"))
    first = outcome_of(evaluate_resolved_models, instance)
    assert [r.partition_key for r in first.run_requests] == [
        evaluation_key("webinstruct_sft", b) for b in available_benchmarks()]
    # a retrained, re-resolved checkpoint is evaluated again (run keys name the event)
    instance.report_runless_asset_event(
        dg.AssetMaterialization("evaluated_model", partition="webinstruct_sft"))
    second = outcome_of(evaluate_resolved_models, instance)
    assert not {r.run_key for r in first.run_requests} & {r.run_key for r in second.run_requests}
