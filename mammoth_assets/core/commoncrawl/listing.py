"""A dump's file listing (`<kind>.paths.gz`), the sample of files a run reads, the local cache of
downloaded files, and dump discovery from the index's collinfo.json."""

from __future__ import annotations

import gzip
import os
import random
import zlib
import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from mammoth_assets import paths
from mammoth_assets.core import documents, safe_paths
from mammoth_assets.core.commoncrawl.http import DownloadResult, RetryPolicy, download, fetch_bytes
from mammoth_assets.core.commoncrawl.locations import (
    DEFAULT_BASE_URL,
    DEFAULT_COLLINFO_URL,
    CommonCrawlError,
    CorruptArchiveError,
    NotFoundError,
    is_remote,
    local_path,
    normalize_base_url,
    paths_file,
    resolve,
)

log = logging.getLogger(__name__)

def list_files(
    dump: str,
    kind: str = "wet",
    base_url: str = DEFAULT_BASE_URL,
    policy: RetryPolicy = RetryPolicy(),
    client: httpx.Client | None = None,
) -> list[str]:
    """Relative paths of a dump's WET or WARC files, in `<kind>.paths.gz` order. A listing with any
    line that is not a safe relative path (`..`, absolute, odd characters) is refused whole: such a
    mirror is broken or hostile, and its names would become download and cache paths."""
    raw = fetch_bytes(resolve(base_url, paths_file(dump, kind)), policy, client)
    try:
        text = gzip.decompress(raw).decode("utf-8")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
        raise CorruptArchiveError(f"{paths_file(dump, kind)}: {error}") from error
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    refused = []
    for number, line in lines:
        try:
            safe_paths.relative_file(line, f"{kind}.paths.gz line {number}")
        except safe_paths.UnsafeNameError as error:
            refused.append(str(error))
    if refused:
        shown = "; ".join(refused[:3]) + (f"; and {len(refused) - 3} more" if len(refused) > 3 else "")
        raise CommonCrawlError(f"{paths_file(dump, kind)} under {base_url} lists unsafe paths: {shown}")
    return [line for _, line in lines]


def select_files(listed: list[str], sample_files: int, seed: int, dump: str) -> list[int]:
    """Indices of the files to read: all, or a seeded random sample kept in listing order."""
    if not sample_files or sample_files >= len(listed):
        return list(range(len(listed)))
    return sorted(random.Random(f"{dump}:{seed}").sample(range(len(listed)), sample_files))


@dataclass
class FilePlan:
    """The files of a dump to read: one row per chosen WET file with its WARC file and URL."""

    listed: int
    rows: list[dict]
    warc_listing_error: str | None = None


def plan_wet_files(
    dump: str, base_url: str, sample_files: int = 0, seed: int = 0, policy: RetryPolicy = RetryPolicy()
) -> FilePlan:
    """List the dump's WET files and pick all or a seeded sample. Each WARC name is derived from the
    WET name (same segment) and confirmed against warc.paths.gz when the mirror has one (None when
    it is not listed there)."""
    listed = list_files(dump, "wet", base_url, policy)
    try:
        warc_listed: set[str] | None = set(list_files(dump, "warc", base_url, policy))
        warc_error = None
    except CommonCrawlError as error:
        warc_listed, warc_error = None, str(error)
    rows = []
    for index in select_files(listed, sample_files, seed, dump):
        warc = documents.warc_path_for_wet(listed[index])
        rows.append({
            "dump": dump,
            "file_index": index,
            "wet_file": listed[index],
            "warc_file": warc if warc_listed is None or warc in warc_listed else None,
            "base_url": normalize_base_url(base_url),
            "url": resolve(base_url, listed[index]),
        })
    return FilePlan(len(listed), rows, warc_error)


