"""Common Crawl access: listing, HTTP download with retries/resume/verification, record streaming."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from mammoth_assets.core import commoncrawl as cc
from mammoth_assets.core.sample_dump import DUMP, read_labels
from tests.core.http_mirror import Faults, serve

FAST = cc.RetryPolicy(attempts=4, backoff_s=0.01, max_backoff_s=0.05, timeout_s=10)


# -- listing ------------------------------------------------------------------------------------
def test_list_files_from_path_file_url_and_http(sample_mirror: Path) -> None:
    from_path = cc.list_files(DUMP, "wet", str(sample_mirror))
    assert from_path and all(p.endswith(".warc.wet.gz") for p in from_path)
    assert cc.list_files(DUMP, "wet", sample_mirror.as_uri()) == from_path
    with serve(sample_mirror) as (base_url, _):
        assert cc.list_files(DUMP, "wet", base_url, FAST) == from_path
        warc = cc.list_files(DUMP, "warc", base_url, FAST)
    assert [p.replace("/warc/", "/wet/").replace(".warc.gz", ".warc.wet.gz") for p in warc] == from_path


def test_list_files_errors_are_clear(sample_mirror: Path, tmp_path: Path) -> None:
    with pytest.raises(cc.NotFoundError):
        cc.list_files("CC-MAIN-1999-01", "wet", str(sample_mirror))
    with pytest.raises(cc.CommonCrawlError, match="file kind"):
        cc.list_files(DUMP, "wat", str(sample_mirror))
    bad = tmp_path / "crawl-data" / "CC-MAIN-BAD" / "wet.paths.gz"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"not gzip")
    with pytest.raises(cc.CorruptArchiveError):
        cc.list_files("CC-MAIN-BAD", "wet", str(tmp_path))
    with serve(sample_mirror) as (base_url, _):
        with pytest.raises(cc.NotFoundError):
            cc.list_files("CC-MAIN-1999-01", "wet", base_url, FAST)


def test_normalize_base_url() -> None:
    assert cc.normalize_base_url("https://data.commoncrawl.org") == "https://data.commoncrawl.org/"
    assert cc.normalize_base_url("/srv/mirror").startswith("file:///") and cc.normalize_base_url("/srv/mirror").endswith("/")
    assert cc.resolve("file:///srv/m/", "/crawl-data/x") == "file:///srv/m/crawl-data/x"


# -- downloading --------------------------------------------------------------------------------
def _first_wet(mirror: Path) -> str:
    return cc.list_files(DUMP, "wet", str(mirror))[0]


def test_http_download_is_cached_and_identical(sample_mirror: Path, tmp_path: Path) -> None:
    rel = _first_wet(sample_mirror)
    with serve(sample_mirror) as (base_url, faults):
        first = cc.fetch_file(base_url, rel, FAST, root=tmp_path / "cache")
        second = cc.fetch_file(base_url, rel, FAST, root=tmp_path / "cache")
    assert first.path.read_bytes() == (sample_mirror / rel).read_bytes()
    assert not first.from_cache and second.from_cache and second.path == first.path
    assert [p for p, _ in faults.requests] == [rel]  # the second call never touched the network


def test_download_resumes_after_dropped_connections(sample_mirror: Path, tmp_path: Path) -> None:
    rel = _first_wet(sample_mirror)
    with serve(sample_mirror, Faults(drop_first=2, drop_fraction=0.3)) as (base_url, faults):
        result = cc.fetch_file(base_url, rel, FAST, root=tmp_path / "cache")
    assert result.path.read_bytes() == (sample_mirror / rel).read_bytes()
    assert result.resumed >= 2 and result.attempts == 3
    ranges = [r for _, r in faults.requests]
    assert ranges[0] is None and all(r and r.startswith("bytes=") and r != "bytes=0-" for r in ranges[1:])
    assert not list((tmp_path / "cache").rglob("*.part"))


def test_download_restarts_when_server_ignores_range(sample_mirror: Path, tmp_path: Path) -> None:
    rel = _first_wet(sample_mirror)
    with serve(sample_mirror, Faults(drop_first=1, ignore_range=True)) as (base_url, _):
        result = cc.fetch_file(base_url, rel, FAST, root=tmp_path / "cache")
    assert result.path.read_bytes() == (sample_mirror / rel).read_bytes()


def test_download_retries_transient_errors(sample_mirror: Path, tmp_path: Path) -> None:
    rel = _first_wet(sample_mirror)
    with serve(sample_mirror, Faults(unavailable_first=2)) as (base_url, faults):
        result = cc.fetch_file(base_url, rel, FAST, root=tmp_path / "cache")
    assert result.attempts == 3 and len(faults.requests) == 3
    assert result.path.read_bytes() == (sample_mirror / rel).read_bytes()


def test_download_rejects_a_file_that_does_not_decode(sample_mirror: Path, tmp_path: Path) -> None:
    rel = _first_wet(sample_mirror)
    size = (sample_mirror / rel).stat().st_size
    with serve(sample_mirror, Faults(truncate_to={rel: size // 2})) as (base_url, faults):
        with pytest.raises(cc.CommonCrawlError, match="failed after 4 attempts"):
            cc.fetch_file(base_url, rel, FAST, root=tmp_path / "cache")
    assert len(faults.requests) == 4
    assert not cc.cached_path(base_url, rel, tmp_path / "cache").exists()


def test_download_404_fails_at_once(sample_mirror: Path, tmp_path: Path) -> None:
    with serve(sample_mirror) as (base_url, faults):
        with pytest.raises(cc.NotFoundError):
            cc.fetch_file(base_url, "crawl-data/nope.warc.wet.gz", FAST, root=tmp_path / "cache")
    assert len(faults.requests) == 1


def test_local_mirror_files_are_used_in_place(sample_mirror: Path) -> None:
    rel = _first_wet(sample_mirror)
    result = cc.fetch_file(sample_mirror.as_uri(), rel)
    assert result.path == sample_mirror / rel and result.attempts == 0


def test_verify_gzip(sample_mirror: Path, tmp_path: Path) -> None:
    rel = _first_wet(sample_mirror)
    assert cc.verify_gzip(sample_mirror / rel) > (sample_mirror / rel).stat().st_size
    cut = tmp_path / "cut.warc.wet.gz"
    cut.write_bytes((sample_mirror / rel).read_bytes()[:-100])
    with pytest.raises(cc.CorruptArchiveError):
        cc.verify_gzip(cut)


# -- record streaming ---------------------------------------------------------------------------
def test_sample_records_reconcile_with_labels(sample_mirror: Path) -> None:
    labels = {row["url"]: row for row in read_labels(sample_mirror)}
    stats = cc.ReadStats()
    results = [
        record
        for rel in cc.list_files(DUMP, "wet", str(sample_mirror))
        for record in cc.iter_text_records(sample_mirror / rel, stats=stats)
    ]
    assert stats.records == len(results) == len(labels)
    assert stats.records == stats.documents + sum(stats.skipped.values())
    assert stats.skipped == {cc.EMPTY: 1, cc.NON_UTF8: 1, cc.TOO_LARGE: 1}
    by_reason = {r.reason: r for r in results if isinstance(r, cc.SkippedRecord)}
    assert all(r.record_id and r.offset is not None for r in by_reason.values())
    documents = [r for r in results if isinstance(r, cc.TextRecord)]
    assert {labels[d.url]["kind"] for d in documents}.isdisjoint({"edge_empty", "edge_non_utf8_wet", "edge_huge"})
    assert all(d.refers_to and d.language and d.date for d in documents)


def test_offsets_point_at_the_record(sample_mirror: Path) -> None:
    """`offset` is where the record's gzip member starts: reading from there yields that record."""
    rel = _first_wet(sample_mirror)
    records = [r for r in cc.iter_text_records(sample_mirror / rel) if isinstance(r, cc.TextRecord)]
    pick = records[len(records) // 2]
    with open(sample_mirror / rel, "rb") as stream:
        stream.seek(pick.offset)
        again = next(r for r in cc.iter_text_records(stream) if isinstance(r, cc.TextRecord))
    assert again.record_id == pick.record_id and again.text == pick.text


def test_huge_records_pass_with_a_higher_limit(sample_mirror: Path) -> None:
    huge = next(row for row in read_labels(sample_mirror) if row["kind"] == "edge_huge")
    results = list(cc.iter_text_records(sample_mirror / huge["wet_file"], max_record_bytes=4 << 20))
    assert any(isinstance(r, cc.TextRecord) and r.url == huge["url"] for r in results)


def test_truncated_wet_file_keeps_earlier_records(sample_mirror: Path, tmp_path: Path) -> None:
    rel = _first_wet(sample_mirror)
    data = (sample_mirror / rel).read_bytes()
    cut = tmp_path / "cut.warc.wet.gz"
    cut.write_bytes(data[: len(data) // 2])
    stats = cc.ReadStats()
    results = list(cc.iter_text_records(cut, stats=stats))
    assert stats.documents > 10
    assert set(stats.skipped) & {cc.CORRUPT, cc.TRUNCATED}
    assert stats.records == stats.documents + sum(stats.skipped.values()) == len(results)


def test_garbage_and_missing_files_do_not_crash(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.warc.gz"
    garbage.write_bytes(gzip.compress(b"this is not a WARC file\r\n" * 50))
    stats = cc.ReadStats()
    assert [r.reason for r in cc.iter_text_records(garbage, stats=stats)] == [cc.CORRUPT]
    missing = list(cc.iter_text_records(tmp_path / "missing.warc.wet.gz"))
    assert [r.reason for r in missing] == [cc.UNREADABLE]


# -- real Common Crawl and WARC-tool files from ../shared/data/web ------------------------------
REAL_FILES = {
    # file -> (kind, expected documents, expected skipped reasons)
    "commoncrawl__whirlwind-python/whirlwind.warc.wet.gz": ("wet", 1, {}),
    "commoncrawl__whirlwind-python/whirlwind.warc.gz": ("warc", 1, {}),
    "chatnoir-eu__chatnoir-resiliparse/tests/data/warcfile.warc.gz": ("warc", 16, {}),
    "chatnoir-eu__chatnoir-resiliparse/tests/data/clipped.warc.gz": ("warc", 0, {cc.TRUNCATED: 1}),
    "chatnoir-eu__chatnoir-resiliparse/tests/data/block-sized-records.warc.gz": ("warc", 0, {cc.UNKNOWN_TYPE: 3}),
    "commoncrawl__ia-web-commons/src/test/resources/org/archive/format/gzip/IAH-urls-wget.warc.gz": (
        "warc", 9, {cc.NOT_HTML: 5, cc.EMPTY: 2}),
    "webrecorder__warcio/test/data/example-trunc.warc": ("warc", 1, {cc.CORRUPT: 1}),
    "webrecorder__warcio/test/data/example.arc.gz": ("warc", 0, {cc.CORRUPT: 1}),
    "facebookresearch__cc_net/tests/data/sample.warc.txt": ("wet", 0, {cc.UNKNOWN_TYPE: 1}),
    "iipc__jwarc/test-resources/org/netpreserve/jwarc/cc.warc.gz": ("warc", 1, {}),
}


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_files_are_read_with_skips_counted(shared_data: Path, name: str) -> None:
    kind, documents, skipped = REAL_FILES[name]
    path = shared_data / "web" / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    stats = cc.ReadStats()
    results = list(cc.iter_text_records(path, kind, stats=stats))
    assert stats.documents == documents
    assert stats.skipped == skipped
    assert stats.records == len(results) == stats.documents + sum(stats.skipped.values())


def test_real_wet_record_refers_to_its_warc_response(shared_data: Path) -> None:
    folder = shared_data / "web" / "commoncrawl__whirlwind-python"
    if not folder.exists():
        pytest.skip("whirlwind files not present")
    [wet] = list(cc.iter_text_records(folder / "whirlwind.warc.wet.gz", "wet"))
    [warc] = list(cc.iter_text_records(folder / "whirlwind.warc.gz", "warc"))
    assert wet.refers_to == warc.record_id and wet.url == warc.url
    assert wet.language == "spa" and "Escopete" in wet.text and "Escopete" in warc.text


def test_lf_only_wet_reads_in_quirks_mode(shared_data: Path) -> None:
    path = shared_data / "web" / "facebookresearch__cc_net/tests/data/sample.warc.txt"
    if not path.exists():
        pytest.skip(f"{path} not present")
    documents = [r for r in cc.iter_text_records(path, "wet", quirks_mode=True) if isinstance(r, cc.TextRecord)]
    assert {d.url for d in documents} >= {"http://sample_russian.ru"}


def test_retry_after_is_honoured(sample_mirror: Path, tmp_path: Path) -> None:
    import time

    rel = _first_wet(sample_mirror)
    policy = cc.RetryPolicy(attempts=3, backoff_s=0.001, max_backoff_s=5, timeout_s=10)
    with serve(sample_mirror, Faults(unavailable_first=1, retry_after="0.6")) as (base_url, _):
        started = time.monotonic()
        result = cc.fetch_file(base_url, rel, policy, root=tmp_path / "cache")
    assert time.monotonic() - started >= 0.6 and result.attempts == 2


def test_client_errors_are_not_retried(sample_mirror: Path, tmp_path: Path) -> None:
    rel = _first_wet(sample_mirror)
    with serve(sample_mirror, Faults(forbidden={rel})) as (base_url, faults):
        with pytest.raises(cc.CommonCrawlError, match="HTTP 403"):
            cc.fetch_file(base_url, rel, FAST, root=tmp_path / "cache")
    assert len(faults.requests) == 1


def test_a_crashed_download_resumes_from_its_part_file(sample_mirror: Path, tmp_path: Path) -> None:
    rel = _first_wet(sample_mirror)
    data = (sample_mirror / rel).read_bytes()
    with serve(sample_mirror) as (base_url, faults):
        target = cc.cached_path(base_url, rel, tmp_path / "cache")
        target.parent.mkdir(parents=True)
        target.with_name(target.name + ".part").write_bytes(data[:1000])  # left by a killed process
        result = cc.fetch_file(base_url, rel, FAST, root=tmp_path / "cache")
    assert faults.requests == [(rel, "bytes=1000-")]
    assert result.resumed == 1 and result.path.read_bytes() == data


def test_concurrent_downloads_of_one_file_do_not_collide(sample_mirror: Path, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    rel = _first_wet(sample_mirror)
    with serve(sample_mirror, Faults(drop_first=1)) as (base_url, faults):
        with ThreadPoolExecutor(3) as pool:
            results = list(pool.map(lambda _: cc.fetch_file(base_url, rel, FAST, root=tmp_path / "cache"), range(3)))
    assert {r.path for r in results} == {results[0].path}
    assert results[0].path.read_bytes() == (sample_mirror / rel).read_bytes()
    assert sum(not r.from_cache for r in results) == 1  # one download, the others waited and reused it


def test_file_sample_is_seeded_and_ordered() -> None:
    listed = [f"f{i}" for i in range(100)]
    first = cc.select_files(listed, 5, 0, "CC-MAIN-2024-10")
    assert first == cc.select_files(listed, 5, 0, "CC-MAIN-2024-10") == sorted(first) and len(first) == 5
    assert first != cc.select_files(listed, 5, 1, "CC-MAIN-2024-10")
    assert cc.select_files(listed, 0, 0, "x") == list(range(100)) == cc.select_files(listed, 500, 0, "x")


def test_header_names_are_case_insensitive(tmp_path: Path) -> None:
    from mammoth_assets.core.sample_dump import warc_record

    path = tmp_path / "odd-case.warc.wet.gz"
    path.write_bytes(
        warc_record(
            [("WARC-Type", "conversion"), ("Warc-Target-Uri", "https://example.org/x"),
             ("WARC-Record-Id", "<urn:uuid:1>"), ("warc-refers-to", "<urn:uuid:2>"),
             ("WARC-IDENTIFIED-CONTENT-LANGUAGE", "deu"), ("Content-Type", "text/plain")],
            "Aufgabe 1\nLöse 2x = 4.".encode(),
        )
    )
    [record] = list(cc.iter_text_records(path))
    assert (record.url, record.record_id, record.refers_to, record.language) == (
        "https://example.org/x", "<urn:uuid:1>", "<urn:uuid:2>", "deu")


def test_plan_pairs_wet_with_warc_files(sample_mirror: Path, tmp_path: Path) -> None:
    plan = cc.plan_wet_files(DUMP, str(sample_mirror), sample_files=2, seed=0)
    assert plan.listed == 3 and len(plan.rows) == 2 and plan.warc_listing_error is None
    for row in plan.rows:
        assert (sample_mirror / row["warc_file"]).is_file() and row["url"] == cc.resolve(str(sample_mirror), row["wet_file"])
        assert row["base_url"] == cc.normalize_base_url(str(sample_mirror))
    # a mirror with no warc.paths.gz: WARC names are derived, and the plan says why
    only_wet = tmp_path / "m" / "crawl-data" / DUMP
    only_wet.mkdir(parents=True)
    (only_wet / "wet.paths.gz").write_bytes((sample_mirror / "crawl-data" / DUMP / "wet.paths.gz").read_bytes())
    derived = cc.plan_wet_files(DUMP, str(tmp_path / "m"))
    assert derived.warc_listing_error and [r["warc_file"] for r in derived.rows] == [
        r["warc_file"] for r in cc.plan_wet_files(DUMP, str(sample_mirror)).rows]
