"""Structure of the page text: headings, lists, tables, code and paragraphs as plain markdown.

resiliparse's reduced HTML keeps headings, paragraphs, lists, `pre` and line breaks but flattens
tables to tab-separated cells, so data tables are rendered here first (`mark_data_tables`, before
extraction) as `| a | b |` rows inside a `pre`, which the extractor passes through verbatim.
`render_minimal_html` then writes the reduced HTML as text: `# heading`, `- item` / `1. item`
(nested lists indented), fenced code, table rows, one blank line between blocks.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

_HEADINGS = {"h1": "#", "h2": "##", "h3": "###", "h4": "####", "h5": "#####", "h6": "######"}
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "blockquote", "pre", "dl", "dt", "dd", "figure",
    "figcaption", "details", "summary", "address", "center", "body",
}  # fmt: skip
# A table is a layout table (rendered as ordinary blocks) when a cell holds one of these.
_LAYOUT_CELL_CHILDREN = {
    "table", "div", "ul", "ol", "pre", "form", "blockquote", "section", "article", "h1", "h2", "h3",
}  # fmt: skip
MAX_TABLE_CELL_CHARS = 400
_LIST_AND_TABLE_TAGS = {"ul", "ol", "table", "pre", "li", "tr"}
_TABLE_ROW = re.compile(r"^\|.*\|$")


def _squash(text: str) -> str:
    return re.sub(r"[ \t\r\f\v]+", " ", text.replace("\xa0", " ")).strip()


def _cell_text(cell) -> str:
    return _squash(" ".join(cell.itertext()))


def _is_data_table(table) -> bool:
    rows = [row for row in table.iter("tr")]
    if len(rows) < 2:
        return False
    for cell in table.iter("td", "th"):
        if any(isinstance(c.tag, str) and c.tag in _LAYOUT_CELL_CHILDREN for c in cell.iter()):
            return False
        if len(_cell_text(cell)) > MAX_TABLE_CELL_CHARS:
            return False
    return True


def mark_data_tables(root) -> int:
    """Replace each data table by a `pre` of markdown rows (`| a | b |`), so that its rows and
    columns survive main-content extraction. Layout tables are left alone. Returns the count."""
    count = 0
    for table in list(root.iter("table")):
        if table.getparent() is None or not _is_data_table(table):
            continue
        lines = []
        for row in table.iter("tr"):
            cells = [
                _cell_text(cell)
                for cell in row
                if isinstance(cell.tag, str) and cell.tag in ("td", "th")
            ]
            if any(cells):
                lines.append("| " + " | ".join(cells) + " |")
        pre = etree.Element("pre")
        pre.text = "\n".join(lines)
        pre.tail = table.tail
        table.getparent().replace(table, pre)
        count += 1
    return count


_PROSE_NEIGHBOURS = {"p", "pre", "blockquote", *_HEADINGS}


def wrap_prose_lists(root) -> int:
    """Put each `<ul>` that sits in running text (a paragraph, heading or code block beside it)
    into its own `<div>`. resiliparse's main-content rules (2.0.1) drop a bare `<ul>` next to a
    paragraph, exam choices and solution steps included, but keep the same list inside a div
    (and keep `<ol>`); navigation lists have no paragraph beside them. Returns the count."""
    count = 0
    for ul in list(root.iter("ul")):
        neighbours = (ul.getprevious(), ul.getnext())
        if not any(n is not None and n.tag in _PROSE_NEIGHBOURS for n in neighbours):
            continue
        wrapper = etree.Element("div")
        ul.addprevious(wrapper)
        tail, ul.tail = ul.tail, None
        wrapper.append(ul)
        wrapper.tail = tail
        count += 1
    return count


def _inline_text(element) -> str:
    parts: list[str] = []
    if element.text:
        parts.append(element.text)
    for child in element:
        if isinstance(child.tag, str):
            parts.append("\n" if child.tag == "br" else _inline_text(child))
        if child.tail:
            parts.append(child.tail)
    return "".join(parts)


def _holds_blocks(item) -> bool:
    """A list item that is a post rather than a bullet: it holds paragraphs, code or several
    line breaks (XenForo and vBulletin threads are `<ol>`s of posts)."""
    children = [c for c in item if isinstance(c.tag, str)]
    if any(c.tag in _BLOCK_TAGS or c.tag in _HEADINGS for c in children):
        return True
    return sum(c.tag == "br" for c in children) >= 2


def _render_list(element, lines: list[str], depth: int) -> None:
    lines.append("")
    number = 0
    for child in element:
        if not isinstance(child.tag, str) or child.tag != "li":
            continue
        number += 1
        marker = f"{number}." if element.tag == "ol" else "-"
        nested = [c for c in child if isinstance(c.tag, str) and c.tag in ("ul", "ol")]
        for sub in nested:
            child.remove(sub)
        if _holds_blocks(child):  # a forum post or an answer: keep its paragraphs and code
            block: list[str] = []
            render(child, block, depth)
            first = next((i for i, line in enumerate(block) if line.strip()), None)
            if first is not None:
                block[first] = f"{'  ' * depth}{marker} {block[first]}"
                lines.extend(["", *block, ""])
        else:
            text = _squash(" ".join(_squash(t) for t in _inline_text(child).split("\n")))
            if text:
                lines.append(f"{'  ' * depth}{marker} {text}")
        for sub in nested:
            _render_list(sub, lines, depth + 1)
    lines.append("")


def _render_pre(element, lines: list[str]) -> None:
    body = _inline_text(element).strip("\n")
    if not body.strip():
        return
    rows = body.split("\n")
    if all(_TABLE_ROW.match(row.strip()) for row in rows):
        lines.extend(["", *(row.strip() for row in rows), ""])
    else:
        lines.extend(["", "```", body, "```", ""])


def render(element, lines: list[str], depth: int = 0) -> None:
    """Walk an HTML tree and emit text lines keeping headings, lists, tables, code and blocks."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _HEADINGS:
        text = _squash(" ".join(_inline_text(element).split("\n")))
        if text:
            lines.extend(["", f"{_HEADINGS[tag]} {text}", ""])
        return
    if tag in ("ul", "ol"):
        _render_list(element, lines, depth)
        return
    if tag == "pre":
        _render_pre(element, lines)
        return
    if tag == "table":  # a layout table that reached rendering: its cells are blocks
        for cell in element.iter("td", "th"):
            render(cell, lines, depth)
        return
    has_block_child = any(
        isinstance(c.tag, str)
        and (c.tag in _BLOCK_TAGS or c.tag in _HEADINGS or c.tag in _LIST_AND_TABLE_TAGS)
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
    if element.text:
        lines.extend(_squash(piece) for piece in element.text.split("\n") if _squash(piece))
    for child in element:
        if isinstance(child.tag, str):
            render(child, lines, depth)
        if child.tail:
            lines.extend(_squash(piece) for piece in child.tail.split("\n") if _squash(piece))
    if tag in _BLOCK_TAGS:
        lines.append("")


def join_lines(lines: list[str]) -> str:
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def render_minimal_html(minimal_html: str) -> str:
    """Text of resiliparse's reduced HTML (`preserve_formatting="minimal_html"`)."""
    if not minimal_html or not minimal_html.strip():
        return ""
    try:
        fragment = lxml.html.fragment_fromstring(minimal_html, create_parent="div")
    except (etree.ParserError, ValueError):
        return _squash(minimal_html)
    lines: list[str] = []
    render(fragment, lines)
    return join_lines(lines)
