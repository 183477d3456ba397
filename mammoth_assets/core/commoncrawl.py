"""Common Crawl access: list a dump's files, download them, stream their records."""

from __future__ import annotations

# Records whose payload is larger than this are skipped with reason `too_large` (CC itself
# truncates WARC payloads at 1 MiB).
DEFAULT_MAX_RECORD_BYTES = 1 << 20
