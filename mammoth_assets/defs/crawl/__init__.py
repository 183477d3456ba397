"""Dagster definitions for the crawl domain: Common Crawl files and documents per `cc_dump`.

    collinfo.json --(cc_dump_sensor / cc_dump_recheck_schedule)--> cc_dump partitions
    wet_files --> web_documents (+ web_documents_rejects, web_documents_files)
"""

import dagster as dg

from mammoth_assets.defs.crawl.assets import web_documents, wet_files
from mammoth_assets.defs.crawl.checks import checks
from mammoth_assets.defs.crawl.sensors import cc_dump_recheck_schedule, cc_dump_sensor, crawl_dump_job

defs = dg.Definitions(
    assets=[wet_files, web_documents],
    asset_checks=checks,
    sensors=[cc_dump_sensor],
    schedules=[cc_dump_recheck_schedule],
    jobs=[crawl_dump_job],
)


def demo_run_config() -> dict[str, dict]:
    """Config for the offline demo on CC-MAIN-SAMPLE: every sample file from the bundled mirror."""
    return {"wet_files": {}, "web_documents": {}}
