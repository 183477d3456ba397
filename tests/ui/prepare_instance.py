"""Run by tests/ui/test_dagster_ui.py in its own process, with the test's MAMMOTH_DATA_DIR and
DAGSTER_HOME: run the demo's first web-data steps on that instance (list the sample dump's files
and shards, train the round-1 classifier, read and score every shard, with their checks), as
`make demo` does, so the UI has a materialization and a plot to show. Prints the runs' status."""

import sys

import dagster as dg

from mammoth_assets.demo import default_stages, run_demo

WEB_DOCUMENT_STEPS = 3  # wet_files; recall_seeds + recall_classifier; web_documents per shard


def main() -> int:
    with dg.DagsterInstance.get() as instance:
        results = run_demo(default_stages()[:WEB_DOCUMENT_STEPS], instance=instance,
                           raise_on_error=False, out=sys.stderr)
    success = bool(results) and all(result.success for result in results)
    print("success" if success else "failure")
    return 0 if success else 1


if __name__ == "__main__":
    sys.exit(main())
