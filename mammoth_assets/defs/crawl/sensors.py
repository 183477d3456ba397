"""New Common Crawl dumps become `cc_dump` partitions, and their shards get crawled.

- `cc_dump_sensor` reads the collection list (collinfo.json), adds new dumps as partitions and
  requests a `wet_files` run per dump (which lists the files and registers the dump's shards);
- `cc_shard_sensor` requests a `crawl_shard_job` run for every shard of a listed dump that has
  no `web_documents` materialization yet (a finished shard is never requested again; a failed
  one is requested again on a later tick, alone);
- `cc_dump_recheck_schedule` re-reads the list weekly and lists dumps that were never listed.

Configured by environment (sensors take no run config): MAMMOTH_COLLINFO_URL (default
https://index.commoncrawl.org/collinfo.json; a local path or file:// URL works), MAMMOTH_CC_DUMP_PATTERN,
MAMMOTH_CC_DUMP_SINCE (e.g. CC-MAIN-2024-10: ignore older dumps), MAMMOTH_CC_SAMPLE_FILES (read
only this many WET files per new dump), MAMMOTH_CC_FILES_PER_SHARD and MAMMOTH_SHARD_RUNS_PER_TICK."""

import os

import dagster as dg

from mammoth_assets.core import commoncrawl as cc
from mammoth_assets.core.shards import shard_names
from mammoth_assets.defs.crawl.assets import wet_files
from mammoth_assets.defs.crawl.checks import shard_checks
from mammoth_assets.defs.crawl.shard_pass import crawl_and_score_shard
from mammoth_assets.defs.partitions import cc_dump_partitions, cc_dump_shard_partitions

ENV_SAMPLE_FILES = "MAMMOTH_CC_SAMPLE_FILES"
ENV_FILES_PER_SHARD = "MAMMOTH_CC_FILES_PER_SHARD"
ENV_RUNS_PER_TICK = "MAMMOTH_SHARD_RUNS_PER_TICK"

crawl_dump_job = dg.define_asset_job(
    "crawl_dump_job",
    selection=dg.AssetSelection.assets(wet_files),
    partitions_def=cc_dump_partitions,
    description="List a dump's WET files and cut them into shards (the shards' runs follow from cc_shard_sensor).",
)

crawl_shard_job = dg.define_asset_job(
    "crawl_shard_job",
    selection=dg.AssetSelection.assets(crawl_and_score_shard) | dg.AssetSelection.checks(*shard_checks),
    partitions_def=cc_dump_shard_partitions,
    description="Read one shard of a dump and score it with the round-1 classifier (web_documents + "
    "recall_scores_round1, with the crawl checks). Backfill it over a dump's shards, or let cc_shard_sensor.",
)


def run_config_for_new_dump() -> dict:
    config = {}
    if sample := os.environ.get(ENV_SAMPLE_FILES, "").strip():
        config["sample_files"] = int(sample)
    if per_shard := os.environ.get(ENV_FILES_PER_SHARD, "").strip():
        config["files_per_shard"] = int(per_shard)
    return {"ops": {"wet_files": {"config": config}}} if config else {}


def _run_request(dump: str, run_key: str) -> dg.RunRequest:
    return dg.RunRequest(run_key=run_key, partition_key=dump, run_config=run_config_for_new_dump(),
                         tags={"cc_dump": dump})


@dg.sensor(
    job=crawl_dump_job,
    minimum_interval_seconds=6 * 3600,
    description="Reads Common Crawl's collection list; adds new dumps as cc_dump partitions and requests a "
    "wet_files run for each (its shards are then crawled by cc_shard_sensor).",
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


def listed_shards(instance: dg.DagsterInstance, dump: str) -> tuple[int, int] | None:
    """(shard count of the dump's latest wet_files materialization, storage id of the latest one
    that changed the shard layout, 0 if none did), or None when the dump was never listed.
    Shards crawled before a layout change are stale; re-listing an unchanged layout is not."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=wet_files.key, asset_partitions=[dump]), limit=1000
    ).records
    if not records or records[0].asset_materialization is None:
        return None
    shards = records[0].asset_materialization.metadata.get("shards")
    changed = next((r.storage_id for r in records
                    if getattr(r.asset_materialization.metadata.get("layout_changed"), "value", False)), 0)
    return (int(shards.value) if shards is not None else 0), changed


def crawled_since(instance: dg.DagsterInstance, storage_id: int) -> set[str]:
    """Shard keys whose latest web_documents materialization is newer than `storage_id`."""
    done = instance.get_materialized_partitions(dg.AssetKey("web_documents"), after_cursor=storage_id)
    return {str(k) for k in done}


def pending_shard_requests(instance: dg.DagsterInstance, limit: int) -> list[dg.RunRequest]:
    """A run request per listed shard not crawled since its dump was listed (at most `limit`):
    a finished shard is never requested again unless the dump is listed anew (a new layout)."""
    requests = []
    for dump in sorted(instance.get_dynamic_partitions(cc_dump_partitions.name)):
        listed = listed_shards(instance, dump)
        if listed is None:
            continue
        count, storage_id = listed
        done = crawled_since(instance, storage_id)
        for shard in shard_names(count):
            key = dg.MultiPartitionKey({"cc_dump": dump, "shard": shard})
            if str(key) in done:
                continue
            requests.append(dg.RunRequest(run_key=f"{key}:{storage_id}", partition_key=key,
                                          tags={"cc_dump": dump, "shard": shard}))
            if len(requests) >= limit:
                return requests
    return requests


@dg.sensor(
    job=crawl_shard_job,
    minimum_interval_seconds=60,
    description="Requests a crawl_shard_job run for every shard of a listed dump that has not been crawled "
    "(run keys include the listing, so a failed shard is retried when its dump is listed again).",
)
def cc_shard_sensor(context: dg.SensorEvaluationContext) -> list[dg.RunRequest] | dg.SkipReason:
    if context.instance.get_latest_materialization_event(dg.AssetKey("recall_classifier")) is None:
        return dg.SkipReason("recall_classifier is not trained yet: shards are scored while they are read")
    limit = int(os.environ.get(ENV_RUNS_PER_TICK, "") or 200)
    requests = pending_shard_requests(context.instance, limit)
    return requests or dg.SkipReason("every listed shard is crawled")


@dg.schedule(
    job=crawl_dump_job,
    cron_schedule="0 6 * * 1",
    description="Weekly: re-read the collection list, add dumps the sensor missed, and request wet_files runs for "
    "every matching dump that was never listed.",
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
    done = context.instance.get_materialized_partitions(wet_files.key)
    pending = sorted(d for d in known | set(new) if discovery.matches(d) and d not in done)
    if not pending:
        return dg.SkipReason("every dump is listed")
    tick = context.scheduled_execution_time.isoformat()
    return [_run_request(dump, f"cc_dump:{dump}:{tick}") for dump in pending]
