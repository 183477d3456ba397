"""End to end: the demo (the README's main job) on the bundled sample dump, through the Dagster API.

This is the whole graph at sample scale: crawl, both recall rounds, WebInstruct, AlpaGasus,
rationales, SFT and evaluation, each stage a real Dagster run with its asset checks."""

from __future__ import annotations

import io
import re

import dagster as dg
import pytest

from mammoth_assets import paths
from mammoth_assets.defs.plots import embedded_png_bytes
from mammoth_assets.demo import default_stages, run_demo, stage_run_config
from mammoth_assets.warehouse import Warehouse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("e2e") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MAMMOTH_DATA_DIR", str(data))
        patch.setenv("HF_HUB_OFFLINE", "1")
        # Three benchmarks keep CI short; `make demo` evaluates every benchmark present.
        patch.setenv("MAMMOTH_DEMO_BENCHMARKS", "gsm8k,math500,bbh")
        instance = dg.DagsterInstance.ephemeral()
        printed = io.StringIO()
        results = run_demo(default_stages(), instance=instance, raise_on_error=False, out=printed)
        warehouse = Warehouse(path=paths.warehouse_path())
        yield results, instance, warehouse, data, printed.getvalue()


def test_every_stage_run_succeeds(demo_run) -> None:
    results, *_ = demo_run
    assert results, "the demo ran no stage"
    failed = [r.run_id for r in results if not r.success]
    assert not failed


def test_every_asset_check_passes(demo_run) -> None:
    results, *_ = demo_run
    evaluations = [e for r in results for e in r.get_asset_check_evaluations()]
    assert len(evaluations) >= 20
    failed = sorted(
        f"{e.asset_key.to_user_string()}:{e.check_name}" for e in evaluations if not e.passed
    )
    assert failed == []


def test_sample_partition_lands_in_the_warehouse(demo_run) -> None:
    _, _, warehouse, *_ = demo_run
    documents = warehouse.query_text(
        "SELECT dump, count(*) AS n FROM web_documents GROUP BY dump"
    ).to_dicts()
    assert documents and documents[0]["dump"] == paths.SAMPLE_DUMP and documents[0]["n"] >= 300
    assert warehouse.count("recalled_documents", "dump", paths.SAMPLE_DUMP) == documents[0]["n"]
    shards = warehouse.query_text("SELECT DISTINCT shard FROM web_documents ORDER BY shard")["shard"].to_list()
    assert shards == ["00000", "00001", "00002"]
    assert warehouse.count("webinstruct") > 0


def test_downstream_stages_produce_rows(demo_run) -> None:
    _, _, warehouse, *_ = demo_run
    for table in ("quality_scores", "alpagasus_subset", "verified_rationales", "sft_checkpoint",
                  "benchmark_scores"):
        assert warehouse.count(table) > 0, table


def test_rematerializing_llm_stages_pays_for_no_llm_call(
    demo_run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-materializing the LLM stages over unchanged inputs is served entirely from the cache:
    domain_verdicts (cross-dump), then extracted_qa and refined_qa for every shard of the dump."""
    from mammoth_assets.definitions import defs
    from mammoth_assets.demo_partitions import sample_shard_keys

    _, instance, _, data, _ = demo_run
    monkeypatch.setenv("MAMMOTH_DATA_DIR", str(data))  # the autouse fixture points elsewhere
    runs = [([dg.AssetKey("domain_verdicts")], None)]
    shards = sample_shard_keys(instance)
    assert len(shards) == 3  # the demo runs the sample in three shards
    runs += [([dg.AssetKey("extracted_qa"), dg.AssetKey("refined_qa")], key) for key in shards]
    totals: dict[str, dict[str, int]] = {}
    for keys, partition_key in runs:
        stage = next(s for s in default_stages() if keys[0].path[-1] in s.asset_names)
        result = defs.resolve_implicit_job_def_def_for_assets(keys).execute_in_process(
            run_config={
                "ops": {k: v for k, v in stage_run_config(stage)["ops"].items() if k in {key.path[-1] for key in keys}}
            },
            instance=instance,
            partition_key=partition_key,
            asset_selection=keys,
        )
        assert result.success
        for event in result.get_asset_materialization_events():
            values = event.materialization.metadata
            total = totals.setdefault(event.asset_key.to_user_string(), {"requests": 0, "backend": 0, "hits": 0})
            total["requests"] += values["llm_requests"].value
            total["backend"] += values["llm_backend_requests"].value
            total["hits"] += values["llm_cache_hits"].value
    assert set(totals) == {"domain_verdicts", "extracted_qa", "refined_qa"}
    for asset, total in totals.items():
        assert total["requests"] > 0, asset
        assert total["backend"] == 0, asset
        assert total["hits"] == total["requests"], asset


def test_the_demo_prints_a_line_per_stage_and_a_summary_table(demo_run) -> None:
    results, *_, printed = demo_run
    lines = printed.splitlines()
    stages = [stage.name for stage in default_stages()]
    stage_lines = [line for line in lines if line.startswith("[demo] ")]
    assert [line.split()[1] for line in stage_lines] == [name.split()[0] for name in stages]
    assert all(re.search(r"ok in \d+ s: \d+ assets", line) for line in stage_lines)
    header = next(i for i, line in enumerate(lines) if line.startswith("stage "))
    assert lines[header].split() == ["stage", "runs", "seconds", "assets", "checks", "passed",
                                     "checks", "failed", "result"]
    total = next(line for line in lines[header:] if line.startswith("total "))
    assert total.split()[1] == str(len(results)) and total.split()[-1] == "ok"
    assert len(lines) < 60


def test_every_plot_is_embedded_in_the_metadata(demo_run) -> None:
    """Plots render in the UI wherever it runs: a data URI, never a link to a local file."""
    results, *_ = demo_run
    images = {}
    for result in results:
        for event in result.get_asset_materialization_events():
            for label, value in event.materialization.metadata.items():
                if isinstance(value, dg.MarkdownMetadataValue) and "![" in value.value:
                    images[(event.asset_key.to_user_string(), label)] = value.value
    assert len({asset for asset, _ in images}) >= 9  # every plot site of the graph
    for (asset, label), text in images.items():
        assert "file://" not in text, (asset, label)
        assert embedded_png_bytes(text).startswith(b"\x89PNG"), (asset, label)
