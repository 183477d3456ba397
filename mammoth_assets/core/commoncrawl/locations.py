"""Where Common Crawl files are: a base URL (default https://data.commoncrawl.org/), a `file://`
mirror or a plain directory, each holding `crawl-data/<dump>/{wet,warc}.paths.gz` and the files
those list; and the errors every part of this package raises."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from mammoth_assets.core import safe_paths
from mammoth_assets.core.redaction import redact

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
