"""Fetching a page's HTML from its WARC record.

- the sample mirror (and any local WARC): read the WARC file sequentially and keep only the
  wanted record ids (`fetch_html_sequential`);
- real Common Crawl dumps: the CC index gives each capture's `offset` and `length` in its WARC
  file, which is exactly one gzip member, so `fetch_html_range` reads just those bytes (an HTTP
  `Range: bytes=offset-(offset+length-1)` request against data.commoncrawl.org, through the one
  Common Crawl HTTP client with its retries, or a seek in a local copy) instead of the whole
  1 GB file.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fastwarc.warc import ArchiveIterator, WarcRecordType

from mammoth_assets.core.commoncrawl.http import RetryPolicy, get
from mammoth_assets.core.commoncrawl.locations import DEFAULT_BASE_URL, NotFoundError, is_remote

CC_DATA_URL = DEFAULT_BASE_URL  # WARC files live beside the WET files


@dataclass(frozen=True)
class HtmlRecord:
    record_id: str
    url: str
    html: str


# -- fetching ---------------------------------------------------------------------------------
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _decode(body: bytes, content_type: str | None) -> str:
    """Decode with the HTTP header's charset, else the page's <meta charset>, else UTF-8."""
    charset = None
    if content_type and "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
    meta = _META_CHARSET.search(body[:4096])
    declared = meta.group(1).decode("ascii", errors="ignore").lower() if meta else None
    for encoding in (charset, declared, "utf-8", "cp1252"):
        if not encoding:
            continue
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


def _records(stream) -> Iterator[HtmlRecord]:
    for record in ArchiveIterator(stream, record_types=WarcRecordType.response):
        body = record.reader.read()
        content_type = record.http_headers.get("Content-Type") if record.http_headers else None
        yield HtmlRecord(
            record_id=record.record_id,
            url=record.headers.get("WARC-Target-URI") or "",
            html=_decode(body, content_type),
        )


def fetch_html_sequential(
    warc_path: str | Path, record_ids: Iterable[str]
) -> dict[str, HtmlRecord]:
    """HTML of the wanted response records of one local WARC file, read front to back.

    Stops as soon as every wanted id has been seen. Ids not found are simply absent."""
    wanted = set(record_ids)
    found: dict[str, HtmlRecord] = {}
    if not wanted:
        return found
    with open(warc_path, "rb") as stream:
        for record in _records(stream):
            if record.record_id in wanted:
                found[record.record_id] = record
                if len(found) == len(wanted):
                    break
    return found


def read_byte_range(source: str | Path, offset: int, length: int,
                    policy: RetryPolicy = RetryPolicy()) -> bytes:
    """`length` bytes at `offset` of a local file or an HTTP(S) URL (one Range request, retried
    through the Common Crawl HTTP client)."""
    text = str(source)
    if is_remote(text):
        headers = {"Range": f"bytes={offset}-{offset + length - 1}"}
        return get(text, policy, headers=headers).content
    with open(text, "rb") as handle:
        handle.seek(offset)
        return handle.read(length)


def fetch_html_range(source: str | Path, offset: int, length: int) -> HtmlRecord | None:
    """The one response record stored at [offset, offset+length) of a WARC file (CC index
    coordinates). `source` is a local path or `CC_DATA_URL + warc_filename`."""
    data = read_byte_range(source, offset, length)
    for record in _records(io.BytesIO(data)):
        return record
    return None


def cc_index_lookup(
    dump: str,
    url: str,
    warc_file: str | None = None,
    index_server: str = "https://index.commoncrawl.org",
    policy: RetryPolicy = RetryPolicy(),
) -> tuple[str, int, int] | None:
    """(warc filename, offset, length) of a capture from the Common Crawl CDX index of `dump`,
    for documents whose table row lacks the WARC offsets. Prefers the capture in `warc_file`."""
    try:
        response = get(f"{index_server}/{dump}-index", policy, params={"url": url, "output": "json"})
    except NotFoundError:
        return None
    captures = [json.loads(line) for line in response.text.splitlines() if line.strip()]
    captures = [c for c in captures if c.get("status", "200") == "200"] or captures
    if warc_file:
        captures = [c for c in captures if c.get("filename") == warc_file] or captures
    if not captures:
        return None
    chosen = captures[-1]
    return chosen["filename"], int(chosen["offset"]), int(chosen["length"])
