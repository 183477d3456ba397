import itertools
from pathlib import Path

import pytest

import lxml.html

from mammoth_assets.core.page_text import (
    chunk_text,
    clean_html,
    fetch_html_range,
    fetch_html_sequential,
    mathml_to_tex,
    protect_math,
)

PAGE = """<html><head><title>t</title><script>var tracking = 1;</script><style>p{}</style></head><body>
<nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/about">About</a></li></ul></nav>
<div id="cookie-consent">We use cookies to improve your experience. <a href="/ok">Accept</a></div>
<main><article><h1>Solve the equation</h1>
<p>Find the roots of <script type="math/tex">x^2=4</script> and simplify
<span class="katex"><span class="katex-mathml"><math><semantics><mi>y</mi><annotation encoding="application/x-tex">\\frac{1}{2}</annotation></semantics></math></span><span class="katex-html" aria-hidden="true">12</span></span>
before you go on with the rest of this worked exercise from the algebra course.</p>
<p>Inline \\(a+b\\) stays as written, and so does a display formula written with dollars in the text.</p>
<p>The steps of the solution are the following, in the order the teacher wrote them on the board:</p>
<ul><li>first take the square root of both sides of the <b>equation</b></li><li>second, remember both signs of the root<ul><li>the positive root</li></ul></li></ul>
<ol><li>one solution is two</li><li>the other solution is minus two</li></ol>
<table><tr><th>x</th><th>x squared</th></tr><tr><td>2</td><td>4</td></tr><tr><td>-2</td><td>4</td></tr></table>
<pre><code>def roots():\n    return (2, -2)</code></pre>
<p>Answer: x = 2<br>or x = -2, and both values satisfy the original equation when substituted.</p></article></main>
<footer><p>Copyright 2026 Example School. All rights reserved.</p></footer></body></html>"""


def test_clean_html_keeps_math_lists_tables_code_and_drops_chrome():
    text = clean_html(PAGE)
    assert "# Solve the equation" in text
    assert "$x^2=4$" in text and "$\\frac{1}{2}$" in text and "\\(a+b\\)" in text
    assert "12" not in text.replace("2026", "")  # KaTeX's rendered copy is gone
    assert "- first take the square root of both sides of the equation" in text
    assert "  - the positive root" in text
    assert "1. one solution is two" in text and "2. the other solution is minus two" in text
    assert "| x | x squared |" in text and "| -2 | 4 |" in text
    assert "```\ndef roots():\n    return (2, -2)\n```" in text
    assert "Answer: x = 2\nor x = -2" in text
    for chrome in ("Home", "cookies", "Copyright", "tracking"):
        assert chrome not in text


def test_clean_html_of_empty_or_broken_input_is_empty():
    assert clean_html("") == ""
    assert clean_html("   ") == ""
    assert clean_html("<html><body><nav>only chrome</nav></body></html>") == ""


def _math(fragment: str) -> str:
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    protect_math(root)
    return root.text_content()


def test_mathjax_scripts_become_tex_and_their_rendered_copies_go():
    html = (
        '<p>Let <span class="MathJax_Preview">x</span><span class="MathJax" id="MathJax-Element-1-Frame">'
        '<nobr>x</nobr><span class="MJX_Assistive_MathML"><math><mi>x</mi></math></span></span>'
        '<script type="math/tex" id="MathJax-Element-1">x_1</script> and '
        '<div class="MathJax_Display"><span class="MathJax">rendered</span></div>'
        '<script type="math/tex; mode=display">\\sum_i x_i</script></p>'
    )
    assert _math(html) == "Let $x_1$ and $$\\sum_i x_i$$"


def test_mathml_without_annotation_is_converted_not_flattened():
    html = (
        "<p>Change: <math><mrow><mi>Δ</mi><mo>%</mo><mo>=</mo><mfrac><mrow><mi>new</mi><mo>-</mo>"
        "<mi>old</mi></mrow><mi>old</mi></mfrac><mo>×</mo><mn>100</mn></mrow></math></p>"
    )
    text = _math(html)
    assert "\\frac{" in text and text.startswith("Change: $") and text.endswith("$")
    assert "new-oldold" not in text.replace(" ", "")
    assert mathml_to_tex(lxml.html.fragment_fromstring("<math><msup><mi>x</mi><mn>2</mn></msup></math>")) == "{x}^{2}"


def test_display_mathml_and_annotation_win_over_conversion():
    html = (
        '<p><math display="block"><semantics><mrow><mi>a</mi></mrow>'
        '<annotation encoding="application/x-tex">{\\displaystyle \\sigma ^{2}}</annotation></semantics></math></p>'
    )
    assert _math(html) == "$${\\displaystyle \\sigma ^{2}}$$"


def test_latex_images_from_known_renderers_give_their_tex():
    cases = {
        # WordPress.com (alt holds the TeX)
        '<img class="latex" src="https://s0.wp.com/latex.php?latex=%5Ckappa&bg=ffffff&fg=000000&s=0" alt="\\kappa">': "$\\kappa$",
        # WordPress with an uninformative alt: TeX from the src query
        '<img src="https://s0.wp.com/latex.php?latex=%5Cfrac%7Ba%7D%7Bb%7D&bg=ffffff" alt="">': "$\\frac{a}{b}$",
        # codecogs: the whole query is the TeX, renderer options stripped
        '<img src="https://latex.codecogs.com/png.latex?%5Cdpi%7B120%7D%20x%5E2%2By%5E2" alt="image">': "$x^2+y^2$",
        # mimetex behind a forum's [tex] tag, with vBulletin's literal <br /> in the alt
        '<img src="/cgi-bin/mimetex.cgi?z=\\frac{1}{2}" alt="z=\\frac{1}{2}<br />">': "$z=\\frac{1}{2}$",
        # Google charts
        '<img src="https://chart.googleapis.com/chart?cht=tx&chl=e%5E%7Bi%5Cpi%7D">': "$e^{i\\pi}$",
    }
    for fragment, expected in cases.items():
        assert _math(f"<p>{fragment}</p>") == expected, fragment
    assert _math('<p><img src="/photo.jpg" alt="a cat"></p>') == ""  # an ordinary image is left alone


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
