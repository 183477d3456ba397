"""Secrets never leave the LLM layer: every error, log line, exception and metadata value it
produces goes through `redact` before it is stored or shown.

The nets are the project's (`mammoth_assets.core.redaction`): the exact values of secrets this
process knows and patterns for credentials a server may echo back (`Authorization: Bearer ...`,
`"api_key": "..."`, `sk-...` keys). This module adds the one thing only the LLM layer knows: the
environment variables named in `api_key_env` (whose names need not look secret, e.g.
`MY_PROVIDER_KEY`), registered by the resource when it reads its settings.
"""

from __future__ import annotations

import os
from typing import Iterable

from mammoth_assets.core import redaction
from mammoth_assets.core.redaction import REDACTED

__all__ = ["REDACTED", "known_secrets", "redact", "register_secret_env"]
_SECRET_ENV_NAMES: set[str] = set()  # api_key_env names configured in this process
_MIN_SECRET_LEN = 6


def register_secret_env(name: str) -> None:
    """Treat the value of environment variable `name` as a secret from now on."""
    if name:
        _SECRET_ENV_NAMES.add(name)


def known_secrets(extra_env_names: Iterable[str] = ()) -> set[str]:
    """Secret values: those the project recognises by name, plus the configured key variables."""
    names = _SECRET_ENV_NAMES | {name for name in extra_env_names if name}
    configured = {value for name in names if len(value := os.environ.get(name, "")) >= _MIN_SECRET_LEN}
    return redaction.known_secrets() | configured


def redact(text: str | None, secrets: Iterable[str] | None = None) -> str | None:
    """`text` with secret values and credential-looking substrings replaced by [REDACTED]."""
    if not text:  # most answers have no error: skip reading the environment
        return text
    return redaction.redact(text, known_secrets() if secrets is None else secrets)
