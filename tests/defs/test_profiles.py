"""Settings profiles: after `make demo`, a plain Materialize click in the UI launches the demo's
sample-scale settings; the papers' settings are `MAMMOTH_PROFILE=paper` (or unset)."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from mammoth_assets.definitions import build_definitions
from mammoth_assets.defs.profiles import ProfileError, profile_config, sample_config


def _default(defs: dg.Definitions, op_name: str, field: str):
    """The config default of the op named `op_name` (an asset's, or a multi-asset's such as
    crawl_and_score_shard): profiles are keyed by op name, like run config."""
    ops = [a.op for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition) and a.is_executable]
    (op,) = [op for op in ops if op.name == op_name]
    schema = op.config_schema.as_field().config_type
    return schema.fields[field].default_value


def test_the_sample_profile_is_what_the_demo_runs_and_paper_keeps_the_papers_defaults() -> None:
    sample, paper = build_definitions("sample"), build_definitions("paper")
    assert _default(paper, "benchmark_comparison", "base_checkpoint") == "mistralai/Mistral-7B-v0.1"
    assert _default(sample, "benchmark_comparison", "base_checkpoint") == "tiny"
    assert _default(paper, "recall_seeds", "num_positives") == 100_000
    assert _default(sample, "recall_seeds", "num_positives") == 2_000
    for asset, values in sample_config().items():  # every demo value is the UI's default
        for field, value in values.items():
            assert _default(sample, asset, field) == value, (asset, field)
    assert sample.metadata["settings_profile"].value == "sample"


def test_materialize_with_no_config_uses_the_profile(warehouse) -> None:
    """What a Materialize click does: run the asset with an empty run config."""
    warehouse.replace_table("benchmark_scores", pl.DataFrame([
        {"checkpoint": ckpt, "benchmark": "gsm8k", "n": 4, "correct": c, "unparsable": 0,
         "accuracy": c / 4} for ckpt, c in (("tiny", 1), ("sample-tiny", 2))]))
    key = dg.AssetKey("benchmark_comparison")
    for profile, base in (("sample", "tiny"), ("paper", "mistralai/Mistral-7B-v0.1")):
        defs = build_definitions(profile)
        job = defs.resolve_implicit_job_def_def_for_assets([key])
        # the definitions' own warehouse resource: <MAMMOTH_DATA_DIR>/warehouse.duckdb
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), asset_selection=[key])
        assert result.success
        metadata = result.get_asset_materialization_events()[0].materialization.metadata
        assert metadata["base_checkpoint"].value == base
    compared = warehouse.read_table("benchmark_comparison")
    assert compared.filter(pl.col("checkpoint") == "sample-tiny")["base_checkpoint"].to_list() == [
        "mistralai/Mistral-7B-v0.1"]  # the paper run wrote last


def test_a_yaml_profile_sets_a_deployments_defaults(tmp_path: Path) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text("ops:\n  benchmark_generations:\n    config: {limit: 200, max_tokens: 1024}\n")
    defs = build_definitions(str(path))
    assert _default(defs, "benchmark_generations", "limit") == 200
    assert _default(defs, "benchmark_generations", "max_tokens") == 1024
    assert _default(defs, "benchmark_generations", "shots") is None  # untouched: the paper's


@pytest.mark.parametrize("content, message", [
    ("ops:\n  no_such_asset:\n    config: {limit: 1}\n", "unknown assets: ['no_such_asset']"),
    ("ops:\n  benchmark_generations:\n    config: {no_such_field: 1}\n", "no config field(s) ['no_such_field']"),
    ("ops: [1, 2]\n", "expected run config"),
])
def test_a_bad_profile_fails_loudly_at_load(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(ProfileError, match=re.escape(message)):
        build_definitions(str(path))


def test_an_unknown_profile_name_says_what_is_allowed() -> None:
    with pytest.raises(ProfileError, match="expected one of paper, sample or a YAML file"):
        profile_config("smaple")
