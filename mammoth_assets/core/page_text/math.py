"""The math step: every rendering of a formula in a page becomes a text node holding its TeX.

Main-content extractors (resiliparse, trafilatura) see only text: MathJax scripts are dropped as
scripts, KaTeX and MathML are flattened to `Δ % = new - old old × 100 %`, and LaTeX images are
dropped or reduced to their alt text. So the math step runs first, on the lxml tree, and leaves
`$tex$` (inline) or `$$tex$$` (display) where the formula was:

- MathJax v2 `<script type="math/tex[; mode=display]">` holds the TeX itself;
- KaTeX, MathJax v3 assistive MathML and Wikipedia carry the TeX in an `annotation` element;
- MathML without a TeX annotation is converted with the XSLT MathML Library (Vasil Yaroshevich's
  `mmltex.xsl`, shipped by py-asciimath; llm-webkit and MinerU use the same stylesheets);
- LaTeX images from known renderers (codecogs, mimetex/mathtex, WordPress `latex.php`,
  s0.wp.com, Google charts, QuickLaTeX, `class="tex|latex"`) give their TeX in `alt` or in the
  `src` query;
- TeX already written in the text (`$...$`, `\\(...\\)`, `\\[...\\]`, `[tex]`, `[math]`) is
  text and stays as written.

Duplicates a renderer leaves beside the source (MathJax previews, KaTeX's HTML half, Wikipedia's
fallback image) are removed so each formula appears once.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from lxml import etree

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
TEX_ENCODINGS = ("application/x-tex", "tex", "application/x-latex", "latex", "text/x-tex")

# Rendered copies and previews that duplicate a formula whose source we keep.
_DUPLICATE_CLASSES = {
    "MathJax_Preview", "katex-html", "mwe-math-fallback-image-inline",
    "mwe-math-fallback-image-display",
}  # fmt: skip
# Image renderers that put the TeX in the URL: host or path fragment -> query keys holding it.
_TEX_IMAGE_SOURCES = (
    ("codecogs.com", ()),  # latex.codecogs.com/png.latex?TEX (the whole query is the TeX)
    ("mimetex", ()),  # /cgi-bin/mimetex.cgi?TEX
    ("mathtex", ()),  # /cgi-bin/mathtex.cgi?TEX
    ("latex.php", ("latex", "tex")),  # WordPress (s0.wp.com/latex.php?latex=TEX&bg=...), forums
    ("chart.apis.google.com", ("chl",)),  # ?cht=tx&chl=TEX
    ("chart.googleapis.com", ("chl",)),
    ("forkosh.com", ()),
    ("/tex?", ()),
    ("latex2png", ()),
)
_RENDERER_PREFIX = re.compile(
    r"^(?:\s*(?:\\dpi\{\d+\}|\\bg_\w+|\\bg\{\w+\}|\\fg_\w+|\\inline|\\large|\\small|\\normalsize"
    r"|\\tiny|\\huge|\\Large|\\LARGE|\\Huge|\\fn_\w+|\\color\{\w+\}|\\png|\\gif|\\svg))+"
)
_TEX_IMAGE_CLASSES = {"tex", "latex", "math", "ql-img-inline-formula", "ql-img-displayed-equation"}
_NOT_TEX_ALT = {"", "image", "equation", "formula", "latex", "tex", "math", "img", "[math]"}
_PHANTOM = re.compile(r"\\phantom\{\\rule\{[^{}]*\}\{[^{}]*\}\}")
_LITERAL_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)  # vBulletin puts "<br />" into alt TeX


def local_name(element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _tex_annotation(element) -> str | None:
    for annotation in element.iter():
        if local_name(annotation) == "annotation":
            if (annotation.get("encoding") or "").lower() in TEX_ENCODINGS:
                text = (annotation.text or "").strip()
                if text:
                    return text
    return None


@lru_cache(maxsize=1)
def _mmltex():
    import py_asciimath

    stylesheet = Path(py_asciimath.__file__).parent / "translation" / "mathml2tex" / "mmltex.xsl"
    return etree.XSLT(etree.parse(str(stylesheet)))


def _namespaced(element, parent=None):
    """A copy of an HTML-parsed MathML subtree in the MathML namespace (what mmltex.xsl expects)."""
    tag = f"{{{MATHML_NS}}}{local_name(element) or 'mrow'}"
    copy = etree.Element(tag) if parent is None else etree.SubElement(parent, tag)
    for key, value in element.attrib.items():
        if not key.startswith("xmlns"):
            copy.set(key.rsplit("}", 1)[-1], value)
    copy.text = element.text
    for child in element:
        if isinstance(child.tag, str):
            _namespaced(child, copy).tail = child.tail
    return copy


def mathml_to_tex(element) -> str | None:
    """TeX of a `<math>` element: its TeX annotation, else the XSLT conversion. None if neither."""
    annotation = _tex_annotation(element)
    if annotation is not None:
        return annotation
    try:
        converted = str(_mmltex()(_namespaced(element)))
    except (etree.XSLTError, ValueError, TypeError):
        return None
    converted = _PHANTOM.sub("", converted).strip()
    for opening, closing in (("\\[", "\\]"), ("$", "$")):
        if converted.startswith(opening) and converted.endswith(closing):
            converted = converted[len(opening) : len(converted) - len(closing)].strip()
            break
    return converted or None


def tex_of_image(element) -> str | None:
    """TeX of a LaTeX image: alt text when it looks like TeX, else the renderer URL's query."""
    src = element.get("src") or element.get("data-src") or ""
    classes = {c.lower() for c in _classes(element)}
    lowered = src.lower()
    renderer = next((keys for marker, keys in _TEX_IMAGE_SOURCES if marker in lowered), None)
    tex_class = bool(classes & _TEX_IMAGE_CLASSES)
    if renderer is None and not tex_class:
        return None
    alt = (element.get("alt") or element.get("title") or "").strip()
    if alt.lower() not in _NOT_TEX_ALT and not alt.lower().startswith("rendered by"):
        return _RENDERER_PREFIX.sub("", _LITERAL_BREAK.sub(" ", alt)).strip() or None
    if renderer is None:
        return None
    query = urlsplit(src).query
    if renderer:
        values = parse_qs(query, keep_blank_values=False)
        tex = next((values[k][0] for k in renderer if values.get(k)), "")
    else:
        tex = unquote(query.replace("+", " ") if "%20" not in query else query)
    return _RENDERER_PREFIX.sub("", tex).strip() or None


