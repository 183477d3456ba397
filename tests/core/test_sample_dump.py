"""The bundled sample dump: layout, readability with two WARC libraries, ground truth, determinism."""

from __future__ import annotations

import collections
import gzip
import hashlib
import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
from fastwarc.warc import ArchiveIterator, WarcRecordType

from mammoth_assets.core import sample_dump
from mammoth_assets.core.sample_dump import (
    DUMP,
    build_sample_mirror,
    ensure_sample_mirror,
    html_to_wet_text,
    read_labels,
)

DUMP_DIR = Path("crawl-data") / DUMP


def _paths(mirror: Path, name: str) -> list[str]:
    return gzip.decompress((mirror / DUMP_DIR / name).read_bytes()).decode().split()


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _records(path: Path, types=WarcRecordType.any_type):
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream, record_types=types, parse_http=False):
            yield record.headers.get("WARC-Type"), dict(record.headers.items()), record.reader.read()


def test_layout_matches_common_crawl(sample_mirror: Path) -> None:
    wet, warc = _paths(sample_mirror, "wet.paths.gz"), _paths(sample_mirror, "warc.paths.gz")
    assert len(wet) == len(warc) >= 2
    for wet_path, warc_path in zip(wet, warc):
        assert re.fullmatch(rf"crawl-data/{DUMP}/segments/[0-9.]+/wet/[\w-]+\.warc\.wet\.gz", wet_path)
        assert re.fullmatch(rf"crawl-data/{DUMP}/segments/[0-9.]+/warc/[\w-]+\.warc\.gz", warc_path)
        assert (sample_mirror / wet_path).is_file() and (sample_mirror / warc_path).is_file()
    collinfo = json.loads((sample_mirror / "collinfo.json").read_text())
    assert [entry["id"] for entry in collinfo] == [DUMP]
    assert {"id", "name", "timegate", "cdx-api", "from", "to"} <= set(collinfo[0])


def test_wet_conversions_refer_to_warc_responses_and_hold_their_text(sample_mirror: Path) -> None:
    labels = {row["url"]: row for row in read_labels(sample_mirror)}
    for wet_path, warc_path in zip(_paths(sample_mirror, "wet.paths.gz"), _paths(sample_mirror, "warc.paths.gz")):
        warc_types = collections.Counter()
        responses = {}
        for kind, headers, block in _records(sample_mirror / warc_path):
            warc_types[kind] += 1
            if kind == "response":
                responses[headers["WARC-Record-ID"]] = (headers, block)
        assert warc_types["warcinfo"] == 1
        assert warc_types["request"] == warc_types["response"] == warc_types["metadata"] > 0

        conversions = 0
        for kind, headers, text in _records(sample_mirror / wet_path):
            if kind != "conversion":
                assert kind == "warcinfo"
                continue
            conversions += 1
            response_headers, block = responses[headers["WARC-Refers-To"]]
            assert response_headers["WARC-Target-URI"] == headers["WARC-Target-URI"]
            assert int(headers["Content-Length"]) == len(text)
            label = labels[headers["WARC-Target-URI"]]
            html = block.split(b"\r\n\r\n", 1)[1]
            if label["kind"] in ("edge_empty",):
                assert html == b"" and text == b""
            elif label["kind"] == "edge_non_utf8_wet":
                with pytest.raises(UnicodeDecodeError):
                    text.decode("utf-8")
            else:
                assert text.decode("utf-8") == html_to_wet_text(html.decode(label["charset"]))
        assert conversions == warc_types["response"]


def test_files_read_with_warcio_too(sample_mirror: Path) -> None:
    warcio = pytest.importorskip("warcio.archiveiterator", reason="warcio is a test dependency (pip install warcio)")
    WarcioIterator = warcio.ArchiveIterator  # noqa: N806

    for rel in _paths(sample_mirror, "wet.paths.gz") + _paths(sample_mirror, "warc.paths.gz"):
        with open(sample_mirror / rel, "rb") as stream:
            kinds = collections.Counter(record.rec_type for record in WarcioIterator(stream))
        fastwarc_kinds = collections.Counter(kind for kind, _, _ in _records(sample_mirror / rel))
        assert kinds == fastwarc_kinds


def test_block_digests_are_valid(sample_mirror: Path) -> None:
    rel = _paths(sample_mirror, "warc.paths.gz")[0]
    with open(sample_mirror / rel, "rb") as stream:
        verified = sum(1 for _ in ArchiveIterator(stream, record_types=WarcRecordType.any_type, verify_digests=True))
    assert verified == sum(1 for _ in _records(sample_mirror / rel))


def test_content_mix(sample_mirror: Path) -> None:
    labels = read_labels(sample_mirror)
    assert 400 <= len(labels) <= 600
    domains = {row["domain"] for row in labels}
    assert 30 <= len(domains) <= 40
    per_domain = collections.Counter(row["domain"] for row in labels if row["educational"])
    assert all(10 <= n <= 30 for n in per_domain.values()), per_domain
    assert sum(row["educational"] for row in labels) > 200
    assert sum(not row["educational"] for row in labels) > 150
    languages = collections.Counter(row["language"] for row in labels)
    assert {"en", "de", "fr", "es", "ru"} <= set(languages)
    for language in ("de", "fr", "es", "ru"):
        educational = {row["educational"] for row in labels if row["language"] == language}
        assert educational == {True, False}, language
    kinds = collections.Counter(row["kind"] for row in labels)
    for kind in ("exam_math", "exam_physics", "exam_chemistry", "exam_biology", "forum_thread",
                 "faq_jsonld", "qa_jsonld", "qa_microdata", "latex_math", "shop", "news", "sports",
                 "recipe", "boilerplate", "edge_empty", "edge_non_utf8_wet", "edge_huge"):
        assert kinds[kind] >= 1, kind
    assert 3 <= sum(row["prompt_injection"] for row in labels) <= 10
    assert all(row["educational"] for row in labels if row["prompt_injection"])
    assert sum(row["has_jsonld"] for row in labels) >= 20
    assert sum(row["has_math"] for row in labels) >= 20
    assert {row["charset"] for row in labels} >= {"utf-8", "windows-1251", "iso-8859-1"}
    educational_pages = [row for row in labels if row["educational"]]
    assert sum(bool(row["qa_pairs"]) for row in educational_pages) == len(educational_pages)


