"""The one HTTP client (core/commoncrawl/http.py) on a real local server with injected faults,
and `core/page_text`'s WARC byte-range fetch going through it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mammoth_assets.core import commoncrawl as cc
from mammoth_assets.core.page_text import read_byte_range
from tests.core.http_mirror import Faults, serve

FAST = cc.RetryPolicy(attempts=4, backoff_s=0.01, max_backoff_s=0.05, timeout_s=10)


@pytest.fixture
def served(tmp_path: Path) -> Path:
    (tmp_path / "blob.bin").write_bytes(os.urandom(4096))
    return tmp_path


def test_get_retries_transient_statuses_then_answers(served: Path) -> None:
    with serve(served, Faults(unavailable_first=2, retry_after="0")) as (base, faults):
        body = cc.get(base + "blob.bin", FAST).content
    assert body == (served / "blob.bin").read_bytes()
    assert len(faults.requests) == 3  # two 503s, then the answer


def test_get_fails_fast_on_missing_and_forbidden(served: Path) -> None:
    with serve(served, Faults(forbidden={"blob.bin"})) as (base, faults):
        with pytest.raises(cc.NotFoundError):
            cc.get(base + "absent.bin", FAST)
        with pytest.raises(cc.CommonCrawlError, match="HTTP 403"):
            cc.get(base + "blob.bin", FAST)
    assert len(faults.requests) == 2  # no retries for client errors


def test_get_gives_up_after_the_policy_attempts(served: Path) -> None:
    with serve(served, Faults(unavailable_first=10)) as (base, faults):
        with pytest.raises(cc.CommonCrawlError, match="failed after 4 attempts"):
            cc.get(base + "blob.bin", FAST)
    assert len(faults.requests) == 4


def test_page_text_byte_ranges_share_the_retrying_client(served: Path) -> None:
    data = (served / "blob.bin").read_bytes()
    with serve(served, Faults(unavailable_first=1)) as (base, faults):
        fetched = read_byte_range(base + "blob.bin", 1000, 500, FAST)
    # the test server answers open-ended ranges: the requested bytes come first
    assert fetched[:500] == data[1000:1500]
    assert faults.requests[-1] == ("blob.bin", "bytes=1000-1499") and len(faults.requests) == 2
    assert read_byte_range(served / "blob.bin", 1000, 500) == data[1000:1500]
