"""Where the CPU time of the read + score pass goes, phase by phase, beside the raw loop.

    .venv/bin/python benchmarks/shard_pass_phases.py [--files 2 --docs-per-file 20000 --repeats 3]

The pass (`crawl_ingest.crawl_shard`) does, per batch of documents: read the WET records (FastWARC
with per-record checks), build the document rows (ids, NFC check, host, domain, title, date),
normalise the text as the classifier was trained, predict with fastText, and stage Parquet parts.
Each phase is timed here separately on the same files (process CPU time, minimum over repeats),
beside the raw FastWARC read and the raw FastWARC + fastText loop of benchmarks/dump_scale.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DUMP = "CC-MAIN-2099-01"


def phases(wet: list[Path], mirror: Path, model, staging: Path, max_chars: int) -> dict[str, float]:
    import polars as pl

    from mammoth_assets.core import commoncrawl as cc
    from mammoth_assets.core import recall as rc
    from mammoth_assets.core.crawl_ingest import DOCUMENT_SCHEMA, SCORE_SCHEMA, TEXT_SCHEMA, _Columns, in_text_sample
    from mammoth_assets.core.shards import ShardFile

    spent: dict[str, float] = {}

    def tick(name: str, since: float) -> float:
        now = time.process_time()
        spent[name] = spent.get(name, 0.0) + now - since
        return now

    for index, path in enumerate(wet):
        file = ShardFile(index, str(path.relative_to(mirror)), None, str(mirror))
        clock = time.process_time()
        records = [r for r in cc.iter_text_records(path, "wet") if not isinstance(r, cc.SkippedRecord)]
        clock = tick("read WET records (FastWARC + checks)", clock)
        batches = [_Columns()]
        for record in records:
            batches[-1].add(DUMP, file, record)
            if len(batches[-1]) >= 5000:
                batches.append(_Columns())
        clock = tick("document ids, NFC check", clock)
        frames = [b.frame(DUMP, "00000") for b in batches if len(b)]
        clock = tick("document rows (Polars)", clock)
        for number, frame in enumerate(frames):
            lines = frame.select((rc.normalize_expr("text", max_chars) + "\n").alias("t"))["t"].to_list()
            clock = tick("normalise for the classifier", clock)
            scores = rc.score_lines(model, lines)
            clock = tick("fastText predict", clock)
            scored = frame.with_columns(pl.Series("score", scores, dtype=pl.Float32))
            part = staging / f"{index}-{number}"
            scored.select(list(DOCUMENT_SCHEMA)).write_parquet(f"{part}-d.parquet", compression="lz4")
            scored.select(list(SCORE_SCHEMA)).write_parquet(f"{part}-s.parquet", compression="lz4")
            texts = scored.filter((pl.col("score") >= 0.3) | in_text_sample(0.001))
            texts.select([k for k in TEXT_SCHEMA if k != "text_reason"]).write_parquet(f"{part}-t.parquet", compression="lz4")
            clock = tick("stage Parquet parts", clock)
    return spent


def raw(wet: list[Path], model, max_chars: int) -> tuple[float, float]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    clock = time.process_time()
    for path in wet:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream, record_types=WarcRecordType.conversion):
                record.reader.read()
    read = time.process_time() - clock
    clock = time.process_time()
    for path in wet:
        batch = []
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream, record_types=WarcRecordType.conversion):
                batch.append(record.reader.read().decode("utf-8", "replace")[:max_chars].lower().replace("\n", " "))
        model.predict(batch, k=1)
    return read, time.process_time() - clock


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2)
    parser.add_argument("--docs-per-file", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    from mammoth_assets.core import recall as rc
    from mammoth_assets.core.sample_dump import build_sample_mirror, read_labels

    work = args.workdir or Path(tempfile.mkdtemp(prefix="shard_pass_phases-"))
    mirror = work / "mirror"
    if not (mirror / "collinfo.json").exists():
        build_sample_mirror(mirror, dump=DUMP, files=args.files, docs_per_file=args.docs_per_file, with_warc=False)
    wet = sorted(mirror.glob(f"crawl-data/{DUMP}/segments/*/wet/*.warc.wet.gz"))
    model_path = work / "model.bin"
    if not model_path.exists():  # a dim-32 model on the generator's labels (as in dump_scale.py)
        import polars as pl

        from mammoth_assets.core import commoncrawl as cc

        labels = {row["url"]: row["educational"] for row in read_labels(mirror, DUMP)}
        texts = [(r.url, r.text) for r in cc.iter_text_records(wet[0], "wet") if isinstance(r, cc.TextRecord)][:5000]
        batch = pl.DataFrame({"example_id": [u for u, _ in texts], "text": [t for _, t in texts],
                              "label": ["positive" if labels.get(u) else "negative" for u, _ in texts],
                              "source": ["bench"] * len(texts)})
        params = rc.FastTextParams(dim=32, epoch=5, lr=0.5, word_ngrams=2, min_count=2, bucket=200_000)
        trained = rc.train_with_heldout([batch], work / "train", params)
        model_path.write_bytes(trained.model_path.read_bytes())
    model = rc.load_classifier(model_path)
    max_chars = rc.DEFAULT_MAX_CHARS

    best: dict[str, float] = {}
    raw_read = raw_loop = float("inf")
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory(dir=work) as staging:
            for name, seconds in phases(wet, mirror, model, Path(staging), max_chars).items():
                best[name] = min(best.get(name, float("inf")), seconds)
        read, loop = raw(wet, model, max_chars)
        raw_read, raw_loop = min(raw_read, read), min(raw_loop, loop)
    documents = args.files * args.docs_per_file
    total = sum(best.values())
    print(f"{documents} documents in {len(wet)} WET files; CPU-seconds, minimum of {args.repeats}")
    for name, seconds in best.items():
        print(f"  {name:40s} {seconds:6.2f} s  {100 * seconds / total:4.0f}%")
    print(f"  {'pass, sum of phases':40s} {total:6.2f} s  = {documents / total:,.0f} docs/CPU-s")
    print(f"raw FastWARC read {raw_read:.2f} s; raw FastWARC + fastText loop {raw_loop:.2f} s = "
          f"{documents / raw_loop:,.0f} docs/CPU-s; pass / raw loop = {total / raw_loop:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
