"""Common Crawl access: list a dump's files, download them robustly, stream their text records.

Locations: a base URL (default https://data.commoncrawl.org/), a `file://` mirror, or a plain
directory path, each holding `crawl-data/<dump>/{wet,warc}.paths.gz` and the files those list.

Downloads go through httpx with retries and exponential backoff; a dropped connection resumes
with an HTTP Range request from the bytes already on disk. Common Crawl publishes no checksums
for WET/WARC files, so integrity means: the gzip stream decodes to its end. A file that does not
is downloaded again from scratch.

Records stream with FastWARC's `ArchiveIterator`. Nothing a file holds crashes the reader:
truncated or corrupt archives, non-UTF-8 text, empty and huge records each become a
`SkippedRecord` with a reason, so callers can show `records seen = documents + skipped`.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import logging
import os
import random
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterator
from urllib.parse import unquote, urljoin, urlsplit

import httpx
from fastwarc.warc import ArchiveIterator, WarcRecordType

from mammoth_assets import paths
from mammoth_assets.core import documents, safe_paths
from mammoth_assets.core.redaction import redact

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://data.commoncrawl.org/"
DEFAULT_COLLINFO_URL = "https://index.commoncrawl.org/collinfo.json"
# Records whose text is larger than this are skipped with reason `too_large` (Common Crawl
# itself truncates WARC payloads at 1 MiB).
DEFAULT_MAX_RECORD_BYTES = 1 << 20
USER_AGENT = "mammoth_assets (+https://github.com/; instruction-data research)"
FILE_KINDS = ("wet", "warc")


class CommonCrawlError(RuntimeError):
    """Its message is redacted (URL credentials, tokens): it ends up in tables, metadata and logs."""

    def __init__(self, message: object = "", *args: object) -> None:
        super().__init__(redact(str(message)), *args)


class NotFoundError(CommonCrawlError):
    pass


class CorruptArchiveError(CommonCrawlError):
    pass


# -- locations ----------------------------------------------------------------------------------
def normalize_base_url(base: str | Path) -> str:
    """`https://...`, `file://...` or a plain directory path, as a URL ending with `/`."""
    text = str(base)
    if not text:
        raise CommonCrawlError("empty base URL")
    if "://" not in text:
        text = Path(text).expanduser().resolve().as_uri()
    return text if text.endswith("/") else text + "/"


def resolve(base_url: str, relative: str) -> str:
    return urljoin(normalize_base_url(base_url), relative.lstrip("/"))


def is_remote(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def local_path(url: str) -> Path:
    """The filesystem path of a `file://` URL or a plain path."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if parts.scheme:
        raise CommonCrawlError(f"not a local location: {url}")
    return Path(url)


def paths_file(dump: str, kind: str = "wet") -> str:
    if kind not in FILE_KINDS:
        raise CommonCrawlError(f"file kind must be one of {FILE_KINDS}, not {kind!r}")
    try:
        safe_paths.dump_id(dump)
    except safe_paths.UnsafeNameError as error:
        raise CommonCrawlError(str(error)) from error
    return f"crawl-data/{dump}/{kind}.paths.gz"


# -- HTTP with retries and resume -------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    timeout_s: float = 60.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with jitter before retry number `attempt` (1-based)."""
        return min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)


_RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}
_TRANSIENT = (httpx.TransportError,)


def _client(policy: RetryPolicy) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(policy.timeout_s), follow_redirects=True, headers={"User-Agent": USER_AGENT},
        auth=_netrc_auth(),
    )


def _netrc_auth() -> httpx.Auth | None:
    """Credentials for a private mirror come from ~/.netrc (or $NETRC), never from the URL: URLs
    are stored in the warehouse and shown in the UI."""
    path = Path(os.environ.get("NETRC") or Path.home() / ".netrc")
    return httpx.NetRCAuth(str(path)) if path.is_file() else None


def fetch_bytes(url: str, policy: RetryPolicy = RetryPolicy(), client: httpx.Client | None = None) -> bytes:
    """A small file (paths listing, collinfo.json) from HTTP(S), `file://` or a plain path."""
    if not is_remote(url):
        path = local_path(url)
        if not path.exists():
            raise NotFoundError(f"{path} does not exist")
        return path.read_bytes()
    own = client is None
    client = client or _client(policy)
    try:
        for attempt in range(1, policy.attempts + 1):
            try:
                response = client.get(url)
                if response.status_code == 404:
                    raise NotFoundError(f"{url}: 404 Not Found")
                if response.status_code in _RETRYABLE_STATUS:
                    raise httpx.HTTPStatusError(f"{response.status_code}", request=response.request, response=response)
                response.raise_for_status()
                return response.content
            except (httpx.HTTPStatusError, *_TRANSIENT) as error:
                if isinstance(error, httpx.HTTPStatusError) and error.response.status_code not in _RETRYABLE_STATUS:
                    raise CommonCrawlError(f"{url}: HTTP {error.response.status_code}") from error
                if attempt == policy.attempts:
                    raise CommonCrawlError(f"{url}: failed after {attempt} attempts: {error}") from error
                time.sleep(policy.delay(attempt))
    finally:
        if own:
            client.close()
    raise AssertionError("unreachable")


