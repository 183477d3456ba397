"""Run by test_concurrency in a separate OS process: list one dump (wet_files, one file per shard)
and read + score each of its shards (crawl_and_score_shard with checks, one run per shard) against
a given warehouse file whose round-1 classifier is already trained, then print a JSON summary.

usage: python materialize_partition.py WAREHOUSE DUMP BASE_URL BARRIER_DIR PROCESSES
"""

import json
import sys
import time
from pathlib import Path

import dagster as dg

from mammoth_assets.defs.resources import WarehouseResource
from tests.defs.shard_runs import crawl_dump, list_dump


def wait_for_all(barrier: Path, name: str, processes: int, timeout_s: float = 300) -> None:
    """Start the runs only once every process has finished importing (so the runs overlap)."""
    (barrier / name).touch()
    deadline = time.monotonic() + timeout_s
    while len(list(barrier.iterdir())) < processes:
        if time.monotonic() > deadline:
            raise TimeoutError("the other processes never became ready")
        time.sleep(0.05)


def main(warehouse: str, dump: str, base_url: str, barrier: str, processes: int) -> int:
    instance = dg.DagsterInstance.ephemeral()
    resources = {"warehouse": WarehouseResource(path=warehouse, lock_timeout_s=120)}
    wait_for_all(Path(barrier), dump, processes)
    results = [list_dump(instance, resources, dump, base_url, files_per_shard=1, raise_on_error=False)]
    if results[0].success:
        results += list(crawl_dump(instance, resources, dump).values())
    errors = [str(e.event_specific_data.error) for r in results for e in r.all_events if e.event_type_value == "STEP_FAILURE"]
    print(json.dumps({
        "dump": dump,
        "runs": len(results),
        "success": all(r.success for r in results),
        "checks": {f"{r.dagster_run.tags.get('dagster/partition', '')}:{e.check_name}": e.passed
                   for r in results for e in r.get_asset_check_evaluations()},
        "errors": errors,
    }))
    return 0 if all(r.success for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
