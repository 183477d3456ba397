"""Dagster definitions for the crawl domain: Common Crawl files per `cc_dump`, documents per shard.

    collinfo.json --(cc_dump_sensor / cc_dump_recheck_schedule)--> cc_dump partitions
    wet_files (per dump: files and their shards) --(cc_shard_sensor / backfill)-->
    web_documents + recall_scores_round1 (per cc_dump x shard, one pass; + web_document_texts,
        web_documents_rejects, web_documents_files) --> dump_progress (per dump)
"""

import dagster as dg

from mammoth_assets.defs.crawl.assets import wet_files
from mammoth_assets.defs.crawl.checks import checks
from mammoth_assets.defs.crawl.progress import dump_progress
from mammoth_assets.defs.crawl.sensors import (
    cc_dump_recheck_schedule,
    cc_dump_sensor,
    cc_shard_sensor,
    crawl_dump_job,
    crawl_shard_job,
)
from mammoth_assets.defs.crawl.shard_pass import crawl_and_score_shard

defs = dg.Definitions(
    assets=[wet_files, crawl_and_score_shard, dump_progress],
    asset_checks=checks,
    sensors=[cc_dump_sensor, cc_shard_sensor],
    schedules=[cc_dump_recheck_schedule],
    jobs=[crawl_dump_job, crawl_shard_job],
)


def demo_run_config() -> dict[str, dict]:
    """Config for the offline demo on CC-MAIN-SAMPLE: every sample file, one file per shard (three
    shards), so the demo runs the sharded path."""
    return {"wet_files": {"files_per_shard": 1}}
