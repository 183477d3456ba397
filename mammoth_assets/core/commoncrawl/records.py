"""Streaming a WET/WARC file's text records with FastWARC's `ArchiveIterator`. Nothing a file holds
crashes the reader: truncated or corrupt archives, non-UTF-8 text, empty and huge records each
become a `SkippedRecord` with a reason, so callers can show `records seen = documents + skipped`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

from fastwarc.warc import ArchiveIterator, WarcRecordType

from mammoth_assets.core import documents
from mammoth_assets.core.commoncrawl.locations import DEFAULT_MAX_RECORD_BYTES

@dataclass
class TextRecord:
    """One document's text out of a WET conversion (or a WARC response converted here)."""

    record_id: str
    url: str
    offset: int
    text: str
    size_bytes: int
    date: str | None = None
    language: str | None = None  # WARC-Identified-Content-Language as written
    refers_to: str | None = None  # the WARC response record the text came from


@dataclass
class SkippedRecord:
    record_id: str | None
    offset: int | None
    reason: str
    detail: str = ""


# Reasons a record is skipped.
EMPTY = "empty"
NON_UTF8 = "non_utf8"
TOO_LARGE = "too_large"
TRUNCATED = "truncated_record"
CORRUPT = "corrupt_archive"
UNREADABLE = "unreadable_file"
MISSING_URI = "missing_uri"
NOT_HTML = "not_html"
UNDECODABLE = "undecodable"
UNKNOWN_TYPE = "unknown_record_type"


@dataclass
class ReadStats:
    records: int = 0  # content records seen (conversions for WET, responses for WARC)
    documents: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    bytes_read: int = 0  # compressed bytes of the file

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def iter_text_records(
    source: str | Path | BinaryIO,
    kind: str = "wet",
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    quirks_mode: bool = False,
    stats: ReadStats | None = None,
) -> Iterator[TextRecord | SkippedRecord]:
    """Stream a WET file's conversion records (kind="wet") or a WARC file's HTML responses
    converted to text (kind="warc"). Every content record yields exactly one TextRecord or
    SkippedRecord; a broken archive yields one SkippedRecord for the rest of the file.

    Strict parsing is the default: FastWARC's quirks mode reads LF-only files but silently stops
    at garbage, which would hide a broken file."""
    stats = stats if stats is not None else ReadStats()
    wanted = WarcRecordType.conversion if kind == "wet" else WarcRecordType.response
    close = not hasattr(source, "read")
    try:
        stream = open(source, "rb") if close else source
    except OSError as error:
        stats.skip(UNREADABLE)
        yield SkippedRecord(None, None, UNREADABLE, str(error))
        return
    last_offset: int | None = None
    try:
        iterator = ArchiveIterator(
            stream,
            record_types=wanted | WarcRecordType.unknown,
            parse_http=kind == "warc",
            auto_decode="all" if kind == "warc" else "none",
            quirks_mode=quirks_mode,
        )
        for record in iterator:
            last_offset = record.stream_pos
            stats.records += 1
            result = _to_text(record, kind, max_record_bytes)
            if isinstance(result, SkippedRecord):
                stats.skip(result.reason)
            else:
                stats.documents += 1
            yield result
    except Exception as error:  # noqa: BLE001 - whatever FastWARC raises, the run goes on
        # A record that fails to parse (bad header, cut-off gzip member) ends the file.
        stats.records += 1
        stats.skip(CORRUPT)
        yield SkippedRecord(None, last_offset, CORRUPT, f"{type(error).__name__}: {error}")
    finally:
        try:
            stats.bytes_read += stream.tell()
        except (OSError, ValueError):
            pass
        if close:
            stream.close()


def _to_text(record, kind: str, max_record_bytes: int) -> TextRecord | SkippedRecord:
    # One lower-cased copy of the headers (WARC names are case-insensitive): each FastWARC
    # HeaderMap.get costs about as much as copying them all.
    headers = {name.lower(): value for name, value in record.headers.items()}
    record_id = headers.get("warc-record-id")
    offset = record.stream_pos
    if record.record_type == WarcRecordType.unknown:
        return SkippedRecord(record_id, offset, UNKNOWN_TYPE, f"unknown WARC-Type {headers.get('warc-type')!r}"[:200])
    url = headers.get("warc-target-uri")
    if record.content_length > max_record_bytes:
        return SkippedRecord(record_id, offset, TOO_LARGE, f"{record.content_length} > {max_record_bytes} bytes")
    payload = record.reader.read()
    if not url:
        return SkippedRecord(record_id, offset, MISSING_URI, "no WARC-Target-URI")
    if kind == "wet":
        if len(payload) < record.content_length:
            return SkippedRecord(record_id, offset, TRUNCATED, f"{len(payload)} of {record.content_length} bytes")
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as error:
            return SkippedRecord(record_id, offset, NON_UTF8, str(error)[:200])
        refers_to = headers.get("warc-refers-to")
    else:
        chunked = "chunked" in (record.http_headers.get("Transfer-Encoding") or "").lower()
        if not chunked and len(payload) < record.content_length and not record.http_headers.get("Content-Encoding"):
            return SkippedRecord(record_id, offset, TRUNCATED, f"{len(payload)} of {record.content_length} bytes")
        content_type = (record.http_content_type or "").lower()
        if content_type and "html" not in content_type:
            return SkippedRecord(record_id, offset, NOT_HTML, content_type[:100])
        html = _decode_html(payload, record.http_charset)
        if html is None:
            return SkippedRecord(record_id, offset, UNDECODABLE, f"charset {record.http_charset!r}")
        text = documents.html_to_text(html)
        refers_to = record_id
    if not text.strip():
        return SkippedRecord(record_id, offset, EMPTY, f"{len(payload)} bytes, no text")
    return TextRecord(
        record_id=record_id or "",
        url=url,
        offset=offset,
        text=text,
        size_bytes=len(payload),
        date=headers.get("warc-date"),
        language=headers.get("warc-identified-content-language"),
        refers_to=refers_to,
    )


def _decode_html(payload: bytes, charset: str | None) -> str | None:
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    if charset:
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return bytes_to_str(payload, detect_encoding(payload))
    except Exception:  # noqa: BLE001
        return None
