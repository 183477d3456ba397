"""recall_seeds on synthetic dumps (read from their WET files): seed domains, seed files,
negatives, determinism, errors."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from mammoth_assets.defs.recall import recall_seeds
from mammoth_assets.defs.resources import WarehouseResource
from mammoth_assets.warehouse import Warehouse
from tests.defs.recall.synthetic import write_synthetic_dump
from tests.defs.shard_runs import list_dump


@pytest.fixture
def two_dumps(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    instance = dg.DagsterInstance.ephemeral()
    for dump in ("CC-MAIN-A", "CC-MAIN-B"):
        write_synthetic_dump(tmp_path / "mirror", dump, per_domain=20)
        assert list_dump(instance, {"warehouse": WarehouseResource()}, dump, str(tmp_path / "mirror")).success
    return warehouse


def run_seeds(config: dict) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [recall_seeds],
        resources={"warehouse": WarehouseResource()},
        # Every page of the small dumps is a negative candidate (Common Crawl scale samples 1%).
        run_config={"ops": {"recall_seeds": {"config": {"negative_pool_rate": 1.0, **config}}}},
        raise_on_error=False,
    )


def test_seed_domains_give_positives_and_random_negatives_elsewhere(two_dumps: Warehouse):
    result = run_seeds({"seed_domains": ["https://www.edu-seed-a.org/", "edu-seed-b.org"], "num_positives": 50,
                        "num_negatives": 60, "auto_seed_domains": False})
    assert result.success
    seeds = two_dumps.read_table("recall_seeds")
    positives = seeds.filter(pl.col("label") == "positive")
    negatives = seeds.filter(pl.col("label") == "negative")
    assert positives.height == 50 and negatives.height == 60
    assert set(positives["domain"]) <= {"edu-seed-a.org", "edu-seed-b.org"}
    assert not set(negatives["domain"]) & {"edu-seed-a.org", "edu-seed-b.org"}
    assert set(positives["dump"]) == {"CC-MAIN-A", "CC-MAIN-B"}  # across dumps
    assert seeds["seed_id"].n_unique() == seeds.height
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["positives"].value == 50 and metadata["negatives"].value == 60

    again = run_seeds({"seed_domains": ["edu-seed-a.org", "edu-seed-b.org"], "num_positives": 50,
                       "num_negatives": 60, "auto_seed_domains": False})
    assert again.success
    assert sorted(two_dumps.read_table("recall_seeds")["seed_id"]) == sorted(seeds["seed_id"])
    other_seed = run_seeds({"seed_domains": ["edu-seed-a.org", "edu-seed-b.org"], "num_positives": 50,
                            "num_negatives": 60, "auto_seed_domains": False, "seed": 1})
    assert other_seed.success
    assert sorted(two_dumps.read_table("recall_seeds")["seed_id"]) != sorted(seeds["seed_id"])


def test_seed_file_rows_are_used_or_rejected_with_reasons(two_dumps: Warehouse, tmp_path: Path):
    seed_file = tmp_path / "seeds.jsonl"
    seed_file.write_text("\n".join([
        json.dumps({"text": "Question: integrate x^2. Solution: x^3/3 + C."}),
        json.dumps({"url": "https://www.edu-other.net/page/3"}),
        json.dumps({"url": "https://nowhere.example/q"}),
        "{broken",
    ]) + "\n")
    result = run_seeds({"seed_file": str(seed_file), "num_negatives": 0, "negative_ratio": 2.0,
                        "dumps": ["CC-MAIN-A"], "auto_seed_domains": False})
    assert result.success
    seeds = two_dumps.read_table("recall_seeds").sort("seed_id")
    kept = seeds.filter(pl.col("status") == "kept")
    assert kept.filter(pl.col("label") == "positive")["source"].sort().to_list() == ["seed_file_text", "seed_file_url"]
    [from_url] = kept.filter(pl.col("source") == "seed_file_url").to_dicts()
    assert from_url["url"] == "https://www.edu-other.net/page/3" and from_url["domain"] == "edu-other.net"
    assert from_url["dump"] == "CC-MAIN-A" and from_url["doc_id"]
    assert from_url["text"].startswith("edu-other.net page 3\n")  # the page's own text, read from its WET file
    assert kept.filter(pl.col("label") == "negative").height == 4  # ratio 2 x 2 positives
    rejected = seeds.filter(pl.col("status") == "rejected")
    assert sorted(r.split(":")[0] for r in rejected["reason"]) == ["malformed_json", "url_not_in_seed_files"]


def test_no_seed_source_is_a_clear_failure(two_dumps: Warehouse):
    result = run_seeds({"auto_seed_domains": False})
    assert not result.success
    failure = result.get_step_failure_events()[0].event_specific_data.error.message
    assert "needs positives" in failure


def test_unknown_seed_domains_fail_with_a_reason(two_dumps: Warehouse):
    result = run_seeds({"seed_domains": ["not-crawled.org"], "auto_seed_domains": False})
    assert not result.success
    message = result.get_step_failure_events()[0].event_specific_data.error.message
    assert "no positive documents" in message and "WET files read: 4" in message


def test_seeds_read_a_stable_sample_of_files(two_dumps: Warehouse):
    """seed_files_per_dump bounds what seeds read: one file per dump holds half the pages."""
    config = {"seed_domains": ["edu-seed-a.org", "edu-seed-b.org"], "num_positives": 500, "num_negatives": 500,
              "auto_seed_domains": False}
    everything = run_seeds(config)
    assert everything.success
    metadata = everything.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["positives"].value == 80  # 2 domains x 20 pages x 2 dumps
    one_file = run_seeds({**config, "seed_files_per_dump": 1})
    assert one_file.success
    metadata = one_file.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["positives"].value == 40  # the files hold alternate pages
