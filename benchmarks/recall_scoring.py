"""Recall scoring throughput: the same WET files scored three ways in one run.

    raw limit       texts already extracted and normalized in memory; only fastText predict is timed
                    (one batched `predict(list)` call per 20k lines, and a per-document loop)
    this stage      the shard pass that computes `recall_scores_round1` (crawl_ingest.crawl_shard):
                    WET read -> document rows -> shared normalization -> predict -> staged Parquet
                    (web_documents, scores, texts above the floor); the warehouse swap is not timed
    baseline        warcio over the WET files, Python normalization and one predict per document

Figures are documents per CPU-second (process CPU time over all threads: "per core") and per
wall-second. Run:  .venv/bin/python benchmarks/recall_scoring.py --copies 10 [--join 6]
(`--join 6` merges pages into ~3,800-character documents, closer to Common Crawl's length.)
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mammoth_assets.core import commoncrawl, documents  # noqa: E402
from mammoth_assets.core import recall as recall_core  # noqa: E402
from mammoth_assets.core.sample_dump import build_sample_mirror  # noqa: E402

DUMP = "CC-MAIN-BENCH"


class Timer:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def wet_files(args, workdir: Path) -> list[Path]:
    if args.wet:
        return [Path(p) for p in args.wet]
    files = []
    for copy in range(args.copies):  # distinct sample dumps (different seeds), real WET files
        mirror = workdir / f"mirror-{copy}"
        build_sample_mirror(mirror, seed=copy)
        files += sorted(mirror.glob("crawl-data/*/segments/*/wet/*.warc.wet.gz"))
    if args.join > 1:
        files = [join_records(path, args.join) for path in files]
    return files


def join_records(path: Path, join: int) -> Path:
    """Rewrite a WET file with every `join` consecutive conversion records merged into one, for
    documents as long as Common Crawl's (the sample's pages are short)."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.warcwriter import WARCWriter

    out = path.with_name(path.name.replace(".warc.wet.gz", f".joined{join}.warc.wet.gz"))
    with open(path, "rb") as source, open(out, "wb") as target:
        writer = WARCWriter(target, gzip=True, warc_version="WARC/1.1")
        group: list = []

        def flush():
            if group:
                uri, headers = group[0][0], group[0][1]
                body = "\n".join(text for _, _, text in group).encode("utf-8")
                extra = {k: v for k, v in headers.items() if k in ("WARC-Date", "WARC-Refers-To", "WARC-Identified-Content-Language")}
                record = writer.create_warc_record(uri, "conversion", payload=io.BytesIO(body), length=len(body),
                                                   warc_content_type="text/plain", warc_headers_dict=extra)
                writer.write_record(record)
                group.clear()

        for record in ArchiveIterator(source):
            if record.rec_type != "conversion":
                continue
            text = record.content_stream().read().decode("utf-8", errors="replace")
            group.append((record.rec_headers.get_header("WARC-Target-URI"), dict(record.rec_headers.headers), text))
            if len(group) == join:
                flush()
        flush()
    return out


def read_documents(files: list[Path]) -> pl.DataFrame:
    rows = []
    for wet in files:
        for record in commoncrawl.iter_text_records(wet, kind="wet"):
            if isinstance(record, commoncrawl.TextRecord):
                rows.append(
                    documents.document_row(
                        dump=DUMP, url=record.url, text=record.text, wet_file=f"{wet.parent.parent.name}/{wet.name}",
                        wet_record_id=record.record_id, wet_offset=record.offset,
                        warc_file=None, warc_record_id=record.refers_to,
                        language_header=record.language, warc_date=record.date,
                    )
                )
    return pl.DataFrame(rows)


def train_model(docs: pl.DataFrame, workdir: Path, args) -> Path:
    seeds = docs.select(
        (pl.col("dump") + ":" + pl.col("doc_id")).alias("example_id"),
        pl.when(pl.col("domain").str.contains("math|physics|homework|faq|algebra"))
        .then(pl.lit("positive")).otherwise(pl.lit("negative")).alias("label"),
        pl.lit("bench").alias("source"),
        "text",
    )
    params = recall_core.FastTextParams(dim=args.dim, word_ngrams=3, min_count=3, bucket=args.bucket, epoch=3)
    trained = recall_core.train_with_heldout([seeds], workdir / "model", params, heldout_fraction=0.1)
    return trained.model_path