@dataclass
class DownloadResult:
    path: Path
    bytes: int
    attempts: int
    resumed: int  # how many times a partial download was continued with a Range request
    from_cache: bool = False


def download(
    url: str,
    dest: Path,
    policy: RetryPolicy = RetryPolicy(),
    client: httpx.Client | None = None,
    verify: Callable[[Path], object] | None = None,
) -> DownloadResult:
    """Download `url` to `dest`, resuming after dropped connections; verify, then move into place.

    Partial bytes live in `<dest>.part`, so a crashed process resumes where it stopped too. A lock
    file keeps two processes from writing the same `.part`. `verify` defaults to `verify_gzip` for
    `.gz` names; a file that fails it is fetched again from scratch. 404 and other client errors
    fail at once; 408/429/5xx and dropped connections are retried with backoff (and Retry-After)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if verify is None and dest.name.endswith(".gz"):
        verify = verify_gzip
    with _exclusive(dest.with_name(dest.name + ".lock")):
        if dest.exists():  # another process finished it while we waited for the lock
            return DownloadResult(dest, dest.stat().st_size, 0, 0, from_cache=True)
        own = client is None
        client = client or _client(policy)
        try:
            return _download_locked(url, dest, policy, client, verify)
        finally:
            if own:
                client.close()


def _download_locked(url: str, dest: Path, policy: RetryPolicy, client: httpx.Client, verify) -> DownloadResult:
    part = dest.with_name(dest.name + ".part")
    attempts = resumed = 0
    last_error: Exception | None = None
    while attempts < policy.attempts:
        attempts += 1
        have = part.stat().st_size if part.exists() else 0
        wait = policy.delay(attempts)
        try:
            complete, continued = _fetch_into(client, url, part, have)
            resumed += continued
            if not complete:
                raise _Incomplete(f"connection closed after {part.stat().st_size} bytes")
            if verify is not None:
                try:
                    verify(part)
                except CorruptArchiveError as error:
                    part.unlink(missing_ok=True)  # a bad full file: start over
                    raise _Incomplete(str(error)) from error
            os.replace(part, dest)
            return DownloadResult(dest, dest.stat().st_size, attempts, resumed)
        except _Retryable as error:
            last_error = error
            wait = max(wait, min(error.retry_after or 0.0, policy.max_backoff_s))
        except (_Incomplete, *_TRANSIENT) as error:
            last_error = error
        log.warning("download %s attempt %d failed: %s", url, attempts, last_error)
        if attempts < policy.attempts:
            time.sleep(wait)
    raise CommonCrawlError(f"{url}: failed after {attempts} attempts: {last_error}")


class _Incomplete(Exception):
    pass


class _Retryable(Exception):
    def __init__(self, status: int, retry_after: float | None):
        super().__init__(f"HTTP {status}" + (f" (Retry-After {retry_after:g}s)" if retry_after else ""))
        self.retry_after = retry_after


@contextlib.contextmanager
def _exclusive(lock_path: Path):
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.replace(".", "", 1).isdigit() else None


def _fetch_into(client: httpx.Client, url: str, part: Path, have: int) -> tuple[bool, bool]:
    """Stream the rest of `url` into `part`. Returns (complete, continued a partial file)."""
    headers = {"Range": f"bytes={have}-"} if have else {}
    with client.stream("GET", url, headers=headers) as response:
        if response.status_code == 404:
            raise NotFoundError(f"{url}: 404 Not Found")
        if response.status_code == 416 and have:
            return True, True  # we already hold every byte; verification decides
        if response.status_code in _RETRYABLE_STATUS:
            raise _Retryable(response.status_code, _retry_after(response))
        if response.status_code >= 400:
            raise CommonCrawlError(f"{url}: HTTP {response.status_code}")
        if response.status_code == 206:
            expected = _range_total(response.headers.get("Content-Range"))
            mode = "ab"
        else:  # 200: the server ignored the Range header, start again
            expected = int(response.headers["Content-Length"]) if "Content-Length" in response.headers else None
            mode = "wb"
        with open(part, mode) as out:
            try:
                # No chunk_size: httpx would buffer up to it and lose the partial tail on a drop.
                for chunk in response.iter_raw():
                    out.write(chunk)
            except _TRANSIENT:
                return False, mode == "ab"
        return expected is None or part.stat().st_size >= expected, mode == "ab"


def _range_total(content_range: str | None) -> int | None:
    # "bytes 100-199/1234" -> 1234
    if not content_range or "/" not in content_range:
        return None
    total = content_range.rsplit("/", 1)[1]
    return int(total) if total.isdigit() else None


def verify_gzip(path: Path) -> int:
    """Decode the whole (multi-member) gzip file; return its uncompressed size or raise
    CorruptArchiveError. This is the integrity check: CC publishes no checksums."""
    size = 0
    try:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(1 << 20):
                size += len(chunk)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as error:
        raise CorruptArchiveError(f"{Path(path).name}: {error}") from error
    return size


# -- listing and caching ----------------------------------------------------------------------
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


# -- record streaming -------------------------------------------------------------------------
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
