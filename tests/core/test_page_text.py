import itertools
from pathlib import Path

import pytest

from mammoth_assets.core.page_text import (
    chunk_text,
    clean_html,
    fetch_html_range,
    fetch_html_sequential,
)

PAGE = """<html><head><title>t</title><script>var tracking = 1;</script><style>p{}</style></head><body>
<nav class="main-nav"><a>Home</a><a>About</a></nav>
<div class="ad-banner">BUY NOW</div>
<div id="cookie-consent">We use cookies</div>
<article><h1>Solve the equation</h1>
<p>Find <script type="math/tex">x^2=4</script> roots and
<span class="katex"><math><semantics><mi>y</mi><annotation encoding="application/x-tex">\\frac{1}{2}</annotation></semantics></math></span>.</p>
<p>Inline \\(a+b\\) stays as written.</p>
<ul><li>first <b>item</b></li><li>second<ul><li>nested</li></ul></li></ul>
<ol><li>one</li><li>two</li></ol>
<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>
<p>Answer: x = 2<br>or x = -2</p></article>
<aside>Related posts</aside>
<footer>Copyright 2026</footer></body></html>"""


def test_clean_html_keeps_math_lists_tables_and_drops_chrome():
    text = clean_html(PAGE)
    assert "# Solve the equation" in text
    assert "$x^2=4$" in text and "$\\frac{1}{2}$" in text and "\\(a+b\\)" in text
    assert "- first item" in text and "  - nested" in text
    assert "1. one" in text and "2. two" in text
    assert "| a | b |" in text and "| 1 | 2 |" in text
    assert "x = 2\nor x = -2" in text
    for chrome in ("Home", "BUY NOW", "cookies", "Related posts", "Copyright", "tracking"):
        assert chrome not in text


def test_clean_html_of_empty_or_broken_input_is_empty():
    assert clean_html("") == ""
    assert clean_html("   ") == ""
    assert clean_html("<html><body><nav>only chrome</nav></body></html>") == ""


def test_chunks_overlap_and_cover_the_text():
    paragraphs = [f"Paragraph {i} " + "word " * 30 for i in range(40)]
    text = "\n\n".join(paragraphs)
    chunks = chunk_text(text, max_chars=1000, overlap_chars=200)
    assert len(chunks) > 1
    assert all(len(c) <= 1000 for c in chunks)
    for paragraph in paragraphs:  # every paragraph appears whole in some chunk
        assert any(paragraph.strip() in c for c in chunks)
    for left, right in itertools.pairwise(chunks):  # consecutive chunks share text
        assert left[-100:].split()[-1] in right[:400]


def test_short_text_is_one_chunk_and_bad_parameters_fail():
    assert chunk_text("short", 100, 10) == ["short"]
    assert chunk_text("", 100, 10) == []
    with pytest.raises(ValueError):
        chunk_text("x", 100, 100)


def test_fetch_real_common_crawl_record_sequentially_and_by_byte_range(shared_data: Path):
    warc = shared_data / "web/commoncrawl__whirlwind-python/whirlwind.warc.gz"
    response_id = "<urn:uuid:2aabeff2-67f5-4608-8466-e87c6296e2b6>"
    found = fetch_html_sequential(warc, [response_id, "<urn:uuid:not-there>"])
    assert list(found) == [response_id]
    record = found[response_id]
    assert record.url == "https://an.wikipedia.org/wiki/Escopete"
    assert "Escopete" in clean_html(record.html)
    # CC index coordinates of the response record: one gzip member.
    by_range = fetch_html_range(warc, 1023, 18374 - 1023)
    assert by_range is not None and by_range.html == record.html


def test_fetch_from_sample_mirror_matches_labels(sample_mirror: Path):
    from mammoth_assets.core.sample_dump import read_labels

    labels = [l for l in read_labels(sample_mirror) if l["kind"] == "faq_jsonld"][:2]
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    for label in labels:
        with open(sample_mirror / label["warc_file"], "rb") as stream:
            ids = {
                r.headers.get("WARC-Target-URI"): r.record_id
                for r in ArchiveIterator(stream, record_types=WarcRecordType.response)
            }
        found = fetch_html_sequential(sample_mirror / label["warc_file"], [ids[label["url"]]])
        text = clean_html(found[ids[label["url"]]].html)
        assert label["qa_pairs"][0]["question"] in text


def test_decoded_text_is_not_decoded_twice():
    """A page already decoded from windows-1251 (its meta says so) must keep its Cyrillic text."""
    from mammoth_assets.core.page_text import _decode

    raw = '<html><head><meta charset="windows-1251"></head><body><p>Задачи и решения</p></body></html>'.encode(
        "cp1251"
    )
    assert clean_html(_decode(raw, None)) == "Задачи и решения"
    assert (
        clean_html(
            "<?xml version='1.0' encoding='utf-8'?><html><body><p>Janet’s ducks</p></body></html>"
        )
        == "Janet’s ducks"
    )
