"""A recalled sample dump for the WebInstruct tests: the sample mirror with planted benchmark
questions, and the `recalled_documents` rows of one shard (all three files) written from its WET
files in round 2's shape (perfect recall of a chosen subset, so the LLM stages stay small; text and
provenance for the kept pages only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from fastwarc.warc import ArchiveIterator, WarcRecordType

from mammoth_assets.core.benchmarks import load_benchmark
from mammoth_assets.core.documents import document_row
from mammoth_assets.core.crawl_ingest import RECALLED_SCHEMA
from mammoth_assets.core.sample_dump import DUMP, build_sample_mirror, read_labels
from mammoth_assets.defs.shard_tables import ShardPartition, TableSwap, swap_shard
from mammoth_assets.warehouse import Warehouse

PLANT_FROM = {"gsm8k": 3, "math": 2}  # benchmark -> how many of its questions to plant
SHARD = ShardPartition(DUMP, "00000")
SHARD_KEY = dg.MultiPartitionKey({"cc_dump": DUMP, "shard": SHARD.shard})


def shard_instance() -> dg.DagsterInstance:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cc_dump", [DUMP])
    instance.add_dynamic_partitions("shard", [SHARD.shard])
    return instance


@dataclass
class RecalledDump:
    mirror: Path
    labels: list[dict]
    planted: dict[str, tuple[str, str]]  # url -> (benchmark, item_id)
    recalled_urls: set[str]


def planted_pages(benchmarks_root: Path) -> tuple[list[dict], dict[str, tuple[str, str]]]:
    pages, planted = [], {}
    for name, count in PLANT_FROM.items():
        for item in load_benchmark(name, benchmarks_root, limit=count):
            url = f"https://www.homework-copycat.com/{name}/{item.item_id}"
            text = f"Homework help thread\n\nCan anyone solve this one?\n\n{item.question}\n\nThanks in advance!"
            pages.append({"url": url, "text": text, "educational": True})
            planted[url] = (name, item.item_id)
    return pages, planted


def choose_recalled(labels: list[dict], planted: dict) -> set[str]:
    """A few schema.org pages, a few pages the LLM must read (one with prompt injection), and
    the planted pages."""
    chosen: set[str] = set(planted)
    per_kind = {
        "faq_jsonld": 1,
        "qa_jsonld": 2,
        "qa_microdata": 1,
        "exam_math": 1,
        "forum_thread": 1,
    }
    for label in labels:
        if per_kind.get(label["kind"], 0) > 0 and not label["prompt_injection"]:
            per_kind[label["kind"]] -= 1
            chosen.add(label["url"])
    injected = [l["url"] for l in labels if l["prompt_injection"] and l["language"] == "en"][:1]
    return chosen | set(injected)


def write_recalled_documents(warehouse: Warehouse, mirror: Path, recalled: set[str]) -> int:
    rows = []
    for file_index, wet_file in enumerate(sorted({l["wet_file"] for l in read_labels(mirror)})):
        with open(mirror / wet_file, "rb") as stream:
            for record in ArchiveIterator(stream, record_types=WarcRecordType.conversion):
                url = record.headers.get("WARC-Target-URI")
                text = record.reader.read().decode("utf-8", errors="replace")
                row = document_row(
                    dump=DUMP,
                    url=url,
                    text=text,
                    wet_file=wet_file,
                    wet_record_id=record.record_id,
                    wet_offset=record.stream_pos,
                    warc_file=wet_file.replace("/wet/", "/warc/").removesuffix(".wet.gz") + ".gz",
                    warc_record_id=record.headers.get("WARC-Refers-To"),
                    language_header=record.headers.get("WARC-Identified-Content-Language"),
                    warc_date=record.headers.get("WARC-Date"),
                )
                kept = url in recalled
                if not kept:  # round 2 keeps no text or provenance for what it drops
                    row = {k: (v if k in ("dump", "doc_id", "length_chars") else None) for k, v in row.items()}
                rows.append(
                    {
                        **row,
                        "shard": SHARD.shard,
                        "shard_key": SHARD.key,
                        "file_index": file_index,
                        "score": 0.9 if kept else 0.1,
                        "decision": "kept" if kept else "below_threshold",
                        "decision_detail": "" if kept else "score 0.1 < 0.5",
                        "threshold": 0.5,
                        "classifier_sha256": "test",
                    }
                )
    frame = pl.DataFrame(rows).cast({k: v for k, v in RECALLED_SCHEMA.items() if k != "score"})
    swap_shard(warehouse, SHARD, [TableSwap("recalled_documents", frame, "recalled_documents_create")])
    return frame.height


@pytest.fixture(scope="session")
def planted_mirror(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> RecalledDump:
    pages, planted = planted_pages(shared_data / "benchmarks")
    mirror = tmp_path_factory.mktemp("planted-mirror")
    build_sample_mirror(mirror, extra_pages=pages)
    labels = read_labels(mirror)
    return RecalledDump(mirror, labels, planted, choose_recalled(labels, planted))
