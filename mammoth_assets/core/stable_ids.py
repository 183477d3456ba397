"""Stable row ids: a short SHA-1 of the parts that identify a row (same parts, same id, every run)."""

from __future__ import annotations

import hashlib
from typing import Any


def stable_id(*parts: Any, prefix: str = "", size: int = 16) -> str:
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:size]
    return f"{prefix}{digest}"
