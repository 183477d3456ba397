"""Shards: the unit of work of the per-document stages.

A dump's selected WET files, in `wet.paths.gz` order, are cut into consecutive shards of
`files_per_shard` files. The assignment is a pure function of the listing and the setting, so the
same dump always yields the same shards; a shard is named by its zero-padded index ("00042"), and
the Dagster partition of a shard is the pair (cc_dump, shard).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

SHARD_DIGITS = 5
DEFAULT_FILES_PER_SHARD = 64  # ~2.2M documents, a few CPU-minutes per round on one core


def shard_name(index: int) -> str:
    if index < 0 or index >= 10**SHARD_DIGITS:
        raise ValueError(f"shard index out of range: {index}")
    return f"{index:0{SHARD_DIGITS}d}"


def shard_index(name: str) -> int:
    if len(name) != SHARD_DIGITS or not name.isdigit():
        raise ValueError(f"not a shard name: {name!r} (expected {SHARD_DIGITS} digits)")
    return int(name)


def shard_names(count: int) -> list[str]:
    return [shard_name(i) for i in range(count)]


def assign_shards(selected_count: int, files_per_shard: int) -> list[str]:
    """The shard of each selected file, by its rank among the selected files."""
    if files_per_shard < 1:
        raise ValueError("files_per_shard must be at least 1")
    return [shard_name(rank // files_per_shard) for rank in range(selected_count)]


def shard_count(selected_count: int, files_per_shard: int) -> int:
    return -(-selected_count // files_per_shard) if selected_count else 0


def shard_key(dump: str, shard: str) -> str:
    """The value stored in every per-shard table's `shard_key` column (the swap unit): the
    Dagster multi-partition key's string form."""
    return f"{dump}|{shard}"


@dataclass(frozen=True)
class ShardFile:
    """One WET file of a shard, with where to read it and its WARC file."""

    file_index: int
    wet_file: str
    warc_file: str | None
    base_url: str


def files_of(rows: Sequence[dict]) -> list[ShardFile]:
    return [
        ShardFile(int(r["file_index"]), r["wet_file"], r.get("warc_file"), r["base_url"])
        for r in sorted(rows, key=lambda r: r["file_index"])
    ]