def test_seed_domains_are_some_but_not_all_educational_domains(sample_mirror: Path) -> None:
    seeds = set((sample_mirror / DUMP_DIR / "seed-domains.txt").read_text().split())
    educational = {row["domain"] for row in read_labels(sample_mirror) if row["educational"]}
    assert seeds and seeds < educational
    assert len(educational - seeds) >= len(seeds)


def test_worked_answers_are_correct(sample_mirror: Path) -> None:
    """Every linear equation, fraction sum and probability on the pages is answered correctly."""
    linear = re.compile(r"Solve for x: (\d+)x ([+-]) (\d+) = (-?\d+)\.")
    fraction_sum = re.compile(r"Add the fractions (\d+)/(\d+) \+ (\d+)/(\d+) and simplify\.")
    checked = 0
    for row in read_labels(sample_mirror):
        for pair in row["qa_pairs"]:
            final = re.search(r"The answer is (.+?)\.?$", pair["answer"])
            if match := linear.search(pair["question"]):
                a, sign, b, c = int(match[1]), match[2], int(match[3]), int(match[4])
                x = Fraction(c - (b if sign == "+" else -b), a)
                assert final and final[1] == f"x = {x}", pair
                checked += 1
            elif match := fraction_sum.search(pair["question"]):
                total = Fraction(int(match[1]), int(match[2])) + Fraction(int(match[3]), int(match[4]))
                assert final and Fraction(final[1]) == total, pair
                checked += 1
    assert checked >= 10


def test_same_seed_same_bytes_other_seed_other_pages(tmp_path: Path) -> None:
    first = build_sample_mirror(tmp_path / "a", seed=3)
    second = build_sample_mirror(tmp_path / "b", seed=3)
    other = build_sample_mirror(tmp_path / "c", seed=4)
    assert _tree_digest(first.dest) == _tree_digest(second.dest)
    assert first.pages == second.pages
    assert _tree_digest(first.dest) != _tree_digest(other.dest)
    assert first.wet_paths == tuple(_paths(first.dest, "wet.paths.gz"))


def test_extra_pages_are_planted_verbatim(tmp_path: Path) -> None:
    planted = "Natalia sold clips to 48 of her friends in April, and then half as many in May."
    manifest = build_sample_mirror(
        tmp_path / "m",
        extra_pages=[{"url": "https://planted.example.org/q/1", "text": f"Homework\n{planted}", "educational": True}],
    )
    labels = {row["url"]: row for row in read_labels(manifest.dest)}
    assert labels["https://planted.example.org/q/1"]["kind"] == "extra"
    assert labels["https://planted.example.org/q/1"]["educational"] is True
    texts = [
        text.decode()
        for rel in manifest.wet_paths
        for kind, headers, text in _records(manifest.dest / rel)
        if headers.get("WARC-Target-URI") == "https://planted.example.org/q/1"
    ]
    assert texts == [f"Homework\n{planted}"]
    with pytest.raises(ValueError, match="url"):
        build_sample_mirror(tmp_path / "bad", extra_pages=[{"text": "no url"}])


def test_ensure_sample_mirror_builds_once(isolated_data_dir: Path) -> None:
    mirror = ensure_sample_mirror()
    assert mirror == isolated_data_dir / "mirror"
    paths_file = mirror / DUMP_DIR / "wet.paths.gz"
    stamp = paths_file.stat().st_mtime_ns
    assert ensure_sample_mirror() == mirror
    assert paths_file.stat().st_mtime_ns == stamp


def test_huge_page_is_larger_than_the_record_limit(sample_mirror: Path) -> None:
    from mammoth_assets.core.commoncrawl import DEFAULT_MAX_RECORD_BYTES

    huge = [row for row in read_labels(sample_mirror) if row["kind"] == "edge_huge"]
    assert len(huge) == 1
    sizes = [
        len(text)
        for kind, headers, text in _records(sample_mirror / huge[0]["wet_file"])
        if headers.get("WARC-Target-URI") == huge[0]["url"]
    ]
    assert sizes and sizes[0] > DEFAULT_MAX_RECORD_BYTES
    assert sample_dump.HUGE_PAGE_BYTES > DEFAULT_MAX_RECORD_BYTES


def test_extra_page_with_html_is_converted_like_the_others(tmp_path: Path) -> None:
    html = "<html><head><title>Planted</title></head><body><p>Compute 17 * 3.</p><p>The answer is 51.</p></body></html>"
    manifest = build_sample_mirror(tmp_path / "m", extra_pages=[{"url": "https://planted.example.org/h", "text": "", "html": html}])
    texts = [
        text.decode()
        for rel in manifest.wet_paths
        for kind, headers, text in _records(manifest.dest / rel)
        if headers.get("WARC-Target-URI") == "https://planted.example.org/h"
    ]
    assert texts == ["Planted\nCompute 17 * 3.\nThe answer is 51."]
