"""Common Crawl access: where a dump's files are, one HTTP client with retries, the listing and
the download cache, and the text records inside the files.

- `locations.py`: base URLs, mirrors and paths; the package's errors;
- `http.py`: the HTTP client (retries, backoff, resume) also used by `core/page_text`'s fetch;
- `listing.py`: `<kind>.paths.gz` listings, the files a run reads, the download cache, collinfo;
- `records.py`: streaming text records, every skipped record with its reason.

Callers use the package as one namespace: `from mammoth_assets.core import commoncrawl as cc`.
"""

from mammoth_assets.core.commoncrawl.http import (
    USER_AGENT,
    DownloadResult,
    RetryPolicy,
    download,
    fetch_bytes,
    get,
    http_client,
    verify_gzip,
)
from mammoth_assets.core.commoncrawl.listing import (
    DumpDiscovery,
    FilePlan,
    cache_dir,
    cached_path,
    fetch_file,
    list_files,
    parse_collinfo,
    plan_wet_files,
    select_files,
)
from mammoth_assets.core.commoncrawl.locations import (
    DEFAULT_BASE_URL,
    DEFAULT_COLLINFO_URL,
    DEFAULT_MAX_RECORD_BYTES,
    FILE_KINDS,
    CommonCrawlError,
    CorruptArchiveError,
    NotFoundError,
    is_remote,
    local_path,
    normalize_base_url,
    paths_file,
    resolve,
)
from mammoth_assets.core.commoncrawl.records import (
    CORRUPT,
    EMPTY,
    MISSING_URI,
    NON_UTF8,
    NOT_HTML,
    TOO_LARGE,
    TRUNCATED,
    UNDECODABLE,
    UNKNOWN_TYPE,
    UNREADABLE,
    ReadStats,
    SkippedRecord,
    TextRecord,
    iter_text_records,
)

__all__ = [
    "CORRUPT", "DEFAULT_BASE_URL", "DEFAULT_COLLINFO_URL", "DEFAULT_MAX_RECORD_BYTES", "EMPTY",
    "FILE_KINDS", "MISSING_URI", "NON_UTF8", "NOT_HTML", "TOO_LARGE", "TRUNCATED", "UNDECODABLE",
    "UNKNOWN_TYPE", "UNREADABLE", "USER_AGENT", "CommonCrawlError", "CorruptArchiveError",
    "DownloadResult", "DumpDiscovery", "FilePlan", "NotFoundError", "ReadStats", "RetryPolicy",
    "SkippedRecord", "TextRecord", "cache_dir", "cached_path", "download", "fetch_bytes",
    "fetch_file", "get", "http_client", "is_remote", "iter_text_records", "list_files", "local_path",
    "normalize_base_url", "parse_collinfo", "paths_file", "plan_wet_files", "resolve",
    "select_files", "verify_gzip",
]
