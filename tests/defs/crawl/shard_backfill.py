"""Run by test_shard_backfill in its own OS process: crawl every shard that has no web_documents
materialization yet, one Dagster run per shard, as the daemon does with cc_shard_sensor's run
requests (the same "missing shards only" rule as a backfill of missing partitions).

usage: DAGSTER_HOME=... MAMMOTH_DATA_DIR=... python -m tests.defs.crawl.shard_backfill
Prints one JSON line per finished shard run."""

import json
import sys

import dagster as dg

from mammoth_assets.defs.crawl.sensors import pending_shard_requests
from mammoth_assets.definitions import defs

RUN_CONFIG = {"ops": {"crawl_and_score_shard": {"config": {"min_recall_rate": 0.0, "max_recall_rate": 1.0,
                                                           "text_sample_rate": 0.05}}}}


def main() -> int:
    instance = dg.DagsterInstance.get()
    job = defs.get_job_def("crawl_shard_job")
    for request in pending_shard_requests(instance, limit=10_000):
        result = job.execute_in_process(
            run_config=RUN_CONFIG, instance=instance, partition_key=request.partition_key, raise_on_error=False,
        )
        print(json.dumps({"partition": str(request.partition_key), "success": result.success}), flush=True)
        if not result.success:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
