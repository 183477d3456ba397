"""Recall seeds: the seed-domain list and user seed files (JSONL or Parquet of texts or URLs).

Every seed-file record ends up either usable (a text or a URL) or rejected with a reason: nothing
is silently skipped, so `records read = usable + rejected`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import polars as pl

SEED_FILE_SCHEMA = {
    "seed_ref": pl.String,
    "text": pl.String,
    "url": pl.String,
    "status": pl.String,
    "reason": pl.String,
}


class SeedInputError(ValueError):
    """The seed configuration cannot be used at all (missing file, unknown format)."""


@lru_cache(maxsize=1)
def _domain_extractor():
    import tldextract

    # The bundled public-suffix snapshot: no network at run time.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registered_domain(value: str) -> str:
    """`https://www.math.example.co.uk/x` or `www.Example.org` -> registered domain, lowercased.
    Returns '' when there is none (an IP address, a bare suffix, garbage)."""
    value = value.strip().lower()
    if not value:
        return ""
    host = urlsplit(value).hostname if "://" in value else value.split("/")[0]
    if not host:
        return ""
    parts = _domain_extractor()(host)
    domain = getattr(parts, "top_domain_under_public_suffix", None) or parts.registered_domain
    return domain or ""


def read_seed_domains(path: str | Path) -> list[str]:
    """One domain (or URL) per line; blank lines and `#` comments ignored; sorted and unique."""
    path = Path(path)
    if not path.exists():
        raise SeedInputError(f"seed-domain file not found: {path}")
    domains = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            domain = registered_domain(line)
            if domain:
                domains.add(domain)
    return sorted(domains)


def normalize_domains(values: list[str]) -> list[str]:
    return sorted({d for d in (registered_domain(v) for v in values) if d})


@dataclass(frozen=True)
class _Record:
    seed_ref: str
    text: str | None
    url: str | None
    status: str
    reason: str | None


def _classify(seed_ref: str, record: object) -> _Record:
    if not isinstance(record, dict):
        return _Record(seed_ref, None, None, "rejected", "not_an_object")
    text, url = record.get("text"), record.get("url")
    text = text.strip() if isinstance(text, str) else None
    url = url.strip() if isinstance(url, str) else None
    if text:
        return _Record(seed_ref, text, url or None, "usable", None)
    if url:
        if not urlsplit(url).scheme or not urlsplit(url).hostname:
            return _Record(seed_ref, None, url, "rejected", "invalid_url")
        return _Record(seed_ref, None, url, "usable", None)
    return _Record(seed_ref, None, None, "rejected", "no_text_or_url")


def _jsonl_records(path: Path):
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            ref = f"{path.name}:{number}"
            if not line.strip():
                continue
            try:
                yield ref, json.loads(line)
            except json.JSONDecodeError as error:
                yield ref, _Record(ref, None, None, "rejected", f"malformed_json: {error.msg}")


def _parquet_records(path: Path):
    frame = pl.read_parquet(path)
    if "text" not in frame.columns and "url" not in frame.columns:
        raise SeedInputError(f"seed Parquet file {path} has neither a 'text' nor a 'url' column")
    columns = [c for c in ("text", "url") if c in frame.columns]
    for number, row in enumerate(frame.select(columns).iter_rows(named=True), start=1):
        yield f"{path.name}:{number}", row


def read_seed_file(path: str | Path) -> pl.DataFrame:
    """Records of a seed file as a frame (`SEED_FILE_SCHEMA`): each usable (text and/or url) or
    rejected with a reason. JSONL objects (`.jsonl`, `.json`, optionally `.gz`) or Parquet."""
    path = Path(path)
    if not path.exists():
        raise SeedInputError(f"seed file not found: {path}")
    name = path.name.lower()
    if name.endswith(".parquet"):
        source = _parquet_records(path)
    elif name.endswith((".jsonl", ".json", ".ndjson")):
        source = _jsonl_records(path)
    else:
        raise SeedInputError(f"seed file {path} must be .jsonl/.json/.ndjson or .parquet")
    rows = []
    for ref, record in source:
        classified = record if isinstance(record, _Record) else _classify(ref, record)
        rows.append(classified.__dict__)
    return pl.DataFrame(rows, schema=SEED_FILE_SCHEMA)
