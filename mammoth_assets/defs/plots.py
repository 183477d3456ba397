"""Plots in asset metadata, embedded so that they render in the Dagster UI wherever it runs.

A browser refuses `file://` images inside an `http://` page, and on a remote deployment the PNG
lies on another machine, so a markdown image pointing at the file never shows. The PNG is
embedded as a base64 data URI instead; the file stays under the data dir (the `*_path`
metadata entries point at it) for anyone who wants the full-size image.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import dagster as dg

# A plot is a few tens of KB; anything far larger would bloat every event-log read of the
# asset, so it is linked by path instead of embedded.
MAX_EMBEDDED_BYTES = 2_000_000


def _alt_text(alt: str) -> str:
    return re.sub(r"[\[\]\n\r]", " ", alt).strip() or "plot"


def embedded_png(path: str | Path, alt: str) -> dg.MetadataValue:
    """Markdown metadata that shows the PNG at `path` in the UI (a data URI, not a file link)."""
    path = Path(path)
    data = path.read_bytes()
    if len(data) > MAX_EMBEDDED_BYTES:
        return dg.MetadataValue.md(
            f"_{_alt_text(alt)}: {len(data):,} bytes, too large to embed; see `{path}`_"
        )
    encoded = base64.b64encode(data).decode("ascii")
    return dg.MetadataValue.md(f"![{_alt_text(alt)}](data:image/png;base64,{encoded})")


_DATA_URI = re.compile(r"\(data:image/png;base64,([A-Za-z0-9+/=]+)\)")


def embedded_png_bytes(markdown: str) -> bytes:
    """The PNG embedded by `embedded_png` in a markdown text (for tests and tools)."""
    found = _DATA_URI.search(markdown)
    if found is None:
        raise ValueError("no embedded PNG in the markdown")
    return base64.b64decode(found.group(1))
