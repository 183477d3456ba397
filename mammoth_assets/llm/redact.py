"""Secrets never leave the LLM layer: every error, log line, exception and metadata value it
produces goes through `redact` before it is stored or shown.

Two nets: the exact values of secrets this process knows (the configured API key variable, and
any environment variable whose name says it holds a key, token or secret), and patterns for
credentials a server may echo back that this process never saw (`Authorization: Bearer ...`,
`"api_key": "..."`, `sk-...` keys).
"""

from __future__ import annotations

import os
import re
from typing import Iterable

REDACTED = "[REDACTED]"
_SECRET_NAME = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSWORD)", re.IGNORECASE)
_MIN_SECRET_LEN = 6  # shorter values ("EMPTY", "1") would blank out ordinary words
_PATTERNS = [
    # Authorization: Bearer xyz / Basic xyz (header lines, JSON, repr of header dicts)
    re.compile(r"(?i)(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=\-]{4,}"),
    # "api_key": "xyz", api-key=xyz, x-api-key: xyz, "authorization": "xyz"
    re.compile(
        r"""(?i)((?:x-)?(?:api[_-]?key|authorization|access[_-]?token|secret)["']?\s*[:=]\s*["']?)"""
        r"""(?!\[REDACTED\])(?!(?:bearer|basic)\s)[^"'\s,;}&]{4,}"""
    ),
    # OpenAI-style keys anywhere
    re.compile(r"()\bsk-[A-Za-z0-9_\-]{8,}"),
]


def known_secrets(extra_env_names: Iterable[str] = ()) -> set[str]:
    """Values of the named variables and of every variable whose name marks it as a secret."""
    names = {name for name in extra_env_names if name}
    names.update(name for name in os.environ if _SECRET_NAME.search(name))
    return {value for name in names if len(value := os.environ.get(name, "")) >= _MIN_SECRET_LEN}


def redact(text: str | None, secrets: Iterable[str] | None = None) -> str | None:
    """`text` with known secret values and credential-looking substrings replaced."""
    if not text:
        return text
    values = known_secrets() if secrets is None else set(secrets)
    for value in sorted(values, key=len, reverse=True):
        if len(value) >= _MIN_SECRET_LEN:
            text = text.replace(value, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    return text
