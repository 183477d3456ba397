"""A synthetic dump through the real sharded assets: throughput, memory per shard, storage per document.

    1. `mammoth build-sample`'s generator writes a dump of FILES x DOCS WET files (default 32 x 5,000);
    2. recall_seeds + recall_classifier train a round-1 model on it (real assets, small fastText);
    3. crawl_shard_job (web_documents + recall_scores_round1: one pass that reads and scores) runs
       for every shard, each shard in its own process as Dagster's run launcher would start it;
    4. the same files go through a raw FastWARC + fastText loop (decode, lowercase, predict).

Prints documents per CPU-second of the whole path (the shard runs: WET read, document rows, score,
staging, the warehouse swap, checks and Dagster's own overhead; imports excluded) beside the raw
loop, peak RSS of one shard run at 1x, 4x and 16x documents, and warehouse bytes per document
that recall dropped (web_documents + recall_scores_round1 rows, written to a fresh DuckDB file).
The last line carries all the figures.

    .venv/bin/python benchmarks/dump_scale.py [--files 16 --docs-per-file 35000 --repeats 3]

A real WET file holds ~30-40K documents; --files-per-shard defaults to the asset's default (64).
The whole path and the raw loop are repeated (--repeats, on the same files) and reported as
min / median / max.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DUMP = "CC-MAIN-2099-01"
SHARD_CONFIG = {"min_recall_rate": 0.0, "max_recall_rate": 1.0}
SMALL_MODEL = {"dim": 32, "epoch": 5, "lr": 0.5, "word_ngrams": 2, "min_count": 2, "bucket": 200_000,
               "min_heldout_precision": 0.0, "min_heldout_recall": 0.0}


def run_one_shard(shard: str) -> None:
    """Child mode: one crawl_shard_job run; print its CPU seconds, documents and peak RSS."""
    import dagster as dg

    from mammoth_assets.definitions import defs

    instance = dg.DagsterInstance.get()
    job = defs.get_job_def("crawl_shard_job")
    cpu = time.process_time()
    result = job.execute_in_process(
        run_config={"ops": {"crawl_and_score_shard": {"config": SHARD_CONFIG}}}, instance=instance,
        partition_key=dg.MultiPartitionKey({"cc_dump": DUMP, "shard": shard}),
    )
    cpu = time.process_time() - cpu
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key.path == ["web_documents"]]
    meta = event.materialization.metadata
    print(json.dumps({"shard": shard, "cpu_s": cpu, "pass_cpu_s": meta["cpu_seconds"].value,
                      "documents": meta["documents"].value,
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def child(env: dict, shard: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--run-shard", shard], env=env, capture_output=True,
                          text=True, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def materialize(instance, assets: list[str], run_config: dict, partition_key: str | None = None):
    """Materialize assets of the code location (`mammoth_assets.definitions`, what the webserver
    loads) with its bound resources, as a UI click would."""
    import dagster as dg

    from mammoth_assets.definitions import defs

    keys = [dg.AssetKey(name) for name in assets]
    job = defs.resolve_implicit_job_def_def_for_assets(keys)
    return job.execute_in_process(run_config=run_config, instance=instance, partition_key=partition_key,
                                  asset_selection=keys)


def list_files(instance, mirror: Path, files_per_shard: int) -> int:
    result = materialize(instance, ["wet_files"], {"ops": {"wet_files": {"config": {
        "base_url": mirror.as_uri(), "files_per_shard": files_per_shard}}}}, partition_key=DUMP)
    [event] = result.get_asset_materialization_events()
    return int(event.materialization.metadata["shards"].value)


def raw_loop(paths: list[Path], model_path: str, max_chars: int) -> tuple[int, float]:
    """FastWARC + fastText with nothing else: decode, lowercase, flatten newlines, predict."""
    import fasttext
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    model = fasttext.load_model(model_path)
    cpu = time.process_time()
    documents = 0
    for path in paths:
        batch = []
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream, record_types=WarcRecordType.conversion):
                text = record.reader.read().decode("utf-8", "replace")
                batch.append(text[:max_chars].lower().replace("\n", " "))
        model.predict(batch, k=1)
        documents += len(batch)
    return documents, time.process_time() - cpu


def bytes_per_document(warehouse: Path, scratch: Path) -> tuple[float, int]:
    import duckdb

    target = scratch / "per_document_tables.duckdb"
    target.unlink(missing_ok=True)
    con = duckdb.connect()
    con.execute(f"ATTACH '{warehouse}' AS w (READ_ONLY)")
    con.execute(f"ATTACH '{target}' AS m")
    con.execute("CREATE TABLE m.web_documents AS SELECT * FROM w.web_documents")
    con.execute("CREATE TABLE m.recall_scores_round1 AS SELECT * FROM w.recall_scores_round1")
    dropped = con.execute("SELECT count(*) FROM w.recall_scores_round1 WHERE decision <> 'kept'").fetchone()[0]
    documents = con.execute("SELECT count(*) FROM w.web_documents").fetchone()[0]
    con.execute("DETACH m")
    con.close()
    return target.stat().st_size / documents, dropped


def main() -> int:
    parser = argparse.ArgumentParser()
    from mammoth_assets.core.shards import DEFAULT_FILES_PER_SHARD

    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--docs-per-file", type=int, default=35_000)
    parser.add_argument("--files-per-shard", type=int, default=DEFAULT_FILES_PER_SHARD)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--run-shard", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_shard:
        run_one_shard(args.run_shard)
        return 0

    import dagster as dg

    from mammoth_assets.core.sample_dump import build_sample_mirror

    work = args.workdir or Path(tempfile.mkdtemp(prefix="dump_scale-"))
    data, home, mirror = work / "data", work / "dagster", work / "mirror"
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(MAMMOTH_DATA_DIR=str(data), DAGSTER_HOME=str(home))
    env = dict(os.environ)
    if not (mirror / "collinfo.json").exists():
        started = time.perf_counter()
        build_sample_mirror(mirror, dump=DUMP, files=args.files, docs_per_file=args.docs_per_file, with_warc=False)
        print(f"built {args.files} x {args.docs_per_file} documents in {time.perf_counter() - started:.0f}s", flush=True)
    with dg.DagsterInstance.get() as instance:
        if DUMP not in instance.get_dynamic_partitions("cc_dump"):
            instance.add_dynamic_partitions("cc_dump", [DUMP])
        list_files(instance, mirror, args.files_per_shard)
        seeds = {"seed_domains_file": str(mirror / "crawl-data" / DUMP / "seed-domains.txt"),
                 "num_positives": 5000, "num_negatives": 5000, "seed_files_per_dump": 2, "negative_pool_rate": 0.5}
        materialize(instance, ["recall_seeds", "recall_classifier"],
                    {"ops": {"recall_seeds": {"config": seeds}, "recall_classifier": {"config": SMALL_MODEL}}})
        model_path = str(data / "artifacts" / "recall" / "recall_classifier" / "model.bin")

        memory = {}
        for factor in (1, 4, 16):
            if factor <= args.files:
                list_files(instance, mirror, factor)
                run = child(env, "00000")
                memory[factor] = (run["documents"], run["maxrss_mb"])
                print(f"peak RSS, one shard of {factor} file(s) = {run['documents']} documents: {run['maxrss_mb']:.0f} MB", flush=True)

        shards = list_files(instance, mirror, args.files_per_shard)
    wet = sorted(mirror.glob(f"crawl-data/{DUMP}/segments/*/wet/*.warc.wet.gz"))
    ours, passes, raws = [], [], []
    for repeat in range(args.repeats):
        runs = [child(env, f"{i:05d}") for i in range(shards)]
        documents = sum(r["documents"] for r in runs)
        cpu = sum(r["cpu_s"] for r in runs)
        pass_cpu = sum(r["pass_cpu_s"] for r in runs)
        raw_docs, raw_cpu = raw_loop(wet, model_path, 10_000)
        ours.append(documents / cpu)
        passes.append(documents / pass_cpu)
        raws.append(raw_docs / raw_cpu)
        print(f"repeat {repeat + 1}: whole path {ours[-1]:,.0f} docs/CPU-s ({documents} documents in {shards} shard "
              f"run(s), {cpu:.1f} CPU-s; the read+score pass alone {passes[-1]:,.0f}); raw loop {raws[-1]:,.0f}", flush=True)
    per_doc, dropped = bytes_per_document(data / "warehouse.duckdb", work)

    def spread(values: list[float]) -> str:
        return f"{min(values):,.0f} / {statistics.median(values):,.0f} / {max(values):,.0f}"

    ratios = [r / o for r, o in zip(raws, ours)]
    print(f"whole path (crawl_shard_job runs, {shards} shard(s) of up to {args.files_per_shard} files), docs/CPU-s "
          f"min / median / max: {spread(ours)}; the read+score pass alone: {spread(passes)}")
    print(f"raw FastWARC + fastText loop on the same files: {spread(raws)}; raw / ours: "
          f"{min(ratios):.2f} / {statistics.median(ratios):.2f} / {max(ratios):.2f}")
    print(f"warehouse: {per_doc:.0f} bytes per document (web_documents + recall_scores_round1; {dropped} of {documents} dropped by recall)")
    rss = ", ".join(f"{f}x {m:.0f} MB" for f, (_, m) in sorted(memory.items()))
    print(f"RESULT docs_per_cpu_s_median={statistics.median(ours):.0f} pass_docs_per_cpu_s_median={statistics.median(passes):.0f} "
          f"raw_docs_per_cpu_s_median={statistics.median(raws):.0f} ratio_median={statistics.median(ratios):.2f} "
          f"peak_rss_per_shard=[{rss}] bytes_per_dropped_doc={per_doc:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