_BASELINE_PUNCT = re.compile(r"([^\w\s])")
_BASELINE_DIGIT = re.compile(r"\d")


def baseline_normalize(text: str, max_chars: int) -> str:
    text = _BASELINE_DIGIT.sub("0", text[:max_chars].lower())
    return " ".join(_BASELINE_PUNCT.sub(r" \1 ", text).split())


def run_baseline(files: list[Path], model, max_chars: int) -> int:
    from warcio.archiveiterator import ArchiveIterator

    scored = 0
    for path in files:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "conversion":
                    continue
                text = record.content_stream().read().decode("utf-8", errors="replace")
                labels, probs = model.predict(baseline_normalize(text, max_chars))
                scored += 1
    return scored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wet", nargs="*", help="WET files (default: generated sample dumps)")
    parser.add_argument("--copies", type=int, default=10, help="sample dumps to generate (510 pages each)")
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--bucket", type=int, default=200_000)
    parser.add_argument("--batch-rows", type=int, default=20_000)
    parser.add_argument("--join", type=int, default=1,
                        help="merge this many consecutive pages per WET record (longer, Common Crawl-like documents)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="recall-bench-"))
    os.environ["MAMMOTH_DATA_DIR"] = str(workdir / "data")
    from mammoth_assets.core.crawl_ingest import IngestSettings, ScoreSettings, crawl_shard, fasttext_scorer
    from mammoth_assets.core.shards import ShardFile

    files = wet_files(args, workdir)
    docs = read_documents(files)
    model_path = train_model(docs, workdir, args)
    model = recall_core.load_classifier(model_path)
    n = docs.height
    max_chars = recall_core.DEFAULT_MAX_CHARS
    print(f"{len(files)} WET files, {n} documents, {docs['length_chars'].sum() / n:.0f} chars/doc, "
          f"model dim {args.dim}, word n-grams 3, {os.cpu_count()} cores visible")

    normalized = recall_core.normalize_texts(docs["text"], max_chars).to_list()
    with Timer() as raw_batch:
        for start in range(0, n, args.batch_rows):
            recall_core.score_normalized(model, normalized[start : start + args.batch_rows])
    with Timer() as raw_loop:
        for line in normalized:
            model.predict(line)

    shard = [ShardFile(i, path.name, None, str(path.parent)) for i, path in enumerate(files)]

    def one_pass(name: str):
        return crawl_shard(DUMP, "00000", shard, fasttext_scorer(model), workdir / name,
                           IngestSettings(batch_rows=args.batch_rows), ScoreSettings(max_chars=max_chars))

    one_pass("warm-up")
    with Timer() as stage:
        run = one_pass("timed")
    assert run.documents == n

    with Timer() as baseline:
        baseline_docs = run_baseline(files, model, max_chars)

    limit = min(raw_batch.cpu, raw_loop.cpu)
    rows = [
        ("raw fastText predict, batched (limit)", n, raw_batch),
        ("raw fastText predict, per-document loop", n, raw_loop),
        ("this stage: WET -> rows -> predict -> staged (one pass)", n, stage),
        ("baseline: warcio + per-document predict", baseline_docs, baseline),
    ]
    print(f"\n{'path':52s} {'docs':>7s} {'docs/s/core':>12s} {'docs/s wall':>12s} {'x limit':>8s}")
    for name, docs_n, timer in rows:
        print(f"{name:52s} {docs_n:7d} {docs_n / timer.cpu:12.0f} {docs_n / timer.wall:12.0f} {timer.cpu / limit:8.2f}")
    print(f"\nstage vs limit: {stage.cpu / limit:.2f}x CPU time (target <= 1.5x); "
          f"stage vs baseline: {baseline.cpu / stage.cpu:.2f}x faster per core")


if __name__ == "__main__":
    main()
