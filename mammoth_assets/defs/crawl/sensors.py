"""New Common Crawl dumps become `cc_dump` partitions: a sensor on the collection list
(collinfo.json) and a weekly schedule that re-checks it and retries unfinished dumps.

Configured by environment (sensors take no run config): MAMMOTH_COLLINFO_URL (default
https://index.commoncrawl.org/collinfo.json; a local path or file:// URL works), MAMMOTH_CC_DUMP_PATTERN,
MAMMOTH_CC_DUMP_SINCE (e.g. CC-MAIN-2024-10: ignore older dumps) and MAMMOTH_CC_SAMPLE_FILES
(read only this many WET files per new dump)."""

import os

import dagster as dg

from mammoth_assets.core import commoncrawl as cc
from mammoth_assets.defs.crawl.assets import web_documents, wet_files
from mammoth_assets.defs.partitions import cc_dump_partitions

ENV_SAMPLE_FILES = "MAMMOTH_CC_SAMPLE_FILES"

crawl_dump_job = dg.define_asset_job(
    "crawl_dump_job",
    selection=dg.AssetSelection.assets(wet_files, web_documents),
    partitions_def=cc_dump_partitions,
    description="List a dump's WET files and read them into web_documents (with the crawl checks).",
)


def run_config_for_new_dump() -> dict:
    sample = os.environ.get(ENV_SAMPLE_FILES, "").strip()
    if not sample:
        return {}
    return {"ops": {"wet_files": {"config": {"sample_files": int(sample)}}}}


def _run_request(dump: str, run_key: str) -> dg.RunRequest:
    return dg.RunRequest(run_key=run_key, partition_key=dump, run_config=run_config_for_new_dump(),
                         tags={"cc_dump": dump})


@dg.sensor(
    job=crawl_dump_job,
    minimum_interval_seconds=6 * 3600,
    description="Reads Common Crawl's collection list; adds new dumps as cc_dump partitions and requests a "
    "crawl run for each.",
)
def cc_dump_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    discovery = cc.DumpDiscovery.from_env()
    try:
        listed = discovery.list_dumps()
    except cc.CommonCrawlError as error:
        return dg.SkipReason(f"could not read the collection list {discovery.collinfo_url}: {error}")
    known = set(context.instance.get_dynamic_partitions(cc_dump_partitions.name))
    new = [dump for dump in listed if dump not in known]
    if not new:
        return dg.SkipReason(f"no new dumps among {len(listed)} listed at {discovery.collinfo_url}")
    context.log.info(f"new dumps: {', '.join(new)}")
    return dg.SensorResult(
        run_requests=[_run_request(dump, f"cc_dump:{dump}") for dump in new],
        dynamic_partitions_requests=[cc_dump_partitions.build_add_request(new)],
    )


@dg.schedule(
    job=crawl_dump_job,
    cron_schedule="0 6 * * 1",
    description="Weekly: re-read the collection list, add dumps the sensor missed, and request runs for every "
    "matching dump whose web_documents was never materialized.",
)
def cc_dump_recheck_schedule(context: dg.ScheduleEvaluationContext):
    discovery = cc.DumpDiscovery.from_env()
    try:
        listed = discovery.list_dumps()
    except cc.CommonCrawlError as error:
        return dg.SkipReason(f"could not read the collection list {discovery.collinfo_url}: {error}")
    known = set(context.instance.get_dynamic_partitions(cc_dump_partitions.name))
    new = [dump for dump in listed if dump not in known]
    if new:
        context.instance.add_dynamic_partitions(cc_dump_partitions.name, new)
    done = context.instance.get_materialized_partitions(web_documents.key)
    pending = sorted(d for d in known | set(new) if discovery.matches(d) and d not in done)
    if not pending:
        return dg.SkipReason("every dump is materialized")
    tick = context.scheduled_execution_time.isoformat()
    return [_run_request(dump, f"cc_dump:{dump}:{tick}") for dump in pending]
