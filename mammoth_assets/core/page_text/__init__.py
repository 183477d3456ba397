"""Page text for QA extraction: a page's HTML from its WARC record, reduced to its main text with
every formula kept as TeX.

Three steps, one module each:
- `math`: formulas (MathJax, KaTeX, MathML, LaTeX images) become `$tex$` / `$$tex$$` text;
- `content`: resiliparse decides which part of the page is main content (no word lists of ours);
- `structure`: headings, lists, tables and code stay visible in the text (`# h`, `- item`,
  `| a | b |`, fenced code).
`fetch` reads the HTML from local WARC files or by byte range from Common Crawl.
"""

from __future__ import annotations

from dataclasses import dataclass

from mammoth_assets.core.page_text.content import clean_html, parse_html, prepared_html
from mammoth_assets.core.page_text.fetch import (
    CC_DATA_URL,
    HtmlRecord,
    _decode,
    cc_index_lookup,
    fetch_html_range,
    fetch_html_sequential,
    read_byte_range,
)
from mammoth_assets.core.page_text.math import mathml_to_tex, protect_math, tex_of_image

__all__ = [
    "CC_DATA_URL", "HtmlRecord", "MIN_HTML_TEXT_CHARS", "PageText", "_decode", "cc_index_lookup",
    "chunk_text", "clean_html", "fetch_html_range", "fetch_html_sequential", "mathml_to_tex",
    "page_text_for", "parse_html", "prepared_html", "protect_math", "read_byte_range",
    "tex_of_image",
]  # fmt: skip


# -- chunking ---------------------------------------------------------------------------------
def chunk_text(text: str, max_chars: int = 6000, overlap_chars: int = 500) -> list[str]:
    """Split long text into chunks of at most `max_chars`, each starting `overlap_chars` before
    the previous one ended, cut at paragraph or line breaks (else spaces) where possible so a QA
    pair split by a boundary appears whole in one of the two chunks."""
    if max_chars <= 0:
        raise ValueError("max_chars must be positive")
    if overlap_chars < 0 or overlap_chars >= max_chars:
        raise ValueError("overlap_chars must be in [0, max_chars)")
    if len(text) <= max_chars:
        return [text] if text else []
    chunks: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + max_chars, len(text))
        if end < len(text):
            window = text[start:end]
            floor = max_chars // 2
            for separator in ("\n\n", "\n", " "):
                cut = window.rfind(separator)
                if cut > floor:
                    end = start + cut + len(separator)
                    break
        chunks.append(text[start:end].strip())
        if end >= len(text):
            break
        next_start = end - overlap_chars
        if overlap_chars:
            space = text.find(" ", next_start, end)
            if space != -1:
                next_start = space + 1
        start = max(next_start, start + 1)
    return [c for c in chunks if c]


# -- one page's extraction text ------------------------------------------------------------------
@dataclass(frozen=True)
class PageText:
    text: str
    source: str  # "warc_html" or "wet_text" (fallback), "" when the page has no text at all
    fallback_reason: str  # why the WET text was used ("" when the HTML was)


MIN_HTML_TEXT_CHARS = 40


def page_text_for(
    html: str | None, wet_text: str | None, missing_reason: str = "no_html"
) -> PageText:
    """The cleaned HTML text when the page has some, else the WET text (with the reason)."""
    if html is not None:
        cleaned = clean_html(html)
        if len(cleaned) >= MIN_HTML_TEXT_CHARS:
            return PageText(cleaned, "warc_html", "")
        missing_reason = "html_without_text"
    wet = (wet_text or "").strip()
    if wet:
        return PageText(wet, "wet_text", missing_reason)
    return PageText("", "", missing_reason)
