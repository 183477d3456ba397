"""From WET records to web_documents rows: ids, domains, languages, titles, normalisation."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mammoth_assets.core import documents as d


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("forum.algebrahelpers.com", "algebrahelpers.com"),
        ("www.chemcalc-tutor.co.uk", "chemcalc-tutor.co.uk"),
        ("www.calculus-corner.edu.au", "calculus-corner.edu.au"),
        ("quizmicro.academy", "quizmicro.academy"),
        ("an.wikipedia.org", "wikipedia.org"),
        ("WWW.Example.COM.", "example.com"),
        ("203.0.113.7", "203.0.113.7"),
        ("localhost", "localhost"),
        ("", ""),
    ],
)
def test_registered_domain_uses_the_bundled_suffix_list(host: str, domain: str) -> None:
    assert d.registered_domain(host) == domain


def test_registered_domain_never_fetches(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    d.registered_domain.cache_clear()
    d._extractor.cache_clear()
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert d.registered_domain("news.bbc.co.uk") == "bbc.co.uk"


@pytest.mark.parametrize(
    ("header", "code"),
    [("eng", "en"), ("deu,eng", "de"), ("rus", "ru"), ("en", "en"), ("xyz", "xyz"), ("", None), (None, None)],
)
def test_language_code_from_wet_header(header, code) -> None:
    assert d.language_code(header) == code


def test_language_detected_when_header_missing() -> None:
    assert d.detect_language("Решите уравнение и запишите ответ. Вычтем пять из обеих частей уравнения.") == "ru"
    assert d.detect_language("   ") is None


def test_normalize_text_is_nfc_without_control_characters() -> None:
    decomposed = "Lo\u0308sung\r\nline\x00two\x1b\tend\x85"
    assert d.normalize_text(decomposed) == "Lösung\nlinetwo\tend"
    assert d.normalize_text("keep  spacing\n\nand lines") == "keep  spacing\n\nand lines"


def test_doc_id_is_stable_and_depends_on_dump() -> None:
    record = "<urn:uuid:00000000-0000-4000-8000-000000000001>"
    assert d.doc_id("CC-MAIN-2024-10", record) == d.doc_id("CC-MAIN-2024-10", record)
    assert d.doc_id("CC-MAIN-2024-10", record) != d.doc_id("CC-MAIN-2024-18", record)
    assert len(d.doc_id("x", record)) == 40


def test_title_is_the_first_short_line() -> None:
    assert d.title_of("Physics test 3\nQuestion 1") == "Physics test 3"
    assert d.title_of("x" * 400 + "\nrest") is None
    assert d.title_of("") is None


def test_warc_path_for_wet() -> None:
    wet = "crawl-data/CC-MAIN-2024-10/segments/1707947473347.0/wet/CC-MAIN-20240220211055-20240221001055-00000.warc.wet.gz"
    assert d.warc_path_for_wet(wet) == (
        "crawl-data/CC-MAIN-2024-10/segments/1707947473347.0/warc/CC-MAIN-20240220211055-20240221001055-00000.warc.gz"
    )


def test_document_row_has_every_column_and_provenance() -> None:
    row = d.document_row(
        dump="CC-MAIN-2024-10",
        url="https://Forum.AlgebraHelpers.com/threads/1",
        text="Help with algebra\r\nSolve 2x = 4\x07",
        wet_file="crawl-data/x.warc.wet.gz",
        wet_record_id="<urn:uuid:1>",
        wet_offset=1234,
        warc_file="crawl-data/x.warc.gz",
        warc_record_id="<urn:uuid:2>",
        language_header="eng",
        warc_date="2024-02-21T00:10:55Z",
    )
    assert tuple(row) == d.DOCUMENT_COLUMNS
    assert row["host"] == "forum.algebrahelpers.com" and row["domain"] == "algebrahelpers.com"
    assert row["text"] == "Help with algebra\nSolve 2x = 4" and row["length_chars"] == len(row["text"])
    assert row["title"] == "Help with algebra" and row["language"] == "en"
    assert row["fetch_time"] == datetime(2024, 2, 21, 0, 10, 55, tzinfo=timezone.utc)
    assert row["doc_id"] == d.doc_id("CC-MAIN-2024-10", "<urn:uuid:1>")


def test_html_to_text_gives_title_then_blocks() -> None:
    html = (
        "<html><head><title>Quiz 1</title><script>var x = 1;</script></head><body>"
        "<nav><ul><li>Home</li></ul></nav><h1>Quiz 1</h1><p>What is  2 + 2?</p><p>The answer is 4.</p></body></html>"
    )
    assert d.html_to_text(html) == "Quiz 1\nHome\nQuiz 1\nWhat is 2 + 2?\nThe answer is 4."


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Forum.Example.com/a", "forum.example.com"),
        ("http://example.com:8080/y", "example.com"),
        ("https://user:pw@host.org/", "host.org"),
        ("http://[::1]:80/", "::1"),
        ("https://example.co.uk?q=1", "example.co.uk"),
        ("https://example.com./", "example.com"),
        ("not a url", ""),
    ],
)
def test_host_of(url: str, host: str) -> None:
    assert d.host_of(url) == host


def test_the_batch_path_gives_the_same_rows_as_document_row() -> None:
    """The streaming pass builds rows in bulk (NFC checked per record, the rest in Polars); every
    column must equal the one-record reference `document_row`, tricky inputs included."""
    from mammoth_assets.core.commoncrawl import TextRecord
    from mammoth_assets.core.crawl_ingest import _Columns
    from mammoth_assets.core.shards import ShardFile

    cases = [
        ("https://Forum.AlgebraHelpers.com/threads/1", "Help with algebra\r\nSolve 2x = 4\x07", "eng"),
        ("https://exercices.example.fr/q", "Cafe\u0301 et the\u0301\rQuestion 1 \u00e9", "fra"),  # decomposed accents
        ("http://user:pw@[2001:db8::1]:8080/x", "Title\n" + "x" * 400, None),  # IPv6, userinfo; no header
        ("https://www.example.co.uk./a", "A title that is fine\n\x00\x1fbody", "deu,eng"),
    ]
    file = ShardFile(3, "crawl-data/x.warc.wet.gz", "crawl-data/x.warc.gz", "/m")
    columns = _Columns()
    for i, (url, text, language) in enumerate(cases):
        columns.add("D", file, TextRecord(f"<urn:uuid:{i}>", url, 100 * i, text, len(text.encode()),
                                          "2024-02-21T00:10:55Z", language, f"<urn:uuid:r{i}>"))
    batch = columns.frame("D", "00000")
    for i, (url, text, language) in enumerate(cases):
        reference = d.document_row(dump="D", url=url, text=text, wet_file=file.wet_file, wet_record_id=f"<urn:uuid:{i}>",
                                   wet_offset=100 * i, warc_file=file.warc_file, warc_record_id=f"<urn:uuid:r{i}>",
                                   language_header=language, warc_date="2024-02-21T00:10:55Z")
        row = batch.row(i, named=True)
        assert {k: row[k] for k in reference} == reference, url