def cache_dir() -> Path:
    path = paths.data_dir() / "cache" / "commoncrawl"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cached_path(base_url: str, relative: str, root: Path | None = None) -> Path:
    """Where the download cache keeps `relative` from `base_url`: always inside the cache root."""
    parts = urlsplit(normalize_base_url(base_url))
    # hostname, not netloc: a URL's user:password must never become a directory name.
    host = (parts.hostname or "local") + (f":{parts.port}" if parts.port else "")
    try:
        safe_paths.relative_file(relative, "file path")
        return safe_paths.path_under(root or cache_dir(), host, relative)
    except (safe_paths.UnsafeNameError, safe_paths.UnsafePathError) as error:
        raise CommonCrawlError(str(error)) from error


def fetch_file(
    base_url: str,
    relative: str,
    policy: RetryPolicy = RetryPolicy(),
    client: httpx.Client | None = None,
    root: Path | None = None,
) -> DownloadResult:
    """A local path for one file of a dump: the mirror's own file for local mirrors, otherwise a
    verified copy in the download cache (downloaded once)."""
    try:
        safe_paths.relative_file(relative, "file path")
    except safe_paths.UnsafeNameError as error:
        raise CommonCrawlError(str(error)) from error
    url = resolve(base_url, relative)
    if not is_remote(url):
        path = local_path(url)
        if not path.exists():
            raise NotFoundError(f"{path} does not exist")
        return DownloadResult(path, path.stat().st_size, 0, 0, from_cache=True)
    target = cached_path(base_url, relative, root)
    if target.exists():
        return DownloadResult(target, target.stat().st_size, 0, 0, from_cache=True)
    return download(url, target, policy, client)


# -- dump discovery (collinfo.json) -----------------------------------------------------------
def parse_collinfo(raw: bytes) -> list[str]:
    """Dump ids from Common Crawl's collection list (a JSON array of {"id": ..., ...})."""
    import json

    try:
        entries = json.loads(raw)
    except ValueError as error:
        raise CommonCrawlError(f"collinfo is not JSON: {error}") from error
    if not isinstance(entries, list):
        raise CommonCrawlError("collinfo must be a JSON array of collections")
    ids = [entry.get("id") for entry in entries if isinstance(entry, dict)]
    return [i for i in ids if isinstance(i, str) and i]


@dataclass(frozen=True)
class DumpDiscovery:
    """Which dumps of a collection list become `cc_dump` partitions.

    `pattern` keeps only crawl dumps (not e.g. news or index-only collections); `since` skips
    dumps older than that id (CC-MAIN-YYYY-WW ids sort by time), so turning the sensor on does
    not start a run for every dump since 2008."""

    collinfo_url: str = DEFAULT_COLLINFO_URL
    pattern: str = r"^CC-MAIN-(\d{4}-\d{2}|SAMPLE)$"
    since: str = ""

    ENV_URL = "MAMMOTH_COLLINFO_URL"
    ENV_PATTERN = "MAMMOTH_CC_DUMP_PATTERN"
    ENV_SINCE = "MAMMOTH_CC_DUMP_SINCE"

    @classmethod
    def from_env(cls) -> "DumpDiscovery":
        return cls(
            collinfo_url=os.environ.get(cls.ENV_URL) or DEFAULT_COLLINFO_URL,
            pattern=os.environ.get(cls.ENV_PATTERN) or cls.pattern,
            since=os.environ.get(cls.ENV_SINCE, ""),
        )

    def matches(self, dump: str) -> bool:
        """A dump id (whatever the configured pattern admits, see `safe_paths.dump_id`) that matches
        the pattern and is not older than `since`."""
        import re

        return (safe_paths.is_dump_id(dump) and bool(re.search(self.pattern, dump))
                and (not self.since or dump >= self.since))

    def list_dumps(self, policy: RetryPolicy = RetryPolicy(attempts=3)) -> list[str]:
        """Matching dump ids, oldest first. Ids that are not dump ids are ignored with a warning."""
        listed = parse_collinfo(fetch_bytes(self.collinfo_url, policy))
        refused = [d for d in listed if not safe_paths.is_dump_id(d)]
        if refused:
            log.warning("ignoring %d collection ids that are not Common Crawl dump ids: %s",
                        len(refused), ", ".join(repr(d)[:80] for d in refused[:5]))
        return sorted(d for d in listed if self.matches(d))