def _is_display(element) -> bool:
    if (element.get("display") or "").lower() == "block" or element.get("mode") == "display":
        return True
    classes = _classes(element)
    if classes & {"katex-display", "MathJax_Display", "ql-img-displayed-equation"}:
        return True
    parent = element.getparent()
    return parent is not None and bool(_classes(parent) & {"katex-display", "MathJax_Display"})


def replace_with_text(element, text: str) -> None:
    """Put `text` (plus the element's tail) where the element was and remove the element."""
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


def drop(element) -> None:
    """Remove an element but keep its tail text."""
    replace_with_text(element, "")


def _delimited(tex: str, display: bool) -> str:
    return f"$${tex}$$" if display else f"${tex}$"


_MATHJAX_RENDERED = {
    "MathJax_Preview", "MathJax", "MathJax_Display", "MathJax_SVG", "MathJax_SVG_Display",
    "MathJax_CHTML", "MathJax_MathML",
}  # fmt: skip


def _drop_rendered_copies_before(script) -> None:
    """MathJax v2 inserts a preview and the rendered formula right before its source script."""
    previous = script.getprevious()
    while previous is not None and _classes(previous) & _MATHJAX_RENDERED:
        before = previous.getprevious()
        drop(previous)
        previous = before


def protect_math(root) -> int:
    """Replace every formula rendering under `root` by its TeX between dollars. Returns how many
    formulas were replaced."""
    replaced = 0
    for script in list(root.iter("script")):
        kind = (script.get("type") or "").lower()
        if kind.startswith("math/tex"):
            tex = (script.text or "").strip()
            _drop_rendered_copies_before(script)
            replace_with_text(script, _delimited(tex, "mode=display" in kind) if tex else "")
            replaced += bool(tex)
        elif kind.startswith("math/asciimath"):
            text = (script.text or "").strip()
            _drop_rendered_copies_before(script)
            replace_with_text(script, f"`{text}`" if text else "")
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        if _has_removed_ancestor(element, root):
            continue
        name = local_name(element)
        classes = _classes(element)
        tex = None
        if name == "mjx-container" or classes & ({"katex", "mwe-math-element"} | _MATHJAX_RENDERED):
            tex = _tex_annotation(element)
            if tex is None:
                math = next((m for m in element.iter() if local_name(m) == "math"), None)
                tex = mathml_to_tex(math) if math is not None else None
            if tex is None and classes & {"MathJax_Preview"}:
                drop(element)
                continue
        elif name == "math":
            tex = mathml_to_tex(element)
        elif name == "img":
            tex = tex_of_image(element)
        if tex is not None:
            replace_with_text(element, _delimited(tex, _is_display(element)))
            replaced += 1
    for element in list(root.iter()):
        if isinstance(element.tag, str) and _classes(element) & _DUPLICATE_CLASSES:
            if element.getparent() is not None and not _has_removed_ancestor(element, root):
                drop(element)
    return replaced


def _has_removed_ancestor(element, root) -> bool:
    """True when an ancestor was already detached (its subtree is no longer under `root`)."""
    node = element
    while node is not None and node is not root:
        node = node.getparent()
    return node is None
