"""Page text on real pages (../shared/data, read in place): the regression set of real_pages.py,
one test per defect the old rule-based cleaner had, and the targets over the whole set."""

from __future__ import annotations

import re

import pytest

from mammoth_assets.core.page_text import clean_html

from . import real_pages as rp

pytestmark = pytest.mark.skipif(
    not rp.available(),
    reason=f"real pages not found under {rp.shared_dir()} (llm-webkit and trafilatura reference pages)",
)


def _page(name: str) -> rp.RealPage:
    return next(p for p in rp.HAND_PICKED if p.name == name)


def _cleaned(page: rp.RealPage) -> str:
    return clean_html(rp.page_html(page))


def _found(segments, text: str) -> list[str]:
    flat = rp.normalized(text)
    return [s for s in segments if rp.normalized(s) in flat]


def test_every_hand_picked_segment_is_on_its_page():
    """The regression set itself: every expected segment is text of the page it belongs to."""
    for page in rp.HAND_PICKED:
        source = rp.normalized(re.sub(r"<[^>]+>", " ", rp.html_lib.unescape(rp.page_html(page))))
        visible = rp.normalized(rp.html_lib.unescape(re.sub(r"<[^>]+>", "", rp.page_html(page))))
        for segment in page.keep + page.drop:
            assert rp.normalized(segment) in source or rp.normalized(segment) in visible, (page.name, segment)


@pytest.mark.parametrize(
    "name", ["physicsforums-xenforo", "mathhelpforum-vbulletin", "mrexcel-xenforo", "telerik-aspnet-forum"]
)
def test_forum_thread_wrapped_in_a_form_keeps_its_posts_and_formulas(name):
    page = _page(name)
    text = _cleaned(page)
    assert _found(page.keep, text) == list(page.keep)
    assert all(rp.without_space(f) in rp.without_space(text) for f in page.formulas)
    assert len(_found(page.drop, text)) <= 1


def test_forum_posts_stay_separate_blocks():
    text = _cleaned(_page("mathhelpforum-vbulletin"))
    posts = re.findall(r"^\d+\. February 28th 2009", text, flags=re.MULTILINE)
    assert len(posts) >= 4  # each post is its own numbered block, not one run-on line
    assert "what to do next??\n" in text


def test_qa_page_keeps_question_and_every_answer():
    page = _page("math-se-prime")
    text = _cleaned(page)
    assert _found(page.keep, text) == list(page.keep)
    assert not _found(page.drop, text)
    question = text.index("I'm having problems with exercises")
    answer = text.index("It follows that our number is divisible by all the divisors")
    assert question < answer


def test_main_container_named_with_a_chrome_word_is_kept():
    """`<div class="full-content enable-pin-share ...">` holds the whole post (the old cleaner
    dropped every element whose class had a chrome word such as `share`)."""
    pages = {p.name: p for p in rp.trafilatura_eval_pages()}
    page = pages["franziska-elea.de.vuitton.html"]
    assert "enable-pin-share" in rp.page_html(page)
    text = _cleaned(page)
    assert _found(page.keep, text) == list(page.keep)
    menu = pages["mixed.de.vrodo.html"]  # main container "... hidden-contents-menu ..."
    assert _found(menu.keep, _cleaned(menu))


def test_latex_images_give_their_tex():
    lecture = _cleaned(_page("terrytao-lecture-wp-latex"))  # WordPress s0.wp.com/latex.php
    assert lecture.count("$\\kappa$") >= 10
    forum = _cleaned(_page("mathhelpforum-vbulletin"))  # vBulletin [tex] images
    assert "$z=\\frac{1}{2}\\tan x" in forum and "<br" not in forum


def test_mathml_becomes_tex_never_flat_text():
    for name in ("wikipedia-variance-mathml", "mathjax-mathml-no-tex"):
        html = rp.page_html(_page(name))
        formulas = rp.mathml_formulas(html)
        assert len(formulas) >= 10
        text = clean_html(html)
        assert rp.flattened_count(formulas, text) == 0, name
    page = _page("mathjax-mathml-no-tex")
    text = _cleaned(page)
    assert all(rp.without_space(f) in rp.without_space(text) for f in page.formulas)


def test_code_and_tables_keep_their_structure():
    text = _cleaned(_page("mrexcel-xenforo"))
    assert "```\nSub ConversionRange()\n" in text
    pool = _cleaned(_page("math-se-pool-break"))
    assert "\\begin{array}" in pool


@pytest.mark.slow
def test_regression_set_meets_the_targets():
    segments, formulas = rp.SegmentScore(), rp.SegmentScore()
    flattened = 0
    for page in list(rp.HAND_PICKED) + rp.trafilatura_eval_pages():
        segments.add(page, _cleaned(page))
    for name, path, tex in rp.webkit_formula_pages():
        page = rp.RealPage(name, path, "math", formulas=tex)
        html = rp.page_html(page)
        text = clean_html(html)
        formulas.add(page, text)
        flattened += rp.flattened_count(rp.mathml_formulas(html), text)
    assert segments.recall >= 0.93, segments
    assert segments.f1 >= 0.80, segments
    assert formulas.formulas > 500 and formulas.formula_share >= 0.95, formulas
    assert flattened == 0
