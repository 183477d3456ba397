"""Run by test_concurrency in a separate OS process: materialize wet_files + web_documents (with
checks) for one cc_dump partition against a given warehouse file, then print a JSON summary.

usage: python materialize_partition.py WAREHOUSE DUMP BASE_URL BARRIER_DIR PROCESSES
"""

import json
import sys
import time
from pathlib import Path

import dagster as dg

from mammoth_assets.defs.crawl import web_documents, wet_files
from mammoth_assets.defs.crawl.checks import checks
from mammoth_assets.defs.resources import WarehouseResource


def wait_for_all(barrier: Path, name: str, processes: int, timeout_s: float = 300) -> None:
    """Start the run only once every process has finished importing (so the runs overlap)."""
    (barrier / name).touch()
    deadline = time.monotonic() + timeout_s
    while len(list(barrier.iterdir())) < processes:
        if time.monotonic() > deadline:
            raise TimeoutError("the other processes never became ready")
        time.sleep(0.05)


def main(warehouse: str, dump: str, base_url: str, barrier: str, processes: int) -> int:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cc_dump", [dump])
    wait_for_all(Path(barrier), dump, processes)
    result = dg.materialize(
        [wet_files, web_documents, *checks],
        partition_key=dump,
        instance=instance,
        resources={"warehouse": WarehouseResource(path=warehouse, lock_timeout_s=120)},
        run_config={"ops": {"wet_files": {"config": {"base_url": base_url}}}},
        raise_on_error=False,
    )
    errors = [str(e.event_specific_data.error) for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    print(json.dumps({
        "dump": dump,
        "success": result.success,
        "checks": {e.check_name: e.passed for e in result.get_asset_check_evaluations()},
        "errors": errors,
    }))
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
