"""The one HTTP client of the project's web access (Common Crawl files, its CDX index, WARC byte
ranges for page text): httpx with the same User-Agent, ~/.netrc credentials and retry policy.

- `get`: one request, retried on dropped connections and 408/425/429/5xx with exponential backoff
  and jitter (honouring Retry-After) through tenacity; 404 is `NotFoundError`, other 4xx fail at
  once. Used for small files, index lookups and byte ranges.
- `download`: a whole file to disk, resuming after dropped connections with an HTTP Range request
  from the bytes already on disk; verified (the gzip stream decodes to its end: Common Crawl
  publishes no checksums), else fetched again from scratch. Its loop is our own: each attempt
  resumes from the partial file and may restart it, state a retry decorator does not carry.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import httpx
import tenacity

from mammoth_assets.core.commoncrawl.locations import (
    CommonCrawlError,
    CorruptArchiveError,
    NotFoundError,
    is_remote,
    local_path,
)

log = logging.getLogger(__name__)
USER_AGENT = "mammoth_assets (+https://github.com/; instruction-data research)"

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


def http_client(policy: RetryPolicy) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(policy.timeout_s), follow_redirects=True, headers={"User-Agent": USER_AGENT},
        auth=_netrc_auth(),
    )


def _netrc_auth() -> httpx.Auth | None:
    """Credentials for a private mirror come from ~/.netrc (or $NETRC), never from the URL: URLs
    are stored in the warehouse and shown in the UI."""
    path = Path(os.environ.get("NETRC") or Path.home() / ".netrc")
    return httpx.NetRCAuth(str(path)) if path.is_file() else None


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response):
        super().__init__(f"HTTP {response.status_code}")
        self.retry_after = _retry_after(response)


def _wait(policy: RetryPolicy) -> Callable[[tenacity.RetryCallState], float]:
    """The policy's backoff, or the server's Retry-After when it asks for longer (capped)."""

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        asked = getattr(error, "retry_after", None) or 0.0
        return max(policy.delay(state.attempt_number), min(asked, policy.max_backoff_s))

    return wait


def get(
    url: str,
    policy: RetryPolicy = RetryPolicy(),
    client: httpx.Client | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
) -> httpx.Response:
    """One GET with retries: dropped connections and 408/425/429/5xx are retried with backoff
    (and Retry-After); 404 raises `NotFoundError`, other client errors `CommonCrawlError` at once."""
    own = client is None
    client = client or http_client(policy)

    def attempt() -> httpx.Response:
        response = client.get(url, headers=dict(headers or {}), params=params)
        if response.status_code == 404:
            raise NotFoundError(f"{url}: 404 Not Found")
        if response.status_code in _RETRYABLE_STATUS:
            raise _RetryableStatus(response)
        if response.status_code >= 400:
            raise CommonCrawlError(f"{url}: HTTP {response.status_code}")
        return response

    try:
        return tenacity.Retrying(
            stop=tenacity.stop_after_attempt(policy.attempts),
            wait=_wait(policy),
            retry=tenacity.retry_if_exception_type((_RetryableStatus, *_TRANSIENT)),
            reraise=True,
        )(attempt)
    except (_RetryableStatus, *_TRANSIENT) as error:
        raise CommonCrawlError(f"{url}: failed after {policy.attempts} attempts: {error}") from error
    finally:
        if own:
            client.close()


def fetch_bytes(url: str, policy: RetryPolicy = RetryPolicy(), client: httpx.Client | None = None) -> bytes:
    """A small file (paths listing, collinfo.json) from HTTP(S), `file://` or a plain path."""
    if not is_remote(url):
        path = local_path(url)
        if not path.exists():
            raise NotFoundError(f"{path} does not exist")
        return path.read_bytes()
    return get(url, policy, client).content


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
        client = client or http_client(policy)
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
