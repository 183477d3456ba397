"""The main-content step: which part of a page is its content, decided by a maintained library.

After the math step has turned formulas into TeX text, the tree is handed to resiliparse's
main-content extraction (`extract_plain_text(main_content=True)`, lexbor DOM, C++), asked for
its reduced HTML (`preserve_formatting="minimal_html"`: headings, paragraphs, lists, `pre`,
line breaks), which `structure.render_minimal_html` turns into the text the extractor reads.
Comment sections are kept (`comments=True`): on forums and Q&A sites the answers are the
"comments". No chrome word list of our own: that was the old cleaner's largest loss (a main
container named `entry-content no-share` or a thread wrapped in a `<form>` vanished whole).

Why resiliparse and not trafilatura (both measured by `benchmarks/webinstruct_page_text.py` on
the real-page regression set): trafilatura is more precise on news-like pages but keeps only the
first post of forum threads and Q&A pages, loses most formulas, and is an order of magnitude
slower; resiliparse keeps the posts and answers, which are what WebInstruct mines.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree
from resiliparse.extract.html2text import extract_plain_text

from mammoth_assets.core.page_text.math import protect_math
from mammoth_assets.core.page_text.structure import (
    mark_data_tables,
    render_minimal_html,
    wrap_prose_lists,
)

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def parse_html(html: str):
    """lxml tree of an already-decoded page (parsed as text: a `<meta charset>` that no longer
    applies must not make lxml decode it a second time). None when unparsable."""
    try:
        return lxml.html.document_fromstring(_XML_DECLARATION.sub("", html, count=1))
    except (etree.ParserError, ValueError):
        return None


def prepared_html(html: str) -> str | None:
    """The page with formulas as TeX text, data tables as markdown rows and lists in running
    text kept visible to the extractor, serialized for it."""
    root = parse_html(html)
    if root is None:
        return None
    etree.strip_elements(root, etree.Comment, with_tail=False)
    protect_math(root)
    mark_data_tables(root)
    wrap_prose_lists(root)
    return lxml.html.tostring(root, encoding="unicode")


def main_content_html(prepared: str) -> str:
    """resiliparse's reduced HTML of the page's main content."""
    return extract_plain_text(
        prepared,
        main_content=True,
        preserve_formatting="minimal_html",
        comments=True,
        alt_texts=False,
        list_bullets=True,
    )


def clean_html(html: str) -> str:
    """Main text of an HTML page with formulas as TeX and lists, tables, code and headings kept.
    '' when the page has no text."""
    if not html or not html.strip():
        return ""
    prepared = prepared_html(html)
    if prepared is None:
        return ""
    return render_minimal_html(main_content_html(prepared))
