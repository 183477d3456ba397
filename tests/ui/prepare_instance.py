"""Run by tests/ui/test_dagster_ui.py in its own process, with the test's MAMMOTH_DATA_DIR and
DAGSTER_HOME: build the sample mirror and materialize the sample dump's files and documents (with
their checks) on that instance, as `make demo` does, so the UI has a materialization and a plot
to show. Prints the run's status."""

import sys

import dagster as dg

from mammoth_assets import paths
from mammoth_assets.core.sample_dump import ensure_sample_mirror
from mammoth_assets.definitions import build_definitions


def main() -> int:
    ensure_sample_mirror()
    keys = [dg.AssetKey("wet_files"), dg.AssetKey("web_documents")]
    job = build_definitions("sample").resolve_implicit_job_def_def_for_assets(keys)
    with dg.DagsterInstance.get() as instance:
        instance.add_dynamic_partitions("cc_dump", [paths.SAMPLE_DUMP])
        result = job.execute_in_process(
            instance=instance, partition_key=paths.SAMPLE_DUMP, asset_selection=keys,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            raise_on_error=False,
        )
    print("success" if result.success else "failure")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
