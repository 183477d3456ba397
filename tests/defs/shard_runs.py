"""Real Dagster runs of the sharded web-data path for tests: list a dump (wet_files), train the
round-1 classifier (recall_seeds + recall_classifier), then read and score each shard
(crawl_and_score_shard with its checks), one run per `cc_dump x shard` partition as the sensor
or a backfill would launch them."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from mammoth_assets.core.shards import shard_names
from mammoth_assets.defs.crawl import wet_files
from mammoth_assets.defs.crawl.checks import checks as crawl_checks
from mammoth_assets.defs.crawl.checks import shard_checks
from mammoth_assets.defs.crawl.sensors import listed_shards
from mammoth_assets.defs.crawl.shard_pass import crawl_and_score_shard
from mammoth_assets.defs.recall import recall_classifier, recall_seeds

# A small, fast fastText model; floors off (the tests assert on what they need).
SMALL_MODEL = {"dim": 16, "epoch": 10, "lr": 0.5, "word_ngrams": 2, "min_count": 1, "bucket": 20_000,
               "min_heldout_precision": 0.0, "min_heldout_recall": 0.0}
# The sample is ~60% educational, Common Crawl <1%: a wide recall-rate band.
OPEN_BAND = {"min_recall_rate": 0.0, "max_recall_rate": 1.0}
LIST_CHECKS = [c for c in crawl_checks if c not in shard_checks]


def shard_partition(dump: str, shard: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"cc_dump": dump, "shard": shard})


def list_dump(instance: dg.DagsterInstance, resources: dict, dump: str, base_url: str,
              files_per_shard: int = 1, raise_on_error: bool = True, **config) -> dg.ExecuteInProcessResult:
    if dump not in instance.get_dynamic_partitions("cc_dump"):
        instance.add_dynamic_partitions("cc_dump", [dump])
    return dg.materialize(
        [wet_files, *LIST_CHECKS], partition_key=dump, instance=instance, resources=resources,
        run_config={"ops": {"wet_files": {"config": {"base_url": base_url, "files_per_shard": files_per_shard, **config}}}},
        raise_on_error=raise_on_error,
    )


def train_round1(instance: dg.DagsterInstance, resources: dict, seed_domains_file: Path | str,
                 model: dict | None = None, **seeds) -> dg.ExecuteInProcessResult:
    seeds = {"seed_domains_file": str(seed_domains_file), "num_positives": 400, "num_negatives": 400,
             "negative_pool_rate": 1.0, **seeds}
    result = dg.materialize(
        [recall_seeds, recall_classifier], instance=instance, resources=resources,
        run_config={"ops": {"recall_seeds": {"config": seeds}, "recall_classifier": {"config": model or SMALL_MODEL}}},
    )
    assert result.success
    return result


def shards_of(instance: dg.DagsterInstance, dump: str) -> list[str]:
    listed = listed_shards(instance, dump)
    return shard_names(listed[0] if listed else 0)


def crawl_shard(instance: dg.DagsterInstance, resources: dict, dump: str, shard: str,
                raise_on_error: bool = False, **config) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [crawl_and_score_shard, *shard_checks], partition_key=shard_partition(dump, shard), instance=instance,
        resources=resources, run_config={"ops": {"crawl_and_score_shard": {"config": {**OPEN_BAND, **config}}}},
        raise_on_error=raise_on_error,
    )


def crawl_dump(instance: dg.DagsterInstance, resources: dict, dump: str, **config) -> dict[str, dg.ExecuteInProcessResult]:
    """One run per listed shard of the dump."""
    return {shard: crawl_shard(instance, resources, dump, shard, **config) for shard in shards_of(instance, dump)}
