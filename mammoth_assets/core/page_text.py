"""Page text for QA extraction: fetch a page's HTML from its WARC record and clean it with rules.

The cleanup keeps what an extractor needs and WET text loses: math (MathJax/KaTeX/MathML
TeX sources become `$...$`), list items, table rows and headings; it drops site chrome
(navigation, headers, footers, sidebars, ads, cookie banners, forms, scripts).

Fetching HTML:
- the sample mirror (and any local WARC): read the WARC file sequentially and keep only the
  wanted record ids (`fetch_html_sequential`);
- real Common Crawl dumps: the CC index gives each capture's `offset` and `length` in its WARC
  file, which is exactly one gzip member, so `fetch_html_range` reads just those bytes (an HTTP
  `Range: bytes=offset-(offset+length-1)` request against data.commoncrawl.org, or a seek in a
  local copy) instead of the whole 1 GB file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import lxml.html
from fastwarc.warc import ArchiveIterator, WarcRecordType
from lxml import etree

CC_DATA_URL = "https://data.commoncrawl.org/"

# Tags that never hold page content.
_DROP_TAGS = (
    "style", "noscript", "iframe", "form", "button", "select", "input", "textarea", "svg",
    "canvas", "nav", "header", "footer", "aside", "template", "object", "embed", "video", "audio",
)  # fmt: skip
# class/id/role fragments of site chrome. Matched on whole dash/underscore separated words.
_CHROME_WORDS = {
    "nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "sidebar", "footer",
    "header", "masthead", "banner", "ad", "ads", "advert", "advertisement", "sponsored", "promo",
    "cookie", "cookies", "consent", "gdpr", "newsletter", "subscribe", "share", "social",
    "related", "popup", "modal", "signup", "login", "comments-form", "pagination", "toolbar",
}  # fmt: skip
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search"}
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "blockquote", "pre", "dl", "dt", "dd", "figure",
    "figcaption", "details", "summary", "address", "center", "body",
}  # fmt: skip
_HEADINGS = {"h1": "#", "h2": "##", "h3": "###", "h4": "####", "h5": "#####", "h6": "######"}
_WORD_SPLIT = re.compile(r"[-_\s]+")


@dataclass(frozen=True)
class HtmlRecord:
    record_id: str
    url: str
    html: str


# -- fetching ---------------------------------------------------------------------------------
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _decode(body: bytes, content_type: str | None) -> str:
    """Decode with the HTTP header's charset, else the page's <meta charset>, else UTF-8."""
    charset = None
    if content_type and "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
    meta = _META_CHARSET.search(body[:4096])
    declared = meta.group(1).decode("ascii", errors="ignore").lower() if meta else None
    for encoding in (charset, declared, "utf-8", "cp1252"):
        if not encoding:
            continue
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


def _records(stream) -> Iterator[HtmlRecord]:
    for record in ArchiveIterator(stream, record_types=WarcRecordType.response):
        body = record.reader.read()
        content_type = record.http_headers.get("Content-Type") if record.http_headers else None
        yield HtmlRecord(
            record_id=record.record_id,
            url=record.headers.get("WARC-Target-URI") or "",
            html=_decode(body, content_type),
        )


def fetch_html_sequential(
    warc_path: str | Path, record_ids: Iterable[str]
) -> dict[str, HtmlRecord]:
    """HTML of the wanted response records of one local WARC file, read front to back.

    Stops as soon as every wanted id has been seen. Ids not found are simply absent."""
    wanted = set(record_ids)
    found: dict[str, HtmlRecord] = {}
    if not wanted:
        return found
    with open(warc_path, "rb") as stream:
        for record in _records(stream):
            if record.record_id in wanted:
                found[record.record_id] = record
                if len(found) == len(wanted):
                    break
    return found


def read_byte_range(source: str | Path, offset: int, length: int, timeout_s: float = 60.0) -> bytes:
    """`length` bytes at `offset` of a local file or an HTTP(S) URL (one Range request)."""
    text = str(source)
    if text.startswith(("http://", "https://")):
        import httpx

        headers = {"Range": f"bytes={offset}-{offset + length - 1}"}
        response = httpx.get(text, headers=headers, timeout=timeout_s, follow_redirects=True)
        response.raise_for_status()
        return response.content
    with open(text, "rb") as handle:
        handle.seek(offset)
        return handle.read(length)


def fetch_html_range(source: str | Path, offset: int, length: int) -> HtmlRecord | None:
    """The one response record stored at [offset, offset+length) of a WARC file (CC index
    coordinates). `source` is a local path or `CC_DATA_URL + warc_filename`."""
    data = read_byte_range(source, offset, length)
    for record in _records(io.BytesIO(data)):
        return record
    return None


def cc_index_lookup(
    dump: str,
    url: str,
    warc_file: str | None = None,
    index_server: str = "https://index.commoncrawl.org",
    timeout_s: float = 60.0,
) -> tuple[str, int, int] | None:
    """(warc filename, offset, length) of a capture from the Common Crawl CDX index of `dump`,
    for documents whose table row lacks the WARC offsets. Prefers the capture in `warc_file`."""
    import json

    import httpx

    response = httpx.get(
        f"{index_server}/{dump}-index", params={"url": url, "output": "json"}, timeout=timeout_s
    )
    if response.status_code == 404:
        return None
    response.raise_for_status()
    captures = [json.loads(line) for line in response.text.splitlines() if line.strip()]
    captures = [c for c in captures if c.get("status", "200") == "200"] or captures
    if warc_file:
        captures = [c for c in captures if c.get("filename") == warc_file] or captures
    if not captures:
        return None
    chosen = captures[-1]
    return chosen["filename"], int(chosen["offset"]), int(chosen["length"])


# -- cleanup ----------------------------------------------------------------------------------
def _is_chrome(element) -> bool:
    role = (element.get("role") or "").lower()
    if role in _CHROME_ROLES:
        return True
    if (element.get("aria-hidden") or "").lower() == "true":
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    if not names.strip():
        return False
    return any(word in _CHROME_WORDS for word in _WORD_SPLIT.split(names) if word)


def _tex_of_math(element) -> str | None:
    """TeX source of a math element (MathJax script, KaTeX/MathML annotation, TeX image alt)."""
    for annotation in element.iter("annotation", "{*}annotation"):
        if (annotation.get("encoding") or "").lower() in ("application/x-tex", "tex"):
            return (annotation.text or "").strip()
    return None


def _protect_math(root) -> None:
    """Replace every math rendering by a text node holding its TeX between dollars."""
    for script in list(root.iter("script")):
        kind = (script.get("type") or "").lower()
        if kind.startswith("math/tex"):
            tex = (script.text or "").strip()
            delimiter = "$$" if "mode=display" in kind else "$"
            _replace_with_text(script, f"{delimiter}{tex}{delimiter}")
        else:
            _drop(script)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        classes = (element.get("class") or "").split()
        tag = element.tag.split("}")[-1]
        if tag == "math" or "katex" in classes:
            tex = _tex_of_math(element)
            if tex is None and tag == "math":
                tex = " ".join(element.itertext()).strip()
            if tex is not None and element.getparent() is not None:
                display = (element.get("display") == "block") or "katex-display" in classes
                _replace_with_text(element, f"$${tex}$$" if display else f"${tex}$")
        elif tag == "img" and element.get("alt") and ("tex" in classes or "latex" in classes):
            _replace_with_text(element, f"${element.get('alt').strip()}$")
    # MathJax preview/rendered copies duplicate the TeX we kept.
    for element in list(root.iter()):
        if isinstance(element.tag, str):
            classes = (element.get("class") or "").split()
            if {"MathJax_Preview", "MathJax", "MathJax_Display", "MJX_Assistive_MathML"} & set(
                classes
            ):
                _drop(element)


def _replace_with_text(element, text: str) -> None:
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + text + tail
    else:
        parent.text = (parent.text or "") + text + tail
    parent.remove(element)


def _drop(element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _inline_text(element) -> str:
    parts: list[str] = []
    if element.text:
        parts.append(element.text)
    for child in element:
        if isinstance(child.tag, str):
            if child.tag == "br":
                parts.append("\n")
            else:
                parts.append(_inline_text(child))
        if child.tail:
            parts.append(child.tail)
    return "".join(parts)


def _squash(text: str) -> str:
    return re.sub(r"[ \t\r\f\v]+", " ", text.replace("\xa0", " ")).strip()


def _render(element, lines: list[str], list_depth: int = 0) -> None:
    """Walk the cleaned tree and emit text lines keeping block, list and table structure."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _HEADINGS:
        text = _squash(_inline_text(element))
        if text:
            lines.extend(["", f"{_HEADINGS[tag]} {text}", ""])
        return
    if tag in ("ul", "ol"):
        lines.append("")
        number = 0
        for child in element:
            if not isinstance(child.tag, str) or child.tag != "li":
                continue
            number += 1
            marker = f"{number}." if tag == "ol" else "-"
            nested = [c for c in child if isinstance(c.tag, str) and c.tag in ("ul", "ol")]
            for sub in nested:
                child.remove(sub)
            text = _squash(" ".join(_squash(t) for t in _inline_text(child).split("\n")))
            if text:
                lines.append(f"{'  ' * list_depth}{marker} {text}")
            for sub in nested:
                _render(sub, lines, list_depth + 1)
        lines.append("")
        return
    if tag == "table":
        lines.append("")
        for row in element.iter("tr"):
            cells = [
                _squash(" ".join(_inline_text(cell).split()))
                for cell in row
                if isinstance(cell.tag, str) and cell.tag in ("td", "th")
            ]
            if any(cells):
                lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        return
    if tag == "pre":
        lines.extend(["", _inline_text(element).strip("\n"), ""])
        return
    has_block_child = any(
        isinstance(c.tag, str)
        and (
            c.tag in _BLOCK_TAGS
            or c.tag in _HEADINGS
            or c.tag in ("ul", "ol", "table", "pre", "li", "tr")
        )
        for c in element
    )
    if not has_block_child:
        for piece in _inline_text(element).split("\n"):
            text = _squash(piece)
            if text:
                lines.append(text)
        if tag in _BLOCK_TAGS:
            lines.append("")
        return
    if element.text and _squash(element.text):
        lines.append(_squash(element.text))
    for child in element:
        if isinstance(child.tag, str):
            _render(child, lines, list_depth)
        if child.tail and _squash(child.tail):
            lines.append(_squash(child.tail))
    if tag in _BLOCK_TAGS:
        lines.append("")


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def parse_html(html: str):
    """lxml tree of an already-decoded page (parsed as text: a `<meta charset>` that no longer
    applies must not make lxml decode it a second time). None when unparsable."""
    try:
        return lxml.html.document_fromstring(_XML_DECLARATION.sub("", html, count=1))
    except (etree.ParserError, ValueError):
        return None


def clean_html(html: str) -> str:
    """Rule-based main text of an HTML page with math, lists and tables kept. '' if no text."""
    if not html or not html.strip():
        return ""
    root = parse_html(html)
    if root is None:
        return ""
    etree.strip_elements(root, etree.Comment, with_tail=False)
    _protect_math(root)
    for element in list(root.iter(*_DROP_TAGS)):
        _drop(element)
    for element in list(root.iter()):
        if (
            isinstance(element.tag, str)
            and element.tag not in ("html", "body")
            and _is_chrome(element)
        ):
            _drop(element)
    body = root.find("body")
    lines: list[str] = []
    _render(body if body is not None else root, lines)
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


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
